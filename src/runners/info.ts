// info.ts: what this machine's clocks are made of. Probes only, no load.
import { CLOCKS } from '../clocks.js';
import { UnsupportedError } from '../errors.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { flagDisagreements, probeMachine, realInputs, type ProbeInputs } from '../probes/machine.js';
import { readSteal } from '../probes/procstat.js';
import { readClocksources } from '../probes/clocksource.js';
import { pvclockPageOf, pvclockUnavailableMessage } from '../probes/pvclock.js';
import { tscFrequency } from '../probes/tscfreq.js';
import { tscAuxOf } from '../probes/tsc-aux.js';
import { tscAuxFindings } from './tsc-aux.js';
import { finding } from '../findings/codes.js';
import type { FindingT } from '../results/common.js';
import { forkFinding, nestedFinding, withheldArgs, withheldOf } from './clock-decisions.js';
import type { InfoResultT } from '../results/info.js';

type PvclockInfo = InfoResultT['pvclock'];

export interface InfoOptions {
  /** Probe inputs; tests inject files and CPUID answers here. */
  inputs?: ProbeInputs;
  binding?: Binding;
}

export function runInfo(options: InfoOptions = {}): InfoResultT {
  const binding = options.binding ?? loadBinding();
  const inputs = options.inputs ?? realInputs(binding);
  if (!inputs.cpuid) throw new UnsupportedError(`clocklab needs an x86 CPU; this is ${process.arch}`);
  const startedAt = new Date().toISOString();
  const facts = probeMachine(inputs);
  const findings: FindingT[] = [];
  const disagreements = flagDisagreements(facts);
  for (const d of disagreements) {
    findings.push(finding('FLAG_DISAGREEMENT', 'warn', { flag: d.flag, cpuid: d.cpuid, cpuinfo: d.cpuinfo }));
  }
  const f = facts.machine.tscFlags;
  if (!f.constant_tsc || !f.nonstop_tsc) {
    findings.push(finding('TSC_NOT_CONSTANT', 'warn', { constant_tsc: f.constant_tsc, nonstop_tsc: f.nonstop_tsc }));
  }
  // Why tsc is not offered, from the kernel's own log and command line.
  const withheld = withheldOf(facts.machine);
  if (withheld) findings.push(finding('TSC_WITHHELD', withheld.measured ? 'warn' : 'info', withheldArgs(facts.machine, withheld)));
  const nested = nestedFinding(facts.machine);
  if (nested) findings.push(nested);
  const { info: pvclock, systemTimesNs } = pvclockFacts(binding, inputs);
  const fork = forkFinding(facts.machine.kernelView, systemTimesNs);
  if (fork) findings.push(fork);
  const tscAux = tscAuxOf(inputs, binding);
  findings.push(...tscAuxFindings(tscAux, facts.machine));
  // A replay lists the clocks its capture read (clocks.txt); none if it has none.
  const replayed = inputs.replay ? (inputs.replay.clocks ?? []).map((c) => ({ name: c.name, id: c.id, available: c.available, resolutionNs: c.resolutionNs })) : null;
  const clocks = replayed ?? Object.entries(CLOCKS).map(([name, id]) => {
    let available = true;
    let resolutionNs: number | null = null;
    try {
      binding.clockGettime(id);
      resolutionNs = Number(binding.clockGetres(id));
    } catch {
      available = false;
    }
    return { name, id, available, resolutionNs };
  });
  return {
    schema: 'clocklab/1',
    command: 'info',
    startedAt,
    machine: facts.machine,
    // A replay measures nothing: without a leaf or a record it says unknown.
    tscFrequency: tscFrequency(binding, facts.cpuid, facts.hypervisor, pvclock?.tscHz ?? null, !inputs.replay),
    pvclock,
    flagDisagreements: disagreements,
    stealSeconds: (readSteal(inputs.source).get('all') ?? 0) / 1e9,
    clocks,
    findings,
    tscAux,
  };
}

/** The pvclock page's state (probes/pvclock.ts); its mul/shift give the TSC
 * frequency where it is readable (arch/x86/kernel/pvclock.c, pvclock_tsc_khz()). */
function pvclockFacts(binding: Binding, inputs: ProbeInputs): { info: PvclockInfo; systemTimesNs: bigint[] } {
  if (!inputs.cpuid) return { info: null, systemTimesNs: [] };
  const page = pvclockPageOf(binding, inputs);
  if (page.state === 'readable') {
    // Every record's system_time, to tell whether the host rewrote them after a VM fork.
    // A replay's page carries its records; only a live page is read again.
    const systemTimesNs = page.records
      ? page.records.map((r) => r.record.systemTimeNs)
      : liveSystemTimes(binding, page.vcpus);
    return { systemTimesNs, info: {
      state: 'readable',
      address: `0x${page.location.address.toString(16)}`,
      detail: page.location.detail,
      vcpus: page.vcpus.length,
      stableBit: (page.vcpu0.flags & 1) !== 0,
      tscHz: binding.pvclockTscHz(page.vcpu0.mul, page.vcpu0.shift),
    } };
  }
  return {
    systemTimesNs: [],
    info: {
      state: page.state,
      address: page.location.found ? `0x${page.location.address.toString(16)}` : null,
      detail: pvclockUnavailableMessage(page, readClocksources(inputs.source)),
      vcpus: null,
      stableBit: null,
      tscHz: null,
    },
  };
}

function liveSystemTimes(binding: Binding, vcpus: number[]): bigint[] {
  const records = binding.pvclockRead(undefined, Math.max(...vcpus) + 1).records;
  return vcpus.flatMap((v) => (records[v] ? [records[v].systemTimeNs] : []));
}

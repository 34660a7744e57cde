// info.ts: what this machine's clocks are made of. Probes only, no load.
import { CLOCKS } from '../clocks.js';
import { UnsupportedError } from '../errors.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { flagDisagreements, probeMachine, realInputs, type ProbeInputs } from '../probes/machine.js';
import { readSteal } from '../probes/procstat.js';
import { pvclockPageOf, pvclockUnavailableMessage } from '../probes/pvclock.js';
import { tscFrequency } from '../probes/tscfreq.js';
import { finding } from '../findings/codes.js';
import type { FindingT } from '../results/common.js';
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
  if (!facts.machine.clocksources.available.includes('tsc')) {
    findings.push(finding('TSC_CLOCKSOURCE_MISSING', 'warn', { available: facts.machine.clocksources.available.join(' ') }));
  }
  const pvclock = pvclockFacts(binding, inputs);
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
  };
}

/** The pvclock page's state (probes/pvclock.ts); its mul/shift give the TSC
 * frequency where it is readable (arch/x86/kernel/pvclock.c, pvclock_tsc_khz()). */
function pvclockFacts(binding: Binding, inputs: ProbeInputs): PvclockInfo {
  if (!inputs.cpuid) return null;
  const page = pvclockPageOf(binding, inputs);
  if (page.state === 'readable') {
    return {
      state: 'readable',
      address: `0x${page.location.address.toString(16)}`,
      detail: page.location.detail,
      vcpus: page.vcpus.length,
      stableBit: (page.vcpu0.flags & 1) !== 0,
      tscHz: binding.pvclockTscHz(page.vcpu0.mul, page.vcpu0.shift),
    };
  }
  return {
    state: page.state,
    address: page.location.found ? `0x${page.location.address.toString(16)}` : null,
    detail: pvclockUnavailableMessage(page, null),
    vcpus: null,
    stableBit: null,
    tscHz: null,
  };
}

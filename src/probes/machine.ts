// machine.ts: what this machine is, gathered from CPUID, /proc and sysfs, for
// `clocklab info` and for the record every result carries.
import { hostname } from 'node:os';
import { loadBinding, type Binding } from '../native/binding.js';
import type { MachineT, TscFlagsT } from '../results/common.js';
import { readClocksources } from './clocksource.js';
import { onlineCpus } from './cpus.js';
import { readCpuidFacts, readHypervisorFacts, type CpuidFacts, type CpuidFn, type HypervisorFacts } from './cpuid.js';
import { readCpuinfo, type CpuinfoFacts } from './cpuinfo.js';
import { knownSignature } from './hypervisor.js';
import { readKernelView } from './kernel-view.js';
import { HOSTNAME_PATH, KERNEL_LOG_PATH, realSource, type Source } from './source.js';
import { probeTscAuxOnce, type TscAuxFacts } from './tsc-aux.js';
import type { CapturedClock } from './capture-format.js';
import type { PvclockPage } from './pvclock.js';
import type { NativeTimex } from '../native/binding.js';

/** What a replay of a capture (`--machine DIR`) stands in for: the facts
 * that come from the addon or the process, not from a file. */
export interface ReplayFacts {
  /** The capture's folder, as given. */
  dir: string;
  /** When it was captured (its README's first line), or null. */
  capturedAt: string | null;
  /** process.arch's name for the captured `uname` machine (x86_64 -> x64). */
  arch: string;
  /** clock_gettime of each clock (clocks.txt), or null where not captured. */
  clocks: CapturedClock[] | null;
  /** adjtimex(2) (adjtimex), or null where not captured. */
  timex: NativeTimex | null;
}

/** The inputs of every probe, injectable as a whole for tests. */
export interface ProbeInputs {
  source: Source;
  /** null on a machine that is not x86. */
  cpuid: CpuidFn | null;
  /** RDTSCP and RDPID tried on these CPUs (src/probes/tsc-aux.ts): the real
   * one executes them in a forked child; a replay reads a capture's
   * rdtscp-probe.txt. Absent: the real probe. */
  tscAux?: (cpus: number[]) => TscAuxFacts;
  /** The pvclock page, as src/probes/pvclock.ts openPvclockPage finds it;
   * absent: open the live page. A replay answers from pvclock.txt. */
  pvclock?: () => PvclockPage;
  /** Present in a replay: nothing may then be read from the live machine. */
  replay?: ReplayFacts;
}

export function realInputs(binding: Binding = loadBinding()): ProbeInputs {
  return {
    source: realSource,
    cpuid: binding.isX86 ? (l, s) => binding.cpuid(l, s) : null,
    tscAux: (cpus) => probeTscAuxOnce(binding, cpus),
  };
}

export interface MachineFacts {
  machine: MachineT;
  cpuid: CpuidFacts | null;
  cpuinfo: CpuinfoFacts;
  hypervisor: HypervisorFacts | null;
}

/** The flags compared between CPUID and /proc/cpuinfo (both have them). */
const CROSS_CHECKED = ['rdtscp', 'rdpid'] as const;

/** `kernelLog`: the log's text where the caller has read it already (check
 * reads it once, through its collector); else it is read through the Source. */
export function probeMachine(inputs: ProbeInputs = realInputs(), kernelLog?: string | null): MachineFacts {
  const { source } = inputs;
  const cpuinfo = readCpuinfo(source);
  const cpuid = inputs.cpuid ? readCpuidFacts(inputs.cpuid) : null;
  const hypervisor = inputs.cpuid && cpuid ? readHypervisorFacts(inputs.cpuid, cpuid.hypervisorBit) : null;
  const has = (f: string): boolean => cpuinfo.flags.has(f);
  const tscFlags: TscFlagsT = {
    constant_tsc: has('constant_tsc'),
    nonstop_tsc: has('nonstop_tsc'),
    tsc_reliable: has('tsc_reliable'),
    tsc_known_freq: has('tsc_known_freq'),
    rdtscp: has('rdtscp'),
    rdpid: has('rdpid'),
    tsc_adjust: has('tsc_adjust'),
    invariantTsc: cpuid?.invariantTsc ?? false,
  };
  const release = source.read('/proc/sys/kernel/osrelease')?.trim() ?? 'unknown';
  const version = source.read('/proc/sys/kernel/version')?.trim() ?? 'unknown';
  const machine: MachineT = {
    hostname: inputs.replay ? (source.read(HOSTNAME_PATH)?.trim() ?? 'unknown') : hostname(),
    kernel: { release, version, arch: inputs.replay?.arch ?? process.arch },
    isX86: inputs.cpuid !== null,
    cpu: cpuid
      ? { vendor: cpuid.vendor, brand: cpuid.brand, family: cpuid.family, model: cpuid.model, stepping: cpuid.stepping }
      : null,
    onlineCpus: onlineCpus(source),
    tscFlags,
    hypervisor: hypervisor
      ? {
          signature: hypervisor.signature,
          vendor: knownSignature(hypervisor.signature)?.name ?? null,
          maxLeaf: hypervisor.maxLeaf,
          kvmFeatures: hypervisor.kvmFeatures,
          kvmFeaturesEax: hypervisor.kvmFeaturesEax,
        }
      : null,
    clocksources: readClocksources(source),
    ...(inputs.replay ? { replay: { dir: inputs.replay.dir, capturedAt: inputs.replay.capturedAt } } : {}),
  };
  machine.kernelView = readKernelView({
    source,
    cpuid: inputs.cpuid,
    hypervisorBit: cpuid?.hypervisorBit ?? false,
    cpuinfoFlag: has('hypervisor'),
    available: machine.clocksources.available,
    current: machine.clocksources.current,
  }, kernelLog === undefined ? source.read(KERNEL_LOG_PATH) : kernelLog);
  return { machine, cpuid, cpuinfo, hypervisor };
}

/** Flags where CPUID and /proc/cpuinfo disagree. Hypervisors and kernel
 * command lines (clearcpuid=) can hide a bit from one view and not the other. */
export function flagDisagreements(facts: MachineFacts): Array<{ flag: string; cpuid: boolean; cpuinfo: boolean }> {
  if (!facts.cpuid) return [];
  const out: Array<{ flag: string; cpuid: boolean; cpuinfo: boolean }> = [];
  for (const flag of CROSS_CHECKED) {
    const a = facts.cpuid[flag];
    const b = facts.cpuinfo.flags.has(flag);
    if (a !== b) out.push({ flag, cpuid: a, cpuinfo: b });
  }
  const hv = facts.cpuinfo.flags.has('hypervisor');
  if (hv !== facts.cpuid.hypervisorBit) out.push({ flag: 'hypervisor', cpuid: facts.cpuid.hypervisorBit, cpuinfo: hv });
  return out;
}

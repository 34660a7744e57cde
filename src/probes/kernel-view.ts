// kernel-view.ts: what did the kernel decide about its clocks, and why? Its
// log, its command line and sysfs, read through the Source, and user-space
// CPUID as a second witness: the hypervisor it runs on, whether it offers
// tsc and what took it away, its clocksource switches, and VM forks.
import type { KernelViewT, TscWithheldT } from '../results/common.js';
import { readCmdline, tscRemovingOption, type ClockCmdline } from './cmdline.js';
import type { CpuidFn } from './cpuid.js';
import { hypervisorView, scanHypervisorLeaves } from './hypervisor.js';
import { kernelLogFacts, MEASURED_KINDS, type KernelLogFacts } from './kernel-log.js';
import { KERNEL_LOG_PATH, type Source } from './source.js';

/** Why tsc is not offered, from the log first and the command line second;
 * null where tsc is offered and nothing marked it unstable. */
export function tscWithheld(available: readonly string[], log: KernelLogFacts, cmdline: ClockCmdline): TscWithheldT | null {
  const mark = log.tscUnstable[0] ?? null;
  if (available.includes('tsc') && mark === null) return null;
  const watch = log.watchdog.find((w) => w.clocksource.startsWith('tsc')) ?? null;
  const sync = log.tscSync.find((s) => s.warpCycles !== null) ?? log.tscSync[0] ?? null;
  const option = mark?.reason === 'boot parameter notsc' ? 'notsc' : tscRemovingOption(cmdline);
  // Without the log's line (not readable, or rotated out) the command line alone can still tell.
  const kind = mark?.kind ?? (option !== null ? 'boot-parameter' : 'unknown');
  return {
    kind,
    reason: mark?.reason ?? null,
    timeS: mark?.timeS ?? null,
    measured: MEASURED_KINDS.has(kind as never),
    option: kind === 'boot-parameter' ? option : null,
    watchdog: kind === 'watchdog' && watch ? { clocksource: watch.clocksource, against: watch.watchdog, cpu: watch.cpu, skewNs: watch.skewNs, wdNsec: watch.wdNsec, csNsec: watch.csNsec } : null,
    sync: kind === 'sync-check' && sync ? { fromCpu: sync.fromCpu, toCpu: sync.toCpu, warpCycles: sync.warpCycles } : null,
  };
}

export interface KernelViewInputs {
  source: Source;
  cpuid: CpuidFn | null;
  hypervisorBit: boolean;
  cpuinfoFlag: boolean;
  available: readonly string[];
  current: string | null;
}

export function readKernelView(i: KernelViewInputs, logText: string | null = i.source.read(KERNEL_LOG_PATH)): KernelViewT {
  const log = kernelLogFacts(logText);
  const cmdline = readCmdline(i.source);
  const cpuid = i.cpuid ? scanHypervisorLeaves(i.cpuid, i.hypervisorBit) : [];
  const { read: cmdlineRead, ...clockOptions } = cmdline;
  return {
    kernelLogRead: log.read,
    cmdlineRead,
    hypervisor: hypervisorView(log.hypervisorDetected, i.source, i.cpuinfoFlag, cpuid, i.current),
    clockOptions,
    tsc: {
      offered: i.available.includes('tsc'),
      withheld: tscWithheld(i.available, log, cmdline),
      detectedMhz: log.tscDetectedMhz,
      refinedMhz: log.tscRefinedMhz,
    },
    switches: log.switches,
    forks: log.forks,
  };
}

/** The guest's pvclock records against its last fork: rewritten when every
 * readable record's system_time (kvmclock ns) is past the fork's log time.
 * kvmclock counts from about the VM's start and the log's clock from the
 * kernel's, so kvmclock is the larger: a record older than the fork cannot
 * pass. null where there is no fork or no record. */
export function recordsSinceFork(
  view: KernelViewT | undefined,
  systemTimesNs: readonly bigint[],
): { forkS: number | null; oldestSystemTimeS: number | null; rewritten: boolean | null } | null {
  const fork = view?.forks.at(-1);
  if (!fork) return null;
  if (systemTimesNs.length === 0 || fork.timeS === null) return { forkS: fork.timeS, oldestSystemTimeS: null, rewritten: null };
  const oldest = systemTimesNs.reduce((a, b) => (b < a ? b : a));
  const oldestS = Number(oldest) / 1e9;
  return { forkS: fork.timeS, oldestSystemTimeS: oldestS, rewritten: oldestS >= fork.timeS };
}

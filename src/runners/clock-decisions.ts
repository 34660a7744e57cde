// clock-decisions.ts: the kernel's clock decisions as findings, and the one
// rule that recommends a clocksource from them. info, check and compare all
// call these, so on the same machine they say the same thing.
import { finding, type FindingArgs, type RecommendationBasis } from '../findings/codes.js';
import type { FindingT, KernelViewT, MachineT, TscWithheldT } from '../results/common.js';
import { recordsSinceFork } from '../probes/kernel-view.js';

/** Which clocksource the evidence recommends, and on what basis. */
export interface Recommendation {
  clocksource: string | null;
  basis: RecommendationBasis;
}

/** Paravirtual clocksources, in the order preferred when tsc is not a choice. */
const PARAVIRTUAL = ['kvm-clock', 'hyperv_clocksource_tsc_page', 'xen'] as const;

const tscSound = (m: MachineT): boolean => m.tscFlags.constant_tsc && m.tscFlags.nonstop_tsc && m.tscFlags.invariantTsc;

/** Why tsc is not offered, from the machine record; a record without the
 * kernel's view (an older report) knows only that it is missing. */
export function withheldOf(m: MachineT): TscWithheldT | null {
  if (m.kernelView) return m.kernelView.tsc.withheld;
  if (m.clocksources.available.includes('tsc')) return null;
  return { kind: 'unknown', reason: null, timeS: null, measured: false, option: null, watchdog: null, sync: null };
}

const basis = (b: RecommendationBasis['basis'], w: TscWithheldT | null = null): RecommendationBasis => ({
  basis: b,
  storedLevel: null,
  storedClocksource: null,
  storedReason: null,
  from: null,
  tscKind: w?.kind ?? null,
  tscOption: w?.option ?? null,
});

/**
 * The recommendation from what the kernel says and the TSC flags, without
 * timing anything: tsc where the kernel offers it and the TSC is constant,
 * non-stop and invariant (the conditions under which kvmclock_init() itself
 * lowers kvm-clock's rating below tsc, arch/x86/kernel/kvmclock.c); else the
 * paravirtual clock, as `tsc-untrusted` only where the flags or a kernel
 * measurement (watchdog, sync check) speak against the TSC, and as
 * `tsc-withheld` where the kernel merely does not offer tsc (a boot
 * parameter). check calls it without a stored comparison; compare calls it
 * where the kernel offers one clocksource.
 */
export function recommendFromKernel(m: MachineT): Recommendation {
  const avail = m.clocksources.available;
  const w = withheldOf(m);
  if (avail.includes('tsc') && tscSound(m) && w === null) return { clocksource: 'tsc', basis: basis('tsc-sound') };
  const pv = PARAVIRTUAL.find((c) => avail.includes(c)) ?? null;
  if (pv === null) return { clocksource: null, basis: basis('none-qualifies', w) };
  if (!tscSound(m) || w?.measured) return { clocksource: pv, basis: basis('tsc-untrusted', w && w.measured ? w : null) };
  return { clocksource: pv, basis: basis('tsc-withheld', w) };
}

/** The arguments of TSC_WITHHELD / CHECK_TSC_WITHHELD. */
export function withheldArgs(m: MachineT, w: TscWithheldT): FindingArgs<'TSC_WITHHELD'> {
  const v = m.kernelView;
  return {
    kind: w.kind,
    reason: w.reason,
    timeS: w.timeS,
    option: w.option,
    contradiction: v?.clockOptions.tscContradiction ?? false,
    clocksourceAsked: v?.clockOptions.clocksource ?? null,
    watchdogClock: w.watchdog?.clocksource ?? null,
    watchdogAgainst: w.watchdog?.against ?? null,
    skewNs: w.watchdog?.skewNs ?? null,
    wdNsec: w.watchdog?.wdNsec ?? null,
    cpu: w.watchdog?.cpu ?? null,
    warpCycles: w.sync?.warpCycles ?? null,
    fromCpu: w.sync?.fromCpu ?? null,
    toCpu: w.sync?.toCpu ?? null,
    logRead: v?.kernelLogRead ?? false,
    flagsGood: tscSound(m),
  };
}

/** HYPERVISOR_NESTED where the kernel and user-space CPUID name different hypervisors. */
export function nestedFinding(m: MachineT): FindingT | null {
  const h = m.kernelView?.hypervisor;
  if (!h || !h.nested) return null;
  const first = h.cpuid[0];
  return finding('HYPERVISOR_NESTED', 'info', {
    kernelSays: h.kernelSays ?? h.sysfsType ?? 'unknown',
    cpuidSignature: first?.signature ?? '',
    cpuidName: first?.name ?? null,
    clocksource: m.clocksources.current,
    clockFrom: h.clockFrom,
  });
}

/** VM_FORKED where the kernel logged a VM fork, with the pvclock records'
 * system_time (ns) against it. */
export function forkFinding(view: KernelViewT | undefined, systemTimesNs: readonly bigint[]): FindingT | null {
  const since = recordsSinceFork(view, systemTimesNs);
  if (!since || !view) return null;
  return finding('VM_FORKED', since.rewritten === false ? 'warn' : 'info', {
    forkS: since.forkS,
    forks: view.forks.length,
    rewritten: since.rewritten,
    oldestSystemTimeS: since.oldestSystemTimeS,
  });
}

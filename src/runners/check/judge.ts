// judge.ts: the verdict of each health check, as pure functions of the
// evidence gathered (src/runners/check/index.ts gathers). Kept apart so each
// failing condition can be exercised on injected evidence and on the real one
// through the same code.
import type { BenchResultT } from '../../results/bench.js';
import type { CheckItemT } from '../../results/check.js';
import type { DisturbanceT, MachineT } from '../../results/common.js';
import type { PvclockResultT } from '../../results/pvclock.js';
import type { WarpResultT } from '../../results/warp.js';

export type Verdict = Omit<CheckItemT, 'name' | 'title' | 'elapsedMs'>;

/** A vDSO read costs tens of ns and the system call hundreds; a vDSO clock
 * that costs more than this fraction of the syscall has fallen back to it. */
export const VDSO_FALLBACK_RATIO = 0.5;

/** Steal above this share of the CPUs' time makes figures untrustworthy. */
export const STEAL_WARN_PERCENT = 5;

/** The fastest run: on a shared machine a slow run is preemption, not cost. */
const floor = (bench: BenchResultT, method: string): number | null => {
  const m = bench.methods.find((x) => x.method === method);
  return m && m.status === 'measured' ? m.summary.minNsPerLoop : null;
};

/** vDSO in use: monotonic and realtime priced against the raw syscall. */
export function judgeVdso(bench: BenchResultT, clocksource: string | null): Verdict {
  const sys = floor(bench, 'sys_monotonic');
  const mono = floor(bench, 'monotonic');
  const real = floor(bench, 'realtime');
  const evidence = { monotonicNs: mono, realtimeNs: real, sysMonotonicNs: sys, clocksource };
  if (sys === null || mono === null || real === null) {
    return { status: 'skipped', summary: 'could not time monotonic, realtime and the syscall', advice: null, evidence };
  }
  const fellBack = [['monotonic', mono], ['realtime', real]].filter(([, ns]) => (ns as number) > VDSO_FALLBACK_RATIO * sys);
  const figures = `monotonic ${mono.toFixed(1)} ns, realtime ${real.toFixed(1)} ns, syscall ${sys.toFixed(1)} ns`;
  if (fellBack.length === 0) return { status: 'ok', summary: `reads stay in the vDSO: ${figures}`, advice: null, evidence };
  const why =
    clocksource === 'kvm-clock'
      ? 'on kvm-clock the vDSO falls back when the pvclock page lacks PVCLOCK_TSC_STABLE_BIT (arch/x86/include/asm/vdso/gettimeofday.h, vread_pvclock); run `clocklab pvclock`'
      : clocksource === 'tsc'
        ? 'on tsc the vDSO falls back when the kernel has marked the TSC unstable; look for "Marking TSC unstable" in dmesg'
        : `clocksource ${clocksource ?? 'unknown'} has no vDSO mode, so every read is a system call`;
  return {
    status: 'fail',
    summary: `${fellBack.map(([n]) => n).join(' and ')} cost like the system call (${figures}): the vDSO fell back`,
    advice: `${why}; a clocksource with a vDSO mode (tsc, or kvm-clock with the stable bit) restores ~10x cheaper reads`,
    evidence,
  };
}

/** No warps of monotonic methods across CPUs; plain RDTSC warps are information. */
export function judgeWarp(warp: WarpResultT): Verdict {
  const measured = warp.methods.flatMap((m) => (m.status === 'measured' ? [m] : []));
  const failed = measured.filter((m) => m.verdict === 'failed');
  const findings = measured.filter((m) => m.verdict === 'finding');
  const evidence: Verdict['evidence'] = { cpus: warp.options.cpus.join(','), seconds: warp.options.durationSeconds };
  for (const m of measured) evidence[`${m.method}Warps`] = m.warps;
  if (measured.length === 0) return { status: 'skipped', summary: 'no method could be warp-checked', advice: null, evidence };
  if (warp.options.cpus.length < 2) {
    return { status: 'skipped', summary: 'one CPU only: time cannot go backwards across CPUs', advice: null, evidence };
  }
  const info = findings.length ? `; ${findings.map((m) => `${m.method} ${m.warps} warps (allowed by its contract)`).join(', ')}` : '';
  if (failed.length === 0) {
    return { status: 'ok', summary: `${measured.filter((m) => m.verdict === 'held').map((m) => m.method).join(', ')} held across CPUs ${warp.options.cpus.join(',')}${info}`, advice: null, evidence };
  }
  const worst = failed
    .map((m) => (m.largest ? `${m.method}: cpu ${m.largest.fromCpu} -> cpu ${m.largest.toCpu} ${m.largest.amount} ${m.unit} backwards (${m.warps} warps)` : `${m.method}: ${m.warps} warps`))
    .join('; ');
  return {
    status: 'fail',
    summary: `time went backwards across CPUs: ${worst}`,
    advice: 'applications will see time go backwards; switch to a clocksource that holds (`clocklab compare --warp`) and report the host',
    evidence,
  };
}

/** TSC health: the flags that make it usable, and whether the kernel gave up on it. */
export function judgeTsc(machine: MachineT, kernelLog: string | null): Verdict {
  const f = machine.tscFlags;
  const unstable = kernelLog === null ? null : /Marking TSC unstable|TSC found unstable|tsc: .*unstable/i.exec(kernelLog)?.[0] ?? null;
  const tscListed = machine.clocksources.available.includes('tsc');
  const evidence = {
    constant_tsc: f.constant_tsc,
    nonstop_tsc: f.nonstop_tsc,
    invariantTsc: f.invariantTsc,
    tscInAvailable: tscListed,
    kernelLogSays: unstable,
    kernelLogRead: kernelLog !== null,
  };
  const problems: string[] = [];
  if (!f.constant_tsc) problems.push('no constant_tsc');
  if (!f.nonstop_tsc) problems.push('no nonstop_tsc');
  if (!f.invariantTsc) problems.push('no invariant TSC (CPUID 0x80000007 EDX[8])');
  if (!tscListed) problems.push('tsc missing from available_clocksource');
  if (unstable) problems.push(`the kernel log says "${unstable}"`);
  if (problems.length === 0) {
    return {
      status: 'ok',
      summary: `constant, non-stop and invariant; tsc is an available clocksource${kernelLog === null ? ' (kernel log not readable)' : ''}`,
      advice: null,
      evidence,
    };
  }
  return {
    status: 'warn',
    summary: `TSC: ${problems.join('; ')}`,
    advice: 'do not rely on the TSC here: keep kvm-clock (or the best-rated clocksource) and treat raw TSC reads as CPU-local',
    evidence,
  };
}

/** Which clocksource the evidence recommends, and on what basis. */
export interface Recommendation {
  clocksource: string | null;
  basis: string;
}

/** Without a stored comparison: tsc where the TSC is constant, non-stop and
 * invariant (the conditions under which kvmclock_init() itself lowers
 * kvm-clock's rating below tsc, arch/x86/kernel/kvmclock.c), else kvm-clock. */
export function recommendFromTsc(machine: MachineT): Recommendation {
  const f = machine.tscFlags;
  const avail = machine.clocksources.available;
  if (avail.includes('tsc') && f.constant_tsc && f.nonstop_tsc && f.invariantTsc) {
    return { clocksource: 'tsc', basis: 'the TSC is constant, non-stop and invariant, so tsc reads in the vDSO without the pvclock indirection' };
  }
  if (avail.includes('kvm-clock')) return { clocksource: 'kvm-clock', basis: 'the TSC is not trustworthy here, and kvm-clock corrects for it' };
  return { clocksource: null, basis: 'neither tsc nor kvm-clock qualifies' };
}

export function judgeClocksource(machine: MachineT, rec: Recommendation): Verdict {
  const current = machine.clocksources.current;
  const evidence = { current, recommended: rec.clocksource, basis: rec.basis };
  if (rec.clocksource === null) return { status: 'skipped', summary: `no recommendation: ${rec.basis}`, advice: null, evidence };
  if (current === rec.clocksource) {
    return { status: 'ok', summary: `${current} is in use, as recommended (${rec.basis})`, advice: null, evidence };
  }
  return {
    status: 'warn',
    summary: `${current ?? 'unknown'} is in use, but ${rec.clocksource} is recommended (${rec.basis})`,
    advice: `switch with \`echo ${rec.clocksource} > /sys/devices/system/clocksource/clocksource0/current_clocksource\`, or boot with clocksource=${rec.clocksource}`,
    evidence,
  };
}

export function judgeDisturbance(d: DisturbanceT): Verdict {
  const evidence = { stealPercent: d.stealPercent, loadAverage1m: d.loadAverageBefore[0] };
  if (d.stealPercent > STEAL_WARN_PERCENT) {
    return {
      status: 'warn',
      summary: `the host stole ${d.stealPercent}% of the CPUs' time during the check`,
      advice: 'figures from this run are noisy; rerun when the host is quieter before trusting a cost',
      evidence,
    };
  }
  return { status: 'ok', summary: `steal ${d.stealPercent}% during the check, load ${d.loadAverageBefore[0]} before it`, advice: null, evidence };
}

/** pvclock (KVM): the stable bit, the vCPUs' records agreeing, no torn read. */
export function judgePvclock(p: PvclockResultT): Verdict {
  const torn = p.watch ? p.watch.counts.reduce((a, c) => a + c.tornReads, 0) : 0;
  const evidence = {
    vcpus: p.records.length,
    stableBit: p.vdso.stableBit,
    recordsAgree: p.agreement.sameParameters,
    maxNsDifference: p.agreement.maxNsDifference,
    differingFields: p.agreement.differingFields.join(',') || null,
    watchSeconds: p.watch?.seconds ?? null,
    tornReads: torn,
    clocksource: p.vdso.currentClocksource,
  };
  const problems: string[] = [];
  let advice: string | null = null;
  if (torn > 0) {
    problems.push(`${torn} torn read(s): a record changed under an unchanged even version`);
    advice = 'the host writes the pvclock page without the version protocol (arch/x86/kvm/x86.c, kvm_setup_guest_pvclock); report the host kernel';
  }
  if (!p.vdso.stableBit) {
    problems.push("vCPU 0's record lacks PVCLOCK_TSC_STABLE_BIT");
    advice ??= 'KVM is out of master-clock mode (host TSC unstable or vCPU TSCs unmatched): on kvm-clock every clock_gettime is now a system call; prefer tsc if the TSC is sound, and check the host';
  }
  if (!p.agreement.sameParameters || p.agreement.maxNsDifference !== 0) {
    problems.push(`the vCPUs' records disagree (${p.agreement.differingFields.join(', ') || 'ns'}; up to ${p.agreement.maxNsDifference} ns)`);
    advice ??= "with the stable bit set every vCPU should carry the same record (KVM master clock); reads on different vCPUs can disagree: prefer tsc, and check the host";
  }
  if (problems.length === 0) {
    return {
      status: 'ok',
      summary: `${p.records.length} vCPU records agree, stable bit set, no torn read in ${p.watch?.seconds ?? 0} s`,
      advice: null,
      evidence,
    };
  }
  return { status: 'fail', summary: problems.join('; '), advice, evidence };
}

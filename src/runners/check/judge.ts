// judge.ts: the verdict of each health check, as pure functions of the
// evidence gathered (src/runners/check/index.ts gathers). Kept apart so each
// failing condition can be exercised on injected evidence and on the real one
// through the same code.
import { finding, type FindingArgs, type FindingCode } from '../../findings/codes.js';
import { parseCmdline } from '../../probes/cmdline.js';
import { kernelLogFacts } from '../../probes/kernel-log.js';
import { tscWithheld } from '../../probes/kernel-view.js';
import { recommendFromKernel, withheldArgs, withheldOf, type Recommendation } from '../clock-decisions.js';
import { STEAL_LIMIT_PERCENT, VDSO_FALLBACK_RATIO } from '../../findings/thresholds.js';
import type { BenchResultT } from '../../results/bench.js';
import type { CheckItemRawT, CheckStatusT } from '../../results/check.js';
import type { DisturbanceT, FindingT, MachineT } from '../../results/common.js';
import type { PvclockResultT } from '../../results/pvclock.js';
import { PTP_KVM_NAME, type TimesyncFacts } from '../../probes/timesync.js';
import type { WarpResultT } from '../../results/warp.js';

/** A check's verdict: its status, its findings (the verdict's code first,
 * then its details) and the figures behind it. */
export type CheckJudgement = Omit<CheckItemRawT, 'name' | 'elapsedMs'>;

/** The severity of a check's verdict finding, from its status. */
const SEVERITY: Record<CheckStatusT, FindingT['severity']> = { ok: 'info', skipped: 'info', warn: 'warn', fail: 'fail' };

/** A verdict: its code's severity follows the status. */
function verdict<C extends FindingCode>(status: CheckStatusT, code: C, args: FindingArgs<C>, evidence: CheckJudgement['evidence'], details: FindingT[] = []): CheckJudgement {
  return { status, findings: [finding(code, SEVERITY[status], args), ...details], evidence };
}

/** The fastest run: on a shared machine a slow run is preemption, not cost. */
const floor = (bench: BenchResultT, method: string): number | null => {
  const m = bench.methods.find((x) => x.method === method);
  return m && m.status === 'measured' ? m.summary.minNsPerLoop : null;
};

/** vDSO in use: monotonic and realtime priced against the raw syscall. */
export function judgeVdso(bench: BenchResultT, clocksource: string | null): CheckJudgement {
  const sys = floor(bench, 'sys_monotonic');
  const mono = floor(bench, 'monotonic');
  const real = floor(bench, 'realtime');
  const evidence = { monotonicNs: mono, realtimeNs: real, sysMonotonicNs: sys, clocksource };
  if (sys === null || mono === null || real === null) return verdict('skipped', 'CHECK_VDSO_UNMEASURED', {}, evidence);
  const figures = { monotonicNs: mono, realtimeNs: real, syscallNs: sys };
  const monotonic = mono > VDSO_FALLBACK_RATIO * sys;
  const realtime = real > VDSO_FALLBACK_RATIO * sys;
  if (!monotonic && !realtime) return verdict('ok', 'CHECK_VDSO_OK', figures, evidence);
  return verdict('fail', 'CHECK_VDSO_FALLBACK', { monotonic, realtime, ...figures, clocksource }, evidence);
}

/** No warps of monotonic methods across CPUs; plain RDTSC warps are information. */
export function judgeWarp(warp: WarpResultT): CheckJudgement {
  const measured = warp.methods.flatMap((m) => (m.status === 'measured' ? [m] : []));
  const failed = measured.filter((m) => m.verdict === 'failed');
  const allowed = measured.filter((m) => m.verdict === 'finding');
  const cpus = warp.options.cpus.join(',');
  const evidence: CheckJudgement['evidence'] = { cpus, seconds: warp.options.durationSeconds };
  for (const m of measured) {
    evidence[`${m.method}Warps`] = m.warps;
    evidence[`${m.method}Reads`] = m.reads;
  }
  if (measured.length === 0) return verdict('skipped', 'CHECK_WARP_UNMEASURED', {}, evidence);
  if (warp.options.cpus.length < 2) return verdict('skipped', 'CHECK_WARP_ONE_CPU', { cpus }, evidence);
  if (failed.length === 0) {
    const held = measured.filter((m) => m.verdict === 'held').map((m) => m.method).join(',');
    const details = allowed.map((m) => finding('CHECK_WARP_ALLOWED', 'info', { method: m.method, warps: m.warps }));
    return verdict('ok', 'CHECK_WARP_HELD', { methods: held, cpus }, evidence, details);
  }
  const details = failed.map((m) =>
    finding('CHECK_WARP_WENT_BACK', 'fail', {
      method: m.method,
      warps: m.warps,
      fromCpu: m.largest?.fromCpu ?? null,
      toCpu: m.largest?.toCpu ?? null,
      amount: m.largest?.amount ?? null,
      unit: m.unit,
    }),
  );
  return verdict('fail', 'CHECK_WARP_BACKWARDS', { methods: failed.map((m) => m.method).join(',') }, evidence, details);
}

/** TSC health: the flags that make it usable, and whether the kernel offers
 * it and, where not, why (its log and command line: src/probes/kernel-view.ts).
 * `kernelLog` is the log's text as check read it (null: unreadable). */
export function judgeTsc(machine: MachineT, kernelLog: string | null): CheckJudgement {
  const f = machine.tscFlags;
  const v = machine.kernelView;
  const cmdline = v ? { read: v.cmdlineRead, ...v.clockOptions } : parseCmdline(null);
  const withheld = kernelLog === null && !v ? withheldOf(machine) : tscWithheld(machine.clocksources.available, kernelLogFacts(kernelLog), cmdline);
  const tscListed = machine.clocksources.available.includes('tsc');
  const unstable = withheld?.reason ? `Marking TSC unstable due to ${withheld.reason}` : null;
  const evidence = {
    constant_tsc: f.constant_tsc,
    nonstop_tsc: f.nonstop_tsc,
    invariantTsc: f.invariantTsc,
    tscInAvailable: tscListed,
    kernelLogSays: unstable,
    kernelLogRead: kernelLog !== null,
    withheld: withheld?.kind ?? null,
    cmdline: cmdline.options.join(' ') || null,
  };
  const sound = f.constant_tsc && f.nonstop_tsc && f.invariantTsc;
  if (sound && withheld === null) return verdict('ok', 'CHECK_TSC_OK', { kernelLogRead: kernelLog !== null }, evidence);
  if (!sound) {
    const args = { constantTsc: f.constant_tsc, nonstopTsc: f.nonstop_tsc, invariantTsc: f.invariantTsc, tscAvailable: tscListed, kernelLogSays: unstable };
    return verdict('warn', 'CHECK_TSC_UNTRUSTED', args, evidence);
  }
  const w = withheld ?? withheldOf(machine);
  if (!w) throw new Error('unreachable: a TSC that is not ok is withheld');
  const args = withheldArgs({ ...machine, kernelView: v ? { ...v, kernelLogRead: kernelLog !== null } : v } as MachineT, w);
  return verdict('warn', 'CHECK_TSC_WITHHELD', args, evidence);
}

/** Which clocksource the evidence recommends, and on what basis. */
export type { Recommendation } from '../clock-decisions.js';

/** The recommendation without a stored comparison: the one rule check and
 * compare share (src/runners/clock-decisions.ts). */
export const recommendFromTsc = (machine: MachineT): Recommendation => recommendFromKernel(machine);

export function judgeClocksource(machine: MachineT, rec: Recommendation): CheckJudgement {
  const current = machine.clocksources.current;
  // The basis in words joins the evidence when the result is phrased (src/findings/phrase.ts).
  const evidence = { current, recommended: rec.clocksource };
  if (rec.clocksource === null) return verdict('skipped', 'CHECK_CLOCKSOURCE_NONE', rec.basis, evidence);
  if (current === rec.clocksource) return verdict('ok', 'CHECK_CLOCKSOURCE_OK', { current, ...rec.basis }, evidence);
  return verdict('warn', 'CHECK_CLOCKSOURCE_DIFFERS', { current, recommended: rec.clocksource, ...rec.basis }, evidence);
}

export function judgeDisturbance(d: DisturbanceT): CheckJudgement {
  const evidence = { stealPercent: d.stealPercent, loadAverage1m: d.loadAverageBefore[0] };
  if (d.stealPercent > STEAL_LIMIT_PERCENT) return verdict('warn', 'CHECK_DISTURBANCE_STEAL', { stealPercent: d.stealPercent }, evidence);
  return verdict('ok', 'CHECK_DISTURBANCE_OK', { stealPercent: d.stealPercent, loadAverage: d.loadAverageBefore[0] }, evidence);
}

/** pvclock (KVM): the stable bit, the vCPUs' records agreeing, no torn read. */
export function judgePvclock(p: PvclockResultT): CheckJudgement {
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
  const recordsDisagree = !p.agreement.sameParameters || p.agreement.maxNsDifference !== 0;
  if (torn === 0 && p.vdso.stableBit && !recordsDisagree) {
    return verdict('ok', 'CHECK_PVCLOCK_OK', { vcpus: p.records.length, seconds: p.watch?.seconds ?? 0 }, evidence);
  }
  return verdict(
    'fail',
    'CHECK_PVCLOCK_UNHEALTHY',
    {
      tornReads: torn,
      stableBit: p.vdso.stableBit,
      recordsDisagree,
      differingFields: p.agreement.differingFields.join(','),
      maxNsDifference: p.agreement.maxNsDifference,
    },
    evidence,
  );
}

/** Time sync: the kernel's NTP state (synchronised, its error bounds) and what keeps it. */
export function judgeTimesync(t: TimesyncFacts, kvm: boolean): CheckJudgement {
  const daemons = t.daemons.join(',');
  const ptpKvm = t.ptpClocks.find((c) => c.name === PTP_KVM_NAME)?.device ?? null;
  const base = { daemons: daemons || null, ptpClocks: t.ptpClocks.map((c) => `${c.device}:${c.name}`).join(',') || null, ptpKvm };
  if ('error' in t.timex) return verdict('skipped', 'CHECK_TIMESYNC_UNREAD', { error: t.timex.error }, base);
  const x = t.timex;
  const evidence = { ...base, synchronised: x.synchronised, state: x.state, maxErrorUs: x.maxErrorUs, estErrorUs: x.estErrorUs, offsetNs: x.offsetNs };
  if (x.synchronised) return verdict('ok', 'CHECK_TIMESYNC_OK', { daemons, maxErrorUs: x.maxErrorUs, estErrorUs: x.estErrorUs, offsetNs: x.offsetNs }, evidence);
  return verdict('warn', 'CHECK_TIMESYNC_UNSYNCED', { daemons, ptpKvm, kvm, maxErrorUs: x.maxErrorUs }, evidence);
}

// compare-judge.ts: what do a comparison's runs say? Tabulates each method's
// medians per clocksource with the ratio's interval, checks the controls,
// and weighs speed against the evidence that the faster clocksource is safe
// here (the recommendation). Pure: runs in, rows and a recommendation out.
import { finding } from '../findings/codes.js';
import { MIN_SPEEDUP_RATIO, STEAL_LIMIT_PERCENT } from '../findings/thresholds.js';
import { median as medianOf, ratioOfMedians } from '../stats/interval.js';
import { type MachineFacts } from '../probes/machine.js';
import { recommendFromKernel } from './clock-decisions.js';
import type { FindingT } from '../results/common.js';
import type { ClockVerdictT, ClocksourceRunT, CompareRowT, RecommendationRawT, SafetyT } from '../results/compare.js';

/** The clocks people use; the recommendation is about these. */
const KEY_CLOCKS = ['monotonic', 'realtime'] as const;

/** Reads that do not go through the clocksource: their ratio between
 * clocksources is the run-to-run noise of this machine, and a clock's
 * difference must beat it to count. */
const CONTROLS = ['rdtscp', 'lfence_rdtsc', 'rdtsc'] as const;

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

interface Figures {
  median: number;
  min: number;
  max: number;
  spread: number;
}

/** The clocksources in the order first measured, each with all its turns. */
function groups(runs: readonly ClocksourceRunT[]): Array<{ cs: string; turns: ClocksourceRunT[] }> {
  const out: Array<{ cs: string; turns: ClocksourceRunT[] }> = [];
  for (const r of runs) {
    const g = out.find((x) => x.cs === r.clocksource);
    if (g) g.turns.push(r);
    else out.push({ cs: r.clocksource, turns: [r] });
  }
  return out;
}

/** ns/loop of every run of a method over all of a clocksource's turns. */
function figures(turns: readonly ClocksourceRunT[], method: string): Figures | null {
  const xs: number[] = [];
  for (const t of turns) {
    const m = t.bench.methods.find((x) => x.method === method);
    if (m && m.status === 'measured') xs.push(...m.runs.map((r) => r.nsPerLoop));
  }
  if (xs.length === 0) return null;
  const median = medianOf(xs);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { median, min, max, spread: median > 0 ? round((100 * (max - min)) / median, 1) : 0 };
}

/** The runs of a method, one list per turn (a stratum for the bootstrap). */
function strata(turns: readonly ClocksourceRunT[], method: string): number[][] {
  return turns.flatMap((t) => t.bench.methods.flatMap((m) => (m.method === method && m.status === 'measured' ? [m.runs.map((r) => r.nsPerLoop)] : [])));
}

function warpVerdict(turns: readonly ClocksourceRunT[], method: string): CompareRowT['warp'][string] {
  const m = turns.find((t) => t.warp)?.warp?.methods.find((x) => x.method === method);
  return m && m.status === 'measured' ? m.verdict : null;
}


/** One row per method: ns/loop per clocksource and the ratio to the first. */
export function compareRows(runs: readonly ClocksourceRunT[], methods: readonly string[]): CompareRowT[] {
  const gs = groups(runs);
  const base = gs[0];
  return methods.map((method) => {
    const nsPerLoop: Record<string, number | null> = {};
    const spreadPercent: Record<string, number | null> = {};
    const ratio: Record<string, number | null> = {};
    const ratioInterval: Record<string, { low: number; high: number } | null> = {};
    const warp: CompareRowT['warp'] = {};
    const baseFig = base ? figures(base.turns, method) : null;
    let fastest: string | null = null;
    let best = Infinity;
    for (const g of gs) {
      const f = figures(g.turns, method);
      nsPerLoop[g.cs] = f ? round(f.median) : null;
      spreadPercent[g.cs] = f ? f.spread : null;
      ratio[g.cs] = f && baseFig && baseFig.median > 0 ? round(f.median / baseFig.median) : null;
      const est = base && g !== base && ratio[g.cs] !== null ? ratioOfMedians(strata(g.turns, method), strata(base.turns, method)) : null;
      ratioInterval[g.cs] = est === null ? null : { low: round(est.low), high: round(est.high) };
      warp[g.cs] = warpVerdict(g.turns, method);
      if (f && f.median < best) {
        best = f.median;
        fastest = g.cs;
      }
    }
    return { method, nsPerLoop, spreadPercent, ratio, fastest, warp, ratioInterval };
  });
}

/** The largest drift of a control method between clocksources, as a ratio - 1, or null when none was measured. */
export function controlDrift(runs: readonly ClocksourceRunT[]): { method: string; drift: number } | null {
  for (const method of CONTROLS) {
    const medians = groups(runs).map((g) => figures(g.turns, method)?.median ?? null);
    if (medians.length < 2 || medians.some((m) => m === null || m <= 0)) continue;
    const xs = medians as number[];
    return { method, drift: Math.max(...xs) / Math.min(...xs) - 1 };
  }
  return null;
}

function clockVerdict(runs: readonly ClocksourceRunT[], method: string, minRatio: number): ClockVerdictT {
  const gs = groups(runs);
  const measured = gs.map((g) => ({ cs: g.cs, f: figures(g.turns, method) })).filter((x): x is { cs: string; f: Figures } => x.f !== null);
  if (measured.length < 2) {
    return { method, fastest: null, slowest: null, fastestNsPerLoop: null, slowestNsPerLoop: null, ratio: null, rounds: 0, roundsWon: null, clear: false, ratioLow: null, ratioHigh: null };
  }
  const sorted = [...measured].sort((a, b) => a.f.median - b.f.median);
  const lo = sorted[0]!;
  const hi = sorted[sorted.length - 1]!;
  const ratio = lo.f.median > 0 ? hi.f.median / lo.f.median : null;
  // Rounds won, kept as evidence (a round is won on each side's fastest run:
  // a disturbance only ever adds time). The decision is the interval's.
  const rounds = [...new Set(runs.map((r) => r.round))];
  const roundsWon =
    rounds.length < 2
      ? null
      : rounds.filter((n) => {
          const inRound = (cs: string): Figures | null => figures(runs.filter((r) => r.round === n && r.clocksource === cs), method);
          const a = inRound(lo.cs);
          const b = inRound(hi.cs);
          return a !== null && b !== null && a.min < b.min;
        }).length;
  // Clear: the whole 95% interval of slowest/fastest lies at or past the
  // margin. Resampled within each turn, so every resample keeps the ABBA
  // balance of the rounds measured.
  const gsByCs = new Map(gs.map((g) => [g.cs, g.turns]));
  const est = ratio === null ? null : ratioOfMedians(strata(gsByCs.get(hi.cs) ?? [], method), strata(gsByCs.get(lo.cs) ?? [], method));
  const clear = est !== null && est.low >= minRatio;
  return {
    method,
    fastest: lo.cs,
    slowest: hi.cs,
    fastestNsPerLoop: round(lo.f.median),
    slowestNsPerLoop: round(hi.f.median),
    ratio: ratio === null ? null : round(ratio),
    rounds: rounds.length,
    roundsWon,
    clear,
    ratioLow: est === null ? null : round(est.low),
    ratioHigh: est === null ? null : round(est.high),
  };
}

/** What says a clocksource is safe on this machine. */
/** `pvclockStable`: vCPU 0's PVCLOCK_TSC_STABLE_BIT read from the page, null where it cannot be read. */
export function safetyOf(cs: string, run: ClocksourceRunT | undefined, facts: MachineFacts, pvclockStable: boolean | null = null): SafetyT {
  const m = facts.machine;
  const evidence: SafetyT['evidence'] = [];
  const f = m.tscFlags;
  if (cs === 'tsc') {
    // A TSC that keeps one rate through P- and C-states (constant_tsc,
    // nonstop_tsc; Intel SDM Vol. 3B 18.17.1, CPUID 0x80000007 EDX[8]).
    evidence.push({ fact: 'constant_tsc', ok: f.constant_tsc, detail: '/proc/cpuinfo: the TSC ticks at one rate whatever the P-state' });
    evidence.push({ fact: 'nonstop_tsc', ok: f.nonstop_tsc, detail: '/proc/cpuinfo: the TSC keeps ticking in deep C-states' });
    evidence.push({ fact: 'invariant TSC', ok: f.invariantTsc, detail: 'CPUID 0x80000007 EDX[8]' });
    evidence.push({
      fact: 'tsc offered by the kernel',
      ok: m.clocksources.available.includes('tsc'),
      detail: 'available_clocksource; the kernel withdraws tsc when it marks it unstable',
    });
  } else if (cs === 'kvm-clock') {
    // PVCLOCK_TSC_STABLE_BIT in the page itself (arch/x86/include/asm/pvclock-abi.h):
    // with it the vDSO reads the page without a system call and without a
    // global clamp (arch/x86/kernel/kvmclock.c). Read from the page, never
    // from a CPUID signature: under PVM user-space CPUID shows the outer
    // hypervisor. Where the page cannot be read, CPUID 0x40000001 EAX[24]
    // (KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) is the host's promise of it.
    const kvm = m.hypervisor?.kvmFeatures ?? null;
    evidence.push(
      pvclockStable !== null
        ? {
            fact: 'pvclock stable bit',
            ok: pvclockStable,
            detail: pvclockStable ? "set in vCPU 0's record of the pvclock page" : "clear in vCPU 0's record: kvm-clock stays monotonic through a global clamp, and every vDSO read falls back to a system call",
          }
        : {
            fact: 'KVM stable bit',
            ok: kvm === null ? null : kvm.includes('CLOCKSOURCE_STABLE_BIT'),
            detail:
              kvm === null
                ? 'the pvclock page could not be read, and user-space CPUID shows no KVM leaves'
                : 'CPUID 0x40000001 EAX[24]: without it kvm-clock stays monotonic through a global clamp, and slower',
          },
    );
  }
  if (run?.warp) {
    const failed = run.warp.methods.filter((x) => x.status === 'measured' && x.verdict === 'failed').map((x) => x.method);
    evidence.push({
      fact: 'warp check',
      ok: run.warp.verdict === 'held',
      detail:
        run.warp.verdict === 'held'
          ? `no monotonic method went backwards across CPUs ${run.warp.options.cpus.join(',')} in ${run.warp.options.durationSeconds} s`
          : `went backwards across CPUs: ${failed.join(', ')}`,
    });
  } else {
    evidence.push({ fact: 'warp check', ok: null, detail: 'not run (add --warp)' });
  }
  const known = evidence.filter((e) => e.ok !== null);
  const safe = known.some((e) => e.ok === false) ? false : known.length > 0 ? true : null;
  return { clocksource: cs, safe, evidence };
}

/** compare's recommendation rules, from the runs alone (exported so they can
 * be tested on runs made by hand, whatever clocksources this machine has):
 * which clocksource, at what level (recommend, lean, none), and why. Adds a
 * COMPARE_STEAL finding to `findings` for each run disturbed by steal. */
export function recommend(
  runs: readonly ClocksourceRunT[],
  rows: readonly CompareRowT[],
  facts: MachineFacts,
  original: string,
  findings: FindingT[],
  pvclockStable: boolean | null = null,
): RecommendationRawT {
  void rows;
  const drift = controlDrift(runs);
  const minRatio = Math.max(MIN_SPEEDUP_RATIO, 1 + (drift?.drift ?? 0));
  const clocks = KEY_CLOCKS.map((c) => clockVerdict(runs, c, minRatio));
  const gs = groups(runs);
  const safety = gs.map((g) => safetyOf(g.cs, g.turns.find((t) => t.warp) ?? g.turns[0], facts, pvclockStable));
  // The reasons, in order: codes and figures (src/findings/sentences.ts words them).
  const reasons: FindingT[] = [];
  const none = (why: FindingT): RecommendationRawT => {
    reasons.push(why);
    return { level: 'none', clocksource: null, clocks, safety, findings: reasons };
  };
  const stolen = runs.filter((r) => r.bench.disturbance.stealPercent > STEAL_LIMIT_PERCENT);
  for (const r of stolen) {
    findings.push(finding('COMPARE_STEAL', 'warn', { clocksource: r.clocksource, stealPercent: r.bench.disturbance.stealPercent }));
  }
  if (drift && drift.drift > MIN_SPEEDUP_RATIO - 1) reasons.push(finding('COMPARE_CONTROL_DRIFT', 'info', { method: drift.method, drift: drift.drift }));
  if (gs.length < 2) {
    // The kernel offers one clocksource: there is nothing to measure against,
    // and the choice is the kernel's, decided by the rule check uses too.
    const kernel = recommendFromKernel(facts.machine);
    if (facts.machine.clocksources.available.length === 1 && kernel.clocksource !== null && kernel.clocksource === gs[0]?.cs) {
      reasons.push(finding('COMPARE_KERNEL_CHOICE', 'info', { clocksource: kernel.clocksource, ...kernel.basis }));
      return { level: 'recommend', clocksource: kernel.clocksource, clocks, safety, findings: reasons };
    }
    return none(finding('COMPARE_ONE_CLOCKSOURCE', 'info', { clocksource: gs[0]?.cs ?? null }));
  }
  const missing = clocks.filter((c) => c.fastest === null).map((c) => c.method);
  if (missing.length > 0) return none(finding('COMPARE_CLOCKS_UNMEASURED', 'warn', { methods: missing.join(',') }));
  for (const c of clocks) {
    const { method, fastest, slowest, fastestNsPerLoop, slowestNsPerLoop, ratio, rounds, roundsWon, clear } = c;
    const ratioLow = c.ratioLow ?? null;
    const ratioHigh = c.ratioHigh ?? null;
    reasons.push(finding('COMPARE_CLOCK', 'info', { method, fastest, slowest, fastestNsPerLoop, slowestNsPerLoop, ratio, rounds, roundsWon, clear, ratioLow, ratioHigh }));
  }
  const winners = new Set(clocks.map((c) => c.fastest));
  if (winners.size > 1) return none(finding('COMPARE_CLOCKS_DISAGREE', 'info', { methods: KEY_CLOCKS.join(',') }));
  const best = clocks[0]!.fastest!;
  if (!clocks.every((c) => c.clear)) {
    // An interval that reaches down to 1 is no measurable difference at all.
    const noDifference = clocks.some((c) => c.ratioLow !== null && c.ratioLow !== undefined && c.ratioLow <= 1);
    return none(finding('COMPARE_NOT_CLEAR', 'info', { clocksource: best, noDifference, minRatio, original }));
  }
  const s = safety.find((x) => x.clocksource === best)!;
  const bad = s.evidence.filter((e) => e.ok === false);
  if (bad.length > 0) {
    // Quoted from the safety evidence, as recommendation.safety records it.
    return none(finding('COMPARE_UNSAFE', 'warn', { clocksource: best, evidence: bad.map((e) => `${e.fact} (${e.detail})`).join('; ') }));
  }
  const unknown = s.evidence.filter((e) => e.ok === null);
  for (const e of unknown) reasons.push(finding('COMPARE_SAFETY_UNKNOWN', 'info', { clocksource: best, fact: e.fact, detail: e.detail }));
  if (stolen.length > 0) {
    reasons.push(finding('COMPARE_STEAL_DISTURBED', 'warn', { clocksources: stolen.map((r) => r.clocksource).join(','), limitPercent: STEAL_LIMIT_PERCENT }));
  }
  if (best === original) reasons.push(finding('COMPARE_ALREADY_CURRENT', 'info', { clocksource: best }));
  const level = unknown.length > 0 || stolen.length > 0 ? 'lean' : 'recommend';
  return { level, clocksource: best, clocks, safety, findings: reasons };
}

// decide.ts (regression): did any method get slower than in a stored
// report.json (the baseline) by more than the threshold, beyond what the noise
// of both sides' runs allows? Pure functions of two results: deciding from the
// runs (./samples.ts gathers them; the statistics, and why this design, are in
// src/stats/interval.ts), attaching the outcome and its findings, naming the
// regressions. Vetting a baseline is src/commands/stored-report.ts, reading
// its file the CLI's (src/cli/flags.ts), and judging is the command's verdict.
import { finding } from '../findings/codes.js';
import { FLOOR_NS, ON_CPU_MIN_PERCENT } from '../findings/thresholds.js';
import type { FindingT, MachineT } from '../results/common.js';
import type { GateComparisonT, GateT } from '../results/gate.js';
import type { ReportResultT } from '../results/report.js';
import { coreClockOf } from '../stats/core-clock.js';
import { CONFIDENCE, median, medianInterval, ratioOfMedians } from '../stats/interval.js';
import { baselineList, baselineSamples, costOf, onCpuOf, samplesOf, type Confirmations, type Sample } from './samples.js';

export const DEFAULT_THRESHOLD_PERCENT = 10;

/** The commands whose results carry medians the gate can compare. */
export type GatedCommand = 'bench' | 'compare';

/** A result the gate can be attached to (its schema has `gate` optional). */
export type GatedResult = Extract<ReportResultT, { command: GatedCommand }>;

/** The gate's part of bench's and compare's options, once parsed. */
export interface GateOptions {
  /** A stored result of the same command (vetted as the options are parsed),
   * or several, one a process, pooled (see baselineSamples). */
  baseline?: ReportResultT | readonly ReportResultT[] | undefined;
  /** What reports call the baseline: its file. */
  baselineName?: string | undefined;
  /** Slower than the baseline's median by more than this percentage is a regression. */
  thresholdPercent: number;
}

function cpuName(m: MachineT): string {
  return m.cpu ? `${m.cpu.brand || m.cpu.vendor} (family ${m.cpu.family} model ${m.cpu.model} stepping ${m.cpu.stepping})` : 'not x86';
}

/** Commands whose keys name the clocksource (compare: clocksource/method),
 * so the clocksource current at the start does not matter to the gate. */
const PER_CLOCKSOURCE: ReadonlySet<string> = new Set(['compare']);

/** Why figures from the baseline's machine may not compare with these. */
export function machineDifferences(baseline: MachineT, run: MachineT, clocksourceMatters = true): string[] {
  const out: string[] = [];
  if (cpuName(baseline) !== cpuName(run)) out.push(`the baseline ran on another CPU: ${cpuName(baseline)}, this run on ${cpuName(run)}`);
  const bcs = baseline.clocksources.current ?? 'unknown';
  const rcs = run.clocksources.current ?? 'unknown';
  if (clocksourceMatters && bcs !== rcs) out.push(`the baseline ran with clocksource ${bcs}, this run with ${rcs}`);
  return out;
}

/** What decides one comparison: the two sides' runs, the threshold, the floor. */
export interface DecisionInput {
  baseline: Sample;
  run: Sample;
  thresholdPercent: number;
  floorNs: number;
}

export type Decision = Pick<
  GateComparisonT,
  'status' | 'changePercent' | 'changeLowPercent' | 'changeHighPercent' | 'changeNs' | 'barPercent' | 'baselineNoisePercent' | 'runNoisePercent'
>;

const pct = (ratio: number): number => (ratio - 1) * 100;

/** How uncertain a side's own median is: the width of its 95% interval, in
 * % of it. */
function noiseOf(s: Sample): number | null {
  const e = medianInterval(s.strata);
  return e === null ? null : (e.high - e.low) * 100;
}

/**
 * One method's verdict, from the runs of both sides (the design is in
 * src/stats/interval.ts: a 95% bootstrap interval of the ratio of medians).
 * - The bar is the threshold, raised to the floor where the floor is the
 *   larger share of the baseline median: a change under `floorNs` is never a
 *   regression (a coarse clock reads in 3-4 ns, where a 10% threshold is a
 *   third of a nanosecond: noise, and no program notices it).
 * - A baseline whose own median is uncertain by more than the bar (the width
 *   of its 95% interval) cannot gate at that bar: noisy-baseline, not a failure.
 * - regressed only when the whole interval lies past the bar, and past
 *   what a busy machine explains (this run's own noise, and the inflation of
 *   a preempted thread); inconclusive when the interval straddles the bar, or
 *   lies past it by no more than that;
 *   improved when the whole interval lies below -bar.
 * Pure and deterministic (the bootstrap's seed is fixed).
 */
export function decide({ baseline, run, thresholdPercent, floorNs }: DecisionInput): Decision {
  const changePercent = pct(run.median / baseline.median);
  const changeNs = run.median - baseline.median;
  const barPercent = Math.max(thresholdPercent, (floorNs / baseline.median) * 100);
  const baselineNoisePercent = noiseOf(baseline);
  const runNoisePercent = noiseOf(run);
  const est = ratioOfMedians(run.strata, baseline.strata);
  const base = { changePercent, changeNs, barPercent, baselineNoisePercent, runNoisePercent };
  if (est === null) return { ...base, status: 'held', changeLowPercent: null, changeHighPercent: null };
  const changeLowPercent = pct(est.low);
  const changeHighPercent = pct(est.high);
  const withInterval = { ...base, changeLowPercent, changeHighPercent };
  if (baselineNoisePercent !== null && baselineNoisePercent > barPercent) return { ...withInterval, status: 'noisy-baseline' };
  // What a busy machine can explain is not a regression. A preempted
  // thread's wall time includes other tasks' (here, with two builds beside
  // it: on the CPU 50-60% of each run, ns/loop doubled), so the low end is
  // first divided by that inflation. Runs that scatter mean a busy spell,
  // which shifts the whole block alike (here: vDSO reads 18 -> 23-32 ns in
  // one block, 18 in the next), so the low end must also pass this run's
  // own noise.
  const share = run.onCpuPercent === null || run.onCpuPercent === undefined ? 1 : Math.max(run.onCpuPercent, 1) / 100;
  const lowBusy = pct(est.low * share);
  if (changeLowPercent > barPercent) return { ...withInterval, status: lowBusy > Math.max(barPercent, runNoisePercent ?? 0) ? 'regressed' : 'inconclusive' };
  if (changeHighPercent > barPercent) return { ...withInterval, status: 'inconclusive' };
  if (changeHighPercent < -barPercent) return { ...withInterval, status: 'improved' };
  return { ...withInterval, status: 'held' };
}

/**
 * Each key's runs in `run` against `baseline`'s (see decide). A key on one
 * side only is reported as missing, never an error. `confirmations`: for a
 * bench, a second block of runs of a method whose first block looked
 * regressed; it is regressed only if both blocks are. Pure.
 */
export function compareToBaseline(
  baselines: ReportResultT | readonly ReportResultT[],
  run: ReportResultT,
  thresholdPercent: number,
  baselineFile: string,
  confirmations: Confirmations = new Map(),
): GateT {
  const bases = baselineList(baselines);
  const baseline = bases[0];
  if (baseline === undefined) throw new Error('a baseline of no reports');
  // Core cycles when both sides recorded the core clock (see costOf).
  const baselineGHz = coreClockOf(bases);
  const runGHz = coreClockOf(run);
  const referenceGHz = baselineGHz !== null && runGHz !== null ? baselineGHz : null;
  const before = baselineSamples(bases, referenceGHz);
  const after = samplesOf(run, referenceGHz);
  const keys = [...after.keys(), ...[...before.keys()].filter((k) => !after.has(k))];
  const comparisons: GateComparisonT[] = keys.map((key) => {
    const b = before.get(key) ?? null;
    const a = after.get(key) ?? null;
    const medians = {
      key,
      baselineMedianNsPerLoop: b?.measuredMedian ?? null,
      medianNsPerLoop: a?.measuredMedian ?? null,
      onCpuPercent: a?.onCpuPercent ?? null,
      baselineOnCpuPercent: b?.onCpuPercent ?? null,
    };
    if (b === null || b.median <= 0) return { ...medians, changePercent: null, status: 'missing-in-baseline' };
    if (a === null) return { ...medians, changePercent: null, status: 'missing-in-run' };
    const first = decide({ baseline: b, run: a, thresholdPercent, floorNs: FLOOR_NS });
    const again = confirmations.get(key);
    if (again === undefined || again.length === 0) return { ...medians, ...first };
    // Two blocks. A regression must show in each: each block's median past
    // the bar. Whether that is more than noise is decided on both blocks'
    // runs together, resampled within each block (two strata), so a slow
    // block next to a noisy one still counts, where each alone could not
    // pass. Each median past the bar is what keeps a busy spell out: one
    // block at +30% and one at 0% pool to a tight +15%, but the second
    // median fails. Otherwise the block that shows less is quoted.
    const costs = again.map((r) => costOf(r, referenceGHz));
    const block: Sample = { median: median(costs), measuredMedian: median(again.map((r) => r.nsPerLoop)), strata: [costs], onCpuPercent: onCpuOf(again) };
    const second = decide({ baseline: b, run: block, thresholdPercent, floorNs: FLOOR_NS });
    const all = [...(a.strata[0] ?? []), ...costs];
    const both: Sample = {
      median: median(all),
      measuredMedian: median([...(a.runs ?? []), ...again].map((r) => r.nsPerLoop)),
      strata: [a.strata[0] ?? [], costs],
      onCpuPercent: onCpuOf([...(a.runs ?? []), ...again]),
    };
    const pooled = decide({ baseline: b, run: both, thresholdPercent, floorNs: FLOOR_NS });
    const past = (d: Decision): boolean => d.barPercent !== null && d.barPercent !== undefined && d.changePercent !== null && d.changePercent > d.barPercent;
    const confirmationNsPerLoop = again.map((r) => r.nsPerLoop);
    if (pooled.status === 'regressed' && past(first) && past(second)) {
      return { ...medians, ...pooled, medianNsPerLoop: both.measuredMedian, onCpuPercent: both.onCpuPercent ?? null, confirmationNsPerLoop };
    }
    const useSecond = (second.changePercent ?? Infinity) < (first.changePercent ?? Infinity);
    const quoted = useSecond ? { medianNsPerLoop: block.measuredMedian, onCpuPercent: block.onCpuPercent ?? null, ...second } : first;
    // Neither block is a regression on its own: the pool decided otherwise.
    return { ...medians, ...quoted, ...(quoted.status === 'regressed' ? { status: 'inconclusive' as const } : {}), confirmationNsPerLoop };
  });
  const differences = machineDifferences(baseline.machine, run.machine, !PER_CLOCKSOURCE.has(run.command));
  const warnings = differences.map((d) => `${d}: figures may differ for that reason alone`);
  const regressions = comparisons.filter((c) => c.status === 'regressed').length;
  return {
    baselineFile,
    baselineStartedAt: baseline.startedAt,
    thresholdPercent,
    sameMachine: differences.length === 0,
    warnings,
    comparisons,
    regressions,
    verdict: regressions > 0 ? 'failed' : 'passed',
    floorNs: FLOOR_NS,
    confidencePercent: CONFIDENCE * 100,
    inconclusive: comparisons.filter((c) => c.status === 'inconclusive').length,
    coreClock: referenceGHz === null || runGHz === null ? null : { baselineGHz: referenceGHz, runGHz },
  };
}

/** The keys whose first block of runs looks regressed: bench measures these
 * again before it calls them regressed (src/commands/bench.ts). */
export function toConfirm(gate: GateT | undefined): string[] {
  // Regressed, or inconclusive with its median past the bar: a second
  // block decides both (see compareToBaseline).
  const suspect = (c: GateComparisonT): boolean =>
    c.status === 'regressed' || (c.status === 'inconclusive' && c.changePercent !== null && c.changePercent > (c.barPercent ?? Infinity));
  return gate?.comparisons.filter((c) => suspect(c) && c.confirmationNsPerLoop === undefined).map((c) => c.key) ?? [];
}

/** A list of comparisons for a finding: `monotonic +12.0% [+3.1, +20.5]`. */
function listed(cs: readonly GateComparisonT[], figure: (c: GateComparisonT) => string): string {
  return cs.map((c) => `${c.key} ${figure(c)}`).join(', ');
}

const signed = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return '?';
  const r = Math.round(x * 10) / 10;
  return r === 0 ? '+0.0' : `${r > 0 ? '+' : ''}${r.toFixed(1)}`;
};
const withInterval = (c: GateComparisonT): string => `${signed(c.changePercent)}% [${signed(c.changeLowPercent)}, ${signed(c.changeHighPercent)}]`;

/** What the gate found that a reader must be told, beyond regressions (the
 * verdict): straddling intervals, baselines too noisy to gate, bars the floor
 * raised, first blocks a second block did not confirm. */
export function gateFindings(gate: GateT): FindingT[] {
  const out: FindingT[] = [];
  const threshold = gate.thresholdPercent;
  const floorNs = gate.floorNs ?? FLOOR_NS;
  const inconclusive = gate.comparisons.filter((c) => c.status === 'inconclusive');
  if (inconclusive.length > 0) out.push(finding('GATE_INCONCLUSIVE', 'warn', { methods: listed(inconclusive, withInterval), count: inconclusive.length, thresholdPercent: threshold }));
  const noisy = gate.comparisons.filter((c) => c.status === 'noisy-baseline');
  if (noisy.length > 0) {
    const widest = Math.max(...noisy.map((c) => c.baselineNoisePercent ?? 0));
    out.push(
      finding('GATE_NOISY_BASELINE', 'warn', {
        methods: listed(noisy, (c) => `${(c.baselineNoisePercent ?? 0).toFixed(1)}%`),
        count: noisy.length,
        thresholdPercent: threshold,
        gateablePercent: Math.ceil(widest),
      }),
    );
  }
  const low = (x: number | null | undefined): boolean => x !== null && x !== undefined && x < ON_CPU_MIN_PERCENT;
  const busy = gate.comparisons.filter((c) => low(c.onCpuPercent) || low(c.baselineOnCpuPercent));
  if (busy.length > 0) {
    const share = (x: number | null | undefined): string => (x === null || x === undefined ? '?' : `${x.toFixed(0)}%`);
    out.push(
      finding('GATE_PREEMPTED', 'warn', {
        methods: listed(busy, (c) => `(on the CPU ${share(c.onCpuPercent)} of this run, ${share(c.baselineOnCpuPercent)} of the baseline's)`),
        count: busy.length,
        limitPercent: ON_CPU_MIN_PERCENT,
      }),
    );
  }
  const unconfirmed = gate.comparisons.filter((c) => c.confirmationNsPerLoop !== undefined && c.status !== 'regressed');
  if (unconfirmed.length > 0) out.push(finding('GATE_UNCONFIRMED', 'info', { methods: listed(unconfirmed, (c) => c.status), count: unconfirmed.length }));
  const floored = gate.comparisons.filter((c) => c.barPercent !== null && c.barPercent !== undefined && c.barPercent > threshold);
  if (floored.length > 0) out.push(finding('GATE_FLOOR', 'info', { methods: listed(floored, (c) => `${(c.barPercent ?? 0).toFixed(1)}%`), floorNs, thresholdPercent: threshold }));
  return out;
}

/** The result with the gate's outcome attached (unchanged without a baseline). */
export function applyGate<R extends GatedResult>(result: R, gate: GateOptions, confirmations: Confirmations = new Map()): R {
  if (gate.baseline === undefined) return result;
  const g = compareToBaseline(gate.baseline, result, gate.thresholdPercent, gate.baselineName ?? 'the baseline', confirmations);
  return { ...result, gate: g, findings: [...result.findings, ...gateFindings(g)] };
}

/** The regressions of a gated result, one line for a verdict, or null. */
export function regressionFailure(result: { gate?: GateT | undefined }): string | null {
  const gate = result.gate;
  const regressed = gate?.comparisons.filter((c) => c.status === 'regressed') ?? [];
  if (gate === undefined || regressed.length === 0) return null;
  const list = listed(regressed, withInterval);
  return `regression past ${gate.thresholdPercent}% against ${gate.baselineFile}: ${list}`;
}

// compare.ts (gate): did any method get slower than in a stored report.json
// (the baseline) by more than the threshold? Pure functions of two results:
// comparing medians, attaching the outcome, naming the regressions. Vetting a
// baseline is src/commands/stored-report.ts, reading its file the CLI's
// (src/cli/flags.ts), and judging is the command's verdict.
import type { MachineT } from '../results/common.js';
import type { GateComparisonT, GateStatusT, GateT } from '../results/gate.js';
import type { ReportResultT } from '../results/report.js';

export const DEFAULT_THRESHOLD_PERCENT = 10;

/** The commands whose results carry medians the gate can compare. */
export type GatedCommand = 'bench' | 'compare';

/** A result the gate can be attached to (its schema has `gate` optional). */
export type GatedResult = Extract<ReportResultT, { command: GatedCommand }>;

/** The gate's part of bench's and compare's options, once parsed. */
export interface GateOptions {
  /** A stored result of the same command (vetted as the options are parsed). */
  baseline?: ReportResultT | undefined;
  /** What reports call the baseline: its file. */
  baselineName?: string | undefined;
  /** Slower than the baseline's median by more than this percentage is a regression. */
  thresholdPercent: number;
}

/**
 * The medians the gate compares, by key (the method; clocksource/method for
 * compare). null: on this side but not measured (unsupported or failed).
 * Adding a command: one case returning its medians.
 */
export function mediansOf(r: ReportResultT): Map<string, number | null> {
  switch (r.command) {
    case 'bench':
      return new Map(r.methods.map((m) => [m.method, m.status === 'measured' ? m.summary.medianNsPerLoop : null]));
    case 'compare':
      // Keyed clocksource/method, on the medians pooled over every round.
      return new Map(
        r.comparison.flatMap((row) => Object.entries(row.nsPerLoop).map(([cs, v]): [string, number | null] => [`${cs}/${row.method}`, v])),
      );
    case 'info':
    case 'warp':
    case 'check':
    case 'pvclock':
    case 'order':
      return new Map();
  }
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

/**
 * Each key's median in `run` against `baseline`'s: slower by more than
 * `thresholdPercent` is a regression, faster by more is an improvement. A key
 * on one side only is reported as missing, never an error. Pure.
 */
export function compareToBaseline(baseline: ReportResultT, run: ReportResultT, thresholdPercent: number, baselineFile: string): GateT {
  const before = mediansOf(baseline);
  const after = mediansOf(run);
  const keys = [...after.keys(), ...[...before.keys()].filter((k) => !after.has(k))];
  const comparisons: GateComparisonT[] = keys.map((key) => {
    const b = before.get(key) ?? null;
    const a = after.get(key) ?? null;
    if (b === null || b <= 0) return { key, baselineMedianNsPerLoop: b, medianNsPerLoop: a, changePercent: null, status: 'missing-in-baseline' };
    if (a === null) return { key, baselineMedianNsPerLoop: b, medianNsPerLoop: null, changePercent: null, status: 'missing-in-run' };
    const changePercent = ((a - b) / b) * 100;
    const status: GateStatusT = changePercent > thresholdPercent ? 'regressed' : changePercent < -thresholdPercent ? 'improved' : 'held';
    return { key, baselineMedianNsPerLoop: b, medianNsPerLoop: a, changePercent, status };
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
  };
}

/** The result with the gate's outcome attached (unchanged without a baseline). */
export function applyGate<R extends GatedResult>(result: R, gate: GateOptions): R {
  if (gate.baseline === undefined) return result;
  return { ...result, gate: compareToBaseline(gate.baseline, result, gate.thresholdPercent, gate.baselineName ?? 'the baseline') };
}

/** The regressions of a gated result, one line for a verdict, or null. */
export function regressionFailure(result: { gate?: GateT | undefined }): string | null {
  const gate = result.gate;
  const regressed = gate?.comparisons.filter((c) => c.status === 'regressed') ?? [];
  if (gate === undefined || regressed.length === 0) return null;
  const list = regressed.map((c) => `${c.key} +${(c.changePercent ?? 0).toFixed(1)}%`).join(', ');
  return `regression past ${gate.thresholdPercent}% against ${gate.baselineFile}: ${list}`;
}

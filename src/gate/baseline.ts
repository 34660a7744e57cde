// baseline.ts: the regression gate. Did any method get slower than in a
// stored report.json (the baseline) by more than the threshold?
//
// The comparison is a pure function of two results (`compareToBaseline`);
// the CLI side reads and vets the baseline BEFORE anything is measured
// (`loadBaseline`: a bad file is exit 2 at once, not after ten minutes), and
// after the run attaches the gate, writes the reports and fails with exit 1
// on a regression (`emitGated`).
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { CheckFailed, UsageError } from '../errors.js';
import { SCHEMA_VERSION, type MachineT } from '../results/common.js';
import type { GateComparisonT, GateStatusT, GateT } from '../results/gate.js';
import { ReportResult, type ReportResultT } from '../results/report.js';
import { renderGateText } from '../reports/text.js';
import { emit, type OutputOptions } from '../cli/output.js';

export const DEFAULT_THRESHOLD_PERCENT = 10;

/** The commands whose results carry medians the gate can compare. */
export type GatedCommand = 'bench' | 'compare';

/** A result the gate can be attached to (its schema has `gate` optional). */
export type GatedResult = Extract<ReportResultT, { command: GatedCommand }>;

export interface GateOptions {
  baseline?: string;
  threshold: number;
}

export interface Baseline {
  file: string;
  result: ReportResultT;
  thresholdPercent: number;
}

function parseThreshold(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a percentage above 0, e.g. 10 (got '${value}')`);
  }
  return n;
}

/** Adds --baseline and --threshold to a command (bench, compare). */
export function withGateOptions(cmd: Command): Command {
  return cmd
    .option('--baseline <file>', 'a report.json from an earlier run: fail (exit 1) when a method is slower than there past --threshold')
    .option('--threshold <pct>', 'how much slower than the baseline median is a regression, in percent', parseThreshold, DEFAULT_THRESHOLD_PERCENT);
}

/**
 * Reads and vets --baseline before anything is measured. Returns null
 * without --baseline. Throws UsageError (exit 2) saying what is wrong: a file
 * that cannot be read, is not JSON, is not a clocklab report, is of another
 * schema version, or is the report of another command.
 */
export function loadBaseline(opts: GateOptions, command: GatedCommand): Baseline | null {
  if (opts.baseline === undefined) return null;
  const file = opts.baseline;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--baseline ${file}: cannot read it (${err instanceof Error ? err.message : String(err)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--baseline ${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const head = z.object({ schema: z.string(), command: z.string() }).safeParse(data);
  if (!head.success || !head.data.schema.startsWith('clocklab/')) {
    throw new UsageError(`--baseline ${file}: not a clocklab report (no "schema": "${SCHEMA_VERSION}" and "command" at its top level)`);
  }
  if (head.data.schema !== SCHEMA_VERSION) {
    throw new UsageError(`--baseline ${file}: schema ${head.data.schema}, but this clocklab reads ${SCHEMA_VERSION}; make a new baseline with this version`);
  }
  if (head.data.command !== command) {
    const a = /^[aeiou]/i.test(head.data.command) ? 'an' : 'a';
    throw new UsageError(`--baseline ${file}: ${a} ${head.data.command} report, but ${command} needs a ${command} report as its baseline`);
  }
  const parsed = ReportResult.safeParse(data);
  if (!parsed.success) {
    throw new UsageError(`--baseline ${file}: not a valid ${SCHEMA_VERSION} ${command} report:\n${z.prettifyError(parsed.error)}`);
  }
  return { file, result: parsed.data, thresholdPercent: opts.threshold };
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
export function applyGate<R extends GatedResult>(result: R, baseline: Baseline | null): R {
  if (baseline === null) return result;
  return { ...result, gate: compareToBaseline(baseline.result, result, baseline.thresholdPercent, baseline.file) };
}

/**
 * CheckFailed (exit 1) naming every method that regressed, or nothing. For a
 * command with checks of its own (compare's warps), called after them.
 */
export function throwOnRegression(result: { gate?: GateT | undefined }): void {
  const gate = result.gate;
  const regressed = gate?.comparisons.filter((c) => c.status === 'regressed') ?? [];
  if (gate === undefined || regressed.length === 0) return;
  const list = regressed.map((c) => `${c.key} +${(c.changePercent ?? 0).toFixed(1)}%`).join(', ');
  throw new CheckFailed(`regression past ${gate.thresholdPercent}% against ${gate.baselineFile}: ${list}`);
}

/**
 * emit() for a gated command: attaches the gate, writes every report (which
 * mark the regressions; the text report gets the gate's table), then throws
 * CheckFailed (exit 1) if anything regressed. Used in place of emit().
 */
export function emitGated<R extends GatedResult>(
  result: R,
  baseline: Baseline | null,
  options: OutputOptions,
  renderText: (r: R) => string,
): R {
  const gated = applyGate(result, baseline);
  emit(gated, options, (r) => renderText(r) + renderGateText(r.gate));
  throwOnRegression(gated);
  return gated;
}

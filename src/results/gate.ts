// gate.ts: the outcome of the regression gate (`--baseline FILE`): each
// method's runs against a stored report's, recorded in the result so every
// report format marks what regressed.
import { z } from 'zod';

/** regressed: slower than the baseline, the whole 95% interval of the change
 * past the bar; improved: faster, the whole interval past it; held: the
 * interval lies within the bar; inconclusive: the interval straddles the bar
 * (run more --runs), or lies past it but this run's runs scattered wider than
 * the bar; noisy-baseline: the baseline's own median is uncertain
 * by more than the bar, so it cannot gate at that bar; missing-*: the method
 * is on one side only (or was not measured there), so nothing was compared. */
export const GateStatus = z.enum(['held', 'improved', 'regressed', 'inconclusive', 'noisy-baseline', 'missing-in-baseline', 'missing-in-run']);

export const GateComparison = z.object({
  key: z.string().describe('what was compared: the method, or clocksource/method for compare'),
  baselineMedianNsPerLoop: z.number().nullable(),
  medianNsPerLoop: z.number().nullable(),
  changePercent: z
    .number()
    .nullable()
    .describe("(new - baseline) / baseline x 100, on the medians; positive is slower. In core cycles per read when the gate has coreClock (ns/loop x each run's coreGHz), else in ns/loop"),
  status: GateStatus,
  changeLowPercent: z.number().nullable().optional().describe('the low end of the 95% interval of changePercent (bootstrap over the runs of both sides)'),
  changeHighPercent: z.number().nullable().optional().describe('the high end of the 95% interval of changePercent'),
  changeNs: z.number().nullable().optional().describe('new - baseline median, ns/loop'),
  barPercent: z
    .number()
    .nullable()
    .optional()
    .describe('the change this method must pass to regress: the threshold, or the floor (floorNs) as a share of the baseline median when that is larger'),
  baselineNoisePercent: z
    .number()
    .nullable()
    .optional()
    .describe("width of the 95% interval of the baseline's own median, as % of it; past barPercent the method cannot be gated (noisy-baseline)"),
  runNoisePercent: z
    .number()
    .nullable()
    .optional()
    .describe("the same for this run's median; past barPercent a change past the bar is inconclusive, not a regression (the machine was busy)"),
  onCpuPercent: z.number().nullable().optional().describe("median share of this run's wall time its thread was on the CPU (bench runs' onCpuPercent)"),
  baselineOnCpuPercent: z.number().nullable().optional().describe("the same for the baseline's runs"),
  confirmationNsPerLoop: z
    .array(z.number())
    .optional()
    .describe('bench: ns/loop of each run of a second block of runs, measured because the first block looked regressed; regressed only if both blocks are, and the figures above are those of the block that shows less'),
});

export const Gate = z.object({
  baselineFile: z.string(),
  baselineStartedAt: z.string(),
  thresholdPercent: z.number(),
  sameMachine: z.boolean().describe('false when the CPU model or the clocksource differs from the baseline'),
  warnings: z.array(z.string()).describe('why the comparison may mislead, e.g. another machine'),
  comparisons: z.array(GateComparison),
  regressions: z.number().int(),
  verdict: z.enum(['passed', 'failed']),
  floorNs: z.number().optional().describe('a change smaller than this many ns/loop is never a regression, whatever its percentage'),
  confidencePercent: z.number().optional().describe('coverage of the change intervals (95)'),
  inconclusive: z.number().int().optional().describe('comparisons whose interval straddles the bar'),
  coreClock: z
    .object({ baselineGHz: z.number(), runGHz: z.number() })
    .nullable()
    .optional()
    .describe(
      "the median core clock of the baseline's runs and of this run's, GHz, when both recorded it: the changes are then in core cycles per read (a run's ns/loop x its coreGHz), so a core the host clocked lower is not taken for a slower read; null: the changes are in ns/loop",
    ),
});

export type GateStatusT = z.infer<typeof GateStatus>;
export type GateComparisonT = z.infer<typeof GateComparison>;
export type GateT = z.infer<typeof Gate>;

// gate.ts: the outcome of the regression gate (`--baseline FILE`): each
// method's median against a stored report's, recorded in the result so every
// report format marks what regressed.
import { z } from 'zod';

/** regressed: slower than the baseline past the threshold; improved: faster
 * past it; held: within it; missing-*: the method is on one side only (or was
 * not measured there), so nothing could be compared. */
export const GateStatus = z.enum(['held', 'improved', 'regressed', 'missing-in-baseline', 'missing-in-run']);

export const GateComparison = z.object({
  key: z.string().describe('what was compared: the method, or clocksource/method for compare'),
  baselineMedianNsPerLoop: z.number().nullable(),
  medianNsPerLoop: z.number().nullable(),
  changePercent: z.number().nullable().describe('(new - baseline) / baseline x 100; positive is slower'),
  status: GateStatus,
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
});

export type GateStatusT = z.infer<typeof GateStatus>;
export type GateComparisonT = z.infer<typeof GateComparison>;
export type GateT = z.infer<typeof Gate>;

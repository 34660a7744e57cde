// compare.ts: the result of `clocklab compare`: each clocksource measured in
// turn, side by side, and which one this machine should use, with the evidence.
import { z } from 'zod';
import { BenchResult } from './bench.js';
import { MIN_SPEEDUP_RATIO } from '../findings/thresholds.js';
import { Disturbance, Finding, resultHead, type FindingT } from './common.js';
import { Gate } from './gate.js';
import { WarpResult, WarpVerdict } from './warp.js';

/** One confirmed write to current_clocksource. */
export const SwitchRecord = z.object({
  from: z.string(),
  to: z.string(),
  writeMs: z.number().describe('wall time of the write(2); the kernel has switched when it returns'),
  at: z.string(),
});

/** One clocksource's turn: switched to (or already current), measured. */
export const ClocksourceRun = z.object({
  clocksource: z.string(),
  round: z.number().int().describe('1-based; rounds run the clocksources in ABBA order'),
  switched: SwitchRecord.nullable().describe('null when it was already the current clocksource'),
  clocksourceDuring: z.string().describe('current_clocksource read back after the measurement'),
  bench: BenchResult,
  warp: WarpResult.nullable().describe('null without --warp'),
});

/** One method across clocksources. */
export const CompareRow = z.object({
  method: z.string(),
  nsPerLoop: z
    .record(z.string(), z.number().nullable())
    .describe('median ns/loop per clocksource over all its runs in all rounds; null: not measured there'),
  spreadPercent: z.record(z.string(), z.number().nullable()),
  ratio: z
    .record(z.string(), z.number().nullable())
    .describe('median ns/loop per clocksource over that of the first clocksource (the baseline)'),
  fastest: z.string().nullable(),
  warp: z.record(z.string(), WarpVerdict.nullable()).describe('warp verdict per clocksource; null: not warp-checked'),
  ratioInterval: z
    .record(z.string(), z.object({ low: z.number(), high: z.number() }).nullable())
    .optional()
    .describe('95% bootstrap interval of each ratio over the runs (resampled within each turn); null for the first clocksource and where there is no ratio'),
});

/** Whether a clocksource is safe to use here, and why. */
export const Safety = z.object({
  clocksource: z.string(),
  safe: z.boolean().nullable().describe('null: not enough evidence either way'),
  evidence: z.array(z.object({ fact: z.string(), ok: z.boolean().nullable(), detail: z.string() })),
});

/** The verdict for one of the clocks people use (monotonic, realtime). */
export const ClockVerdict = z.object({
  method: z.string(),
  fastest: z.string().nullable(),
  slowest: z.string().nullable(),
  fastestNsPerLoop: z.number().nullable(),
  slowestNsPerLoop: z.number().nullable(),
  ratio: z.number().nullable().describe('slowest over fastest median ns/loop'),
  rounds: z.number().int(),
  roundsWon: z.number().int().nullable().describe("rounds in which the fastest's quickest run beat the slowest's; null with one round (evidence only: clear is judged on the interval)"),
  clear: z
    .boolean()
    .describe(
      `the whole 95% interval of the ratio lies at or past ${MIN_SPEEDUP_RATIO}, raised by the drift of a control read between clocksources`,
    ),
  ratioLow: z.number().nullable().optional().describe('low end of the 95% bootstrap interval of ratio (over the runs, resampled within each turn)'),
  ratioHigh: z.number().nullable().optional().describe('high end of that interval; an interval that includes 1 is no measurable difference'),
});

export const Recommendation = z.object({
  /** recommend: faster and safe on all evidence; lean: faster and safe on the
   * evidence gathered, some missing (e.g. no --warp); none: not enough
   * evidence, or the faster one is not safe here. */
  level: z.enum(['recommend', 'lean', 'none']),
  clocksource: z.string().nullable(),
  clocks: z.array(ClockVerdict),
  safety: z.array(Safety),
  reasons: z.array(z.string()).describe('the evidence, one sentence each'),
});

export const CompareRecordedOptions = z.object({
  clocksources: z.array(z.string()),
  currentOnly: z.boolean(),
  methods: z.array(z.string()),
  loops: z.number().int(),
  runs: z.number().int().describe('bench runs per method, per clocksource, per round'),
  rounds: z.number().int(),
  cpu: z.number().int(),
  warp: z.boolean(),
  warpMethods: z.array(z.string()),
  warpCpus: z.array(z.number().int()),
  warpDurationSeconds: z.number(),
});

export const CompareResult = z.object({
  ...resultHead('compare'),
  options: CompareRecordedOptions,
  originalClocksource: z.string(),
  settle: z.object({
    waitMs: z.number().describe('wait after each confirmed switch before measuring'),
    why: z.string(),
  }),
  runs: z.array(ClocksourceRun).describe('one per clocksource per round, in the order measured'),
  comparison: z.array(CompareRow),
  recommendation: Recommendation,
  switches: z.array(SwitchRecord).describe('every write, including the one back'),
  restored: z.boolean().describe('current_clocksource read back at the end equals the original'),
  disturbance: Disturbance,
  findings: z.array(Finding),
  gate: Gate.optional().describe('present when run with --baseline'),
});

export type SwitchRecordT = z.infer<typeof SwitchRecord>;
export type ClocksourceRunT = z.infer<typeof ClocksourceRun>;
export type CompareRowT = z.infer<typeof CompareRow>;
export type SafetyT = z.infer<typeof Safety>;
export type ClockVerdictT = z.infer<typeof ClockVerdict>;
export type RecommendationT = z.infer<typeof Recommendation>;
export type CompareRecordedOptionsT = z.infer<typeof CompareRecordedOptions>;
export type CompareResultT = z.infer<typeof CompareResult>;

/** The recommendation as the runner returns it: its reasons as codes only
 * (src/findings/phrase.ts phraseCompare adds the sentences). */
export type RecommendationRawT = Omit<RecommendationT, 'reasons'> & { findings: FindingT[] };
export type CompareResultRawT = Omit<CompareResultT, 'recommendation'> & { recommendation: RecommendationRawT };

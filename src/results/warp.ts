// warp.ts: the result of `clocklab warp`: did any method go backwards across CPUs?
import { z } from 'zod';
import { SELF_TEST_TOLERANCE } from '../findings/thresholds.js';
import { Disturbance, Finding, resultHead, U64String, type FindingT } from './common.js';

/** held: no warp; finding: warps where the contract allows them (plain
 * RDTSC, wall clocks); failed: a warp of a method that must be monotonic. */
export const WarpVerdict = z.enum(['held', 'finding', 'failed']);

export const WarpEvent = z.object({
  fromCpu: z.number().int().describe('CPU that stored the later value'),
  toCpu: z.number().int().describe('CPU whose read came out lower'),
  amount: U64String.describe("how far backwards, in the method's unit"),
  amountNs: z.number().describe('the same in ns (TSC reads converted at the TSC frequency)'),
  before: U64String.describe('the value stored by fromCpu'),
  after: U64String.describe('the lower value read by toCpu'),
});

export const WarpPair = z.object({
  fromCpu: z.number().int(),
  toCpu: z.number().int(),
  warps: z.number().int(),
  largest: U64String,
});

export const WarpHandoffs = z.object({
  fromCpu: z.number().int().describe('CPU that stored the previous value'),
  toCpu: z.number().int().describe('CPU that read next'),
  handoffs: z.number().int().describe('reads by toCpu whose previous value fromCpu stored'),
  smallestStep: z.number().nullable().describe("the smallest forward step of those hand-offs, in the method's unit (null: none forward)"),
});

/** What a run could not have seen: a backward step no larger than the time
 * from one CPU's stored read to the next CPU's read cannot show. */
export const WarpDetection = z.object({
  smallestStep: z.number().describe("the smallest backward step this run could have seen, in the method's unit: one more than the smallest forward step of any cross-CPU hand-off"),
  smallestStepNs: z.number().describe('the same in ns'),
  medianHandOver: z.number().describe("the median forward step of the cross-CPU hand-offs (lower edge of its power-of-two bucket), in the method's unit"),
  medianHandOverNs: z.number(),
  rateBound: z.number().nullable().describe('for a method that held: 3/N over its N cross-CPU hand-offs, the 95% upper bound on the warp rate per hand-off; null if it warped'),
});

export const WarpMethodResult = z.discriminatedUnion('status', [
  z.object({
    method: z.string(),
    status: z.literal('measured'),
    contract: z.string(),
    unit: z.enum(['cycles', 'ns']),
    durationSeconds: z.number(),
    reads: z.number().int(),
    readsPerSecond: z.number(),
    readsPerCpu: z.array(z.object({ cpu: z.number().int(), reads: z.number().int() })),
    warps: z.number().int(),
    largest: WarpEvent.nullable(),
    pairs: z.array(WarpPair).describe('warp counts per (from, to) CPU pair'),
    verdict: WarpVerdict,
    handoffs: z.number().int().optional().describe('cross-CPU hand-offs: reads whose previous value another CPU stored'),
    handoffsPerSecond: z.number().optional(),
    handoffMatrix: z.array(WarpHandoffs).optional().describe('hand-offs per ordered CPU pair, every pair of the run (0 where none)'),
    detection: WarpDetection.nullable().optional().describe('the detection limit; null with no cross-CPU hand-off'),
  }),
  z.object({ method: z.string(), status: z.literal('unsupported'), reason: z.string() }),
  z.object({ method: z.string(), status: z.literal('failed'), reason: z.string() }),
]);

export const TscOffset = z.object({
  cpuA: z.number().int(),
  cpuB: z.number().int(),
  offsetCycles: z.number().describe("TSC of cpuB minus TSC of cpuA at the same instant"),
  errorCycles: z.number().describe('half the narrowest bracket seen'),
  samples: z.number().int(),
});

/** What `--self-test` set up and whether the checker found it. */
export const WarpSelfTest = z.object({
  method: z.string().optional().describe('the skewed read: skewed_rdtscp, or skewed_lfence_rdtsc (CPU from getcpu) where CPUID hides RDTSCP'),
  skewCycles: z.number().describe('cycles subtracted from every read on skewCpu'),
  skewCpu: z.number().int(),
  warps: z.number().int(),
  largestCycles: z.number().nullable().describe('the largest warp found, or null'),
  toCpu: z.number().int().nullable().describe('the CPU of the lower read of the largest warp'),
  fromCpu: z.number().int().nullable(),
  passed: z.boolean().describe(`warps only into skewCpu, the largest within ${SELF_TEST_TOLERANCE * 100}% of skewCycles`),
  reason: z.string(),
});

export const WarpRecordedOptions = z.object({
  methods: z.array(z.string()),
  cpus: z.array(z.number().int()),
  durationSeconds: z.number(),
  offsets: z.boolean(),
  selfTest: z.boolean(),
  pairs: z.boolean().optional().describe('each CPU pair in turn (--pairs) rather than every CPU at once'),
});

export const WarpResult = z.object({
  ...resultHead('warp'),
  options: WarpRecordedOptions,
  methods: z.array(WarpMethodResult),
  offsets: z.array(TscOffset).nullable(),
  offsetsMethod: z.string().optional().describe('the read the offsets were measured with: rdtscp, or lfence_rdtsc where CPUID hides RDTSCP'),
  verdict: z.enum(['held', 'failed']),
  disturbance: Disturbance,
  findings: z.array(Finding),
  selfTest: WarpSelfTest.nullable().optional(),
});

export type WarpVerdictT = z.infer<typeof WarpVerdict>;
export type WarpEventT = z.infer<typeof WarpEvent>;
export type WarpMethodResultT = z.infer<typeof WarpMethodResult>;
export type WarpRecordedOptionsT = z.infer<typeof WarpRecordedOptions>;
export type WarpResultT = z.infer<typeof WarpResult>;
export type WarpSelfTestT = z.infer<typeof WarpSelfTest>;
export type TscOffsetT = z.infer<typeof TscOffset>;
export type WarpDetectionT = z.infer<typeof WarpDetection>;
export type WarpHandoffsT = z.infer<typeof WarpHandoffs>;

/** The self-test as the runner returns it: its reason as a code only
 * (src/findings/phrase.ts phraseWarp adds the sentence). */
export type WarpSelfTestRawT = Omit<WarpSelfTestT, 'reason'> & { finding: FindingT };
export type WarpResultRawT = Omit<WarpResultT, 'selfTest'> & { selfTest: WarpSelfTestRawT | null };

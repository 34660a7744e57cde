// bench.ts: the result of `clocklab bench`: ns/loop for each method, per run
// and summarised.
import { z } from 'zod';
import { Disturbance, Finding, resultHead, U64String } from './common.js';
import { Gate } from './gate.js';

export const BenchRun = z.object({
  elapsedNs: z.number().describe('CLOCK_MONOTONIC ns around the native loop'),
  nsPerLoop: z.number(),
  tscDelta: U64String.describe('TSC cycles around the loop'),
  cyclesPerLoop: z.number(),
  onCpuPercent: z
    .number()
    .optional()
    .describe("the process's CPU time over the run's wall time, %: below 100 the loop's thread was preempted (another task ran on its CPU) and ns/loop includes that wait"),
  coreGHz: z
    .number()
    .optional()
    .describe(
      'the core clock around the run, GHz: a chain of dependent register adds (one core cycle each) timed just before and just after it, the mean of the two; absent for runs of under 100,000 reads. nsPerLoop x coreGHz is the read in core cycles, which the gate compares',
    ),
});

export const BenchSummary = z.object({
  minNsPerLoop: z.number(),
  medianNsPerLoop: z.number(),
  maxNsPerLoop: z.number(),
  spreadPercent: z.number().describe('(max - min) / median x 100'),
  cyclesPerLoop: z.number().describe('median over runs'),
  ratioToFastestClock: z
    .number()
    .nullable()
    .describe(
      'median ns/loop over that of the fastest fine-resolution clock_gettime (vDSO) method in this run; the fastest coarse one when no fine one ran; null when no clock_gettime method ran',
    ),
  ratioToFastestClockInterval: z
    .object({ low: z.number(), high: z.number() })
    .nullable()
    .optional()
    .describe('95% bootstrap interval of ratioToFastestClock over the runs of both methods (docs/columns.md); null for the fastest clock itself and where there is no ratio'),
});

export const BenchMethodResult = z.discriminatedUnion('status', [
  z.object({
    method: z.string(),
    status: z.literal('measured'),
    loops: z.number().int(),
    runs: z.array(BenchRun),
    summary: BenchSummary,
  }),
  z.object({
    method: z.string(),
    status: z.literal('unsupported'),
    reason: z.string().describe('what the machine lacks, e.g. the instruction and its CPUID bit'),
  }),
  z.object({
    method: z.string(),
    status: z.literal('failed'),
    reason: z.string(),
  }),
]);

export const BenchRecordedOptions = z.object({
  methods: z.array(z.string()),
  loops: z.number().int(),
  runs: z.number().int().nullable().describe('null when --duration decides'),
  durationSeconds: z.number().nullable(),
  cpu: z.number().int(),
  warmup: z.boolean(),
});

export const BenchResult = z.object({
  ...resultHead('bench'),
  options: BenchRecordedOptions,
  methods: z.array(BenchMethodResult),
  disturbance: Disturbance,
  findings: z.array(Finding),
  gate: Gate.optional().describe('present when run with --baseline'),
});

export type BenchRunT = z.infer<typeof BenchRun>;
export type BenchSummaryT = z.infer<typeof BenchSummary>;
export type BenchMethodResultT = z.infer<typeof BenchMethodResult>;
export type BenchRecordedOptionsT = z.infer<typeof BenchRecordedOptions>;
export type BenchResultT = z.infer<typeof BenchResult>;

// tsc.ts: the result of `clocklab tsc`: may a program read the TSC here, and
// at what rate? The rate per CPU against three clocks, every claimed
// frequency beside it, the time daemon's correction, and the verdict's
// evidence; findings as data (src/findings/tsc-codes.ts).
import { z } from 'zod';
import { Finding, resultHead } from './common.js';
import { TscOffset } from './warp.js';

const nn = z.number().nullable();
const sn = z.string().nullable();

export const TSC_CLAIM_SOURCES = [
  'kernel-detected',
  'kernel-detected-tsc',
  'kernel-refined',
  'kernel-vmware',
  'cpuid-0x15',
  'cpuid-0x16',
  'hypervisor-0x40000010',
  'pvclock',
] as const;
export const TscClaimSource = z.enum(TSC_CLAIM_SOURCES);

export const TscClaim = z.object({
  source: TscClaimSource.describe('where the claim comes from (src/probes/tsc-claims.ts)'),
  hz: z.number(),
  resolutionHz: z.number().describe("the claim's own rounding (1 kHz for the kernel's MHz with 3 decimals)"),
  detail: z.string().describe('how the source arrived at it, in its own terms'),
  ppm: nn.describe('claim / measured CLOCK_MONOTONIC_RAW rate - 1, in ppm; null where nothing was measured'),
  agrees: z.boolean().nullable().describe("within the measured rate's 95% half-width plus half the claim's rounding"),
});

/** One fitted rate (src/runners/tsc/fit.ts). */
export const TscRate = z.object({
  hz: z.number().describe('TSC cycles per second of the clock'),
  halfWidthHz: z.number().describe('half the 95% interval'),
  samples: z.number().int().describe('bracketed samples fitted, each the narrowest of its tries'),
  spanNs: z.number().describe('clock time from the first sample to the last'),
  bracketMinCycles: z.number(),
  bracketMaxCycles: z.number(),
  reducedChi2: z.number().describe('chi^2/dof against the brackets; above 1 the interval was widened to the scatter'),
});

export const TscPpm = z.object({ ppm: z.number(), halfWidthPpm: z.number() });

export const TscCpuRate = z.object({
  cpu: z.number().int(),
  read: z.enum(['rdtscp', 'lfence_rdtsc']).describe('the ordered TSC read each side of the clock read'),
  monotonicRaw: TscRate,
  monotonic: TscRate,
  realtime: TscRate,
  correction: TscPpm.describe('CLOCK_MONOTONIC against CLOCK_MONOTONIC_RAW on this CPU: rate(raw)/rate(monotonic) - 1'),
  planted: z.boolean().describe("the self-test's planted rate applied to this CPU's samples"),
});

export const TscDaemon = z.object({
  correction: TscPpm.nullable().describe('CLOCK_MONOTONIC against CLOCK_MONOTONIC_RAW, pooled over the CPUs: how much the time daemon speeds the clock up'),
  adjtimexPpm: nn.describe("adjtimex(2)'s frequency offset, ppm (freq / 65536)"),
  adjtimexState: nn.describe("adjtimex(2)'s return: 5 TIME_ERROR (not synchronised)"),
  agrees: z.boolean().nullable().describe('the measured correction within its interval (and 0.01 ppm) of adjtimex\'s'),
});

/** order's load->read litmus for a plain RDTSC on one CPU pair (src/runners/tsc/fence.ts). */
export const TscFence = z.object({
  measured: z.boolean(),
  needed: z.boolean().nullable().describe('a plain RDTSC was seen reading ahead of an earlier load beyond the pair\'s offset bound; false: not seen in `samples` (the manuals do not promise the order either way)'),
  cpus: z.array(z.number().int()).describe('the pair run'),
  samples: z.number().int(),
  violations: z.number().int().describe('out of order by any amount'),
  beyondBound: z.number().int().describe("out of order by more than the pair's offset bound: the evidence"),
  worstNs: nn,
  boundNs: nn,
});

export const TscVerdict = z.object({
  usable: z.boolean().describe('a program may read the TSC and convert with `frequencyHz` on every CPU'),
  frequencyHz: nn.describe('the frequency to convert with'),
  halfWidthHz: nn,
  source: z.union([TscClaimSource, z.literal('measured')]).nullable().describe('a claim that agrees with the measurement, else the measurement'),
  everyCpuSameRate: z.boolean().nullable().describe('no two CPUs\' rates differ beyond their intervals (and the floor); null with one CPU'),
  invariant: z.object({
    cpuid: z.boolean().describe('CPUID 0x80000007 EDX[8]'),
    constantTsc: z.boolean(),
    nonstopTsc: z.boolean(),
    invariant: z.boolean().describe('CPUID says so, or constant_tsc and nonstop_tsc both'),
  }),
  kernel: z.object({
    clocksource: sn,
    usesTsc: z.boolean().describe('the current clocksource is tsc'),
    derivesFromTsc: z.boolean().describe('the clocksource is tsc, or kvm-clock with the pvclock stable bit (it scales the TSC)'),
    offered: z.boolean(),
    withheldKind: sn.describe('why the kernel does not offer tsc (KernelView tsc.withheld.kind)'),
    withheldReason: sn,
    withheldOption: sn,
    measured: z.boolean().nullable().describe('the kernel timed the TSC and found it wrong (watchdog, sync check)'),
  }),
  tscAux: z.object({
    offered: z.boolean().nullable().describe('CPUID offers RDTSCP'),
    executes: z.boolean().nullable(),
    namesCpu: z.enum(['always', 'never', 'sometimes']).nullable().describe('TSC_AUX names the CPU the read ran on'),
  }),
  offsets: z.object({
    measured: z.boolean(),
    pairs: z.array(TscOffset),
    largest: TscOffset.nullable().describe('the pair with the largest |offset|'),
    largestNs: nn,
    beyondBound: z.boolean().nullable().describe('some |offset| exceeds its error bound: the CPUs\' TSCs disagree'),
  }),
  fence: TscFence,
});

export const TscSelfTest = z.object({
  cpu: z.number().int().describe('the CPU whose TSC values were scaled'),
  plantedPpm: z.number(),
  measured: TscPpm.nullable().describe("the planted CPU's raw rate against the others' pooled rate"),
  others: z.array(z.object({ cpu: z.number().int(), ppm: z.number(), halfWidthPpm: z.number(), planted: z.boolean() })),
  passed: z.boolean(),
});

export const TscResult = z.object({
  ...resultHead('tsc'),
  options: z.object({
    cpus: z.array(z.number().int()),
    durationSeconds: z.number().describe('total, split evenly over the CPUs, measured in turn'),
    points: z.number().int().describe('bracketed samples per clock per CPU, spread over its share'),
    tries: z.number().int().describe('reads per sample, the narrowest kept'),
    offsets: z.boolean(),
    fence: z.boolean().describe("run order's load->read litmus for a plain RDTSC"),
    selfTest: z.object({ ppm: z.number(), cpu: z.number().int() }).nullable(),
    machine: sn.describe('the capture replayed: its claims alone, nothing measured'),
  }),
  claims: z.array(TscClaim),
  rates: z.array(TscCpuRate),
  pooled: TscRate.pick({ hz: true, halfWidthHz: true }).nullable().describe("the CPUs' CLOCK_MONOTONIC_RAW rates, inverse-variance weighted"),
  daemon: TscDaemon,
  verdict: TscVerdict,
  selfTest: TscSelfTest.nullable(),
  findings: z.array(Finding),
});

export type TscClaimT = z.infer<typeof TscClaim>;
export type TscRateT = z.infer<typeof TscRate>;
export type TscPpmT = z.infer<typeof TscPpm>;
export type TscCpuRateT = z.infer<typeof TscCpuRate>;
export type TscDaemonT = z.infer<typeof TscDaemon>;
export type TscFenceT = z.infer<typeof TscFence>;
export type TscVerdictT = z.infer<typeof TscVerdict>;
export type TscSelfTestT = z.infer<typeof TscSelfTest>;
export type TscResultT = z.infer<typeof TscResult>;

// pvclock.ts: the result of `clocklab pvclock`: the KVM pvclock records as
// user space sees them, whether the vCPUs agree, how pvclock time relates to
// CLOCK_MONOTONIC and MONOTONIC_RAW, and (with --watch) whether a reader ever
// saw a record change under an unchanged version.
import { z } from 'zod';
import { Disturbance, Finding, resultHead, U64String } from './common.js';

export const PvclockFlag = z.enum(['TSC_STABLE', 'GUEST_STOPPED', 'COUNTS_FROM_ZERO']);

export const PvclockRecordFields = z.object({
  version: z.number().int().describe('seqlock counter: odd while the host writes'),
  tscTimestamp: U64String.describe('guest TSC at the last update'),
  systemTimeNs: U64String.describe('kvmclock ns at tscTimestamp'),
  mul: z.number().int().describe('tsc_to_system_mul, 32.32 fixed point'),
  shift: z.number().int().describe('tsc_shift, applied to the TSC delta before mul'),
  flags: z.number().int().describe('flag byte'),
});

export const PvclockRecord = PvclockRecordFields.extend({
  vcpu: z.number().int(),
  flagNames: z.array(PvclockFlag),
  tscHz: z.number().describe('TSC frequency mul/shift imply (pvclock_tsc_khz(), without rounding to kHz)'),
  nsAtCommonTsc: U64String.describe('ns this record gives for the one TSC value in agreement.commonTsc'),
});

export const PvclockPageInfo = z.object({
  address: z.string().describe('hex address of the page in this process'),
  mapping: z.enum(['[vvar_vclock]', '[vvar]']),
  offsetBytes: z.number().int(),
  verifiedLayout: z.boolean().describe('the layout for this kernel was verified on a running kernel'),
  detail: z.string(),
});

export const PvclockAgreement = z.object({
  sameParameters: z.boolean().describe('every record has the same tscTimestamp, systemTimeNs, mul, shift and flags'),
  differingFields: z.array(z.string()),
  commonTsc: U64String.describe('one ordered TSC read, scaled with every record'),
  maxNsDifference: z.number().describe('largest |ns(vCPU n) - ns(vCPU 0)| at commonTsc'),
});

export const PvclockClockComparison = z.object({
  clock: z.enum(['monotonic', 'monotonic_raw']),
  method: z.enum(['pvclock_vdso', 'pvclock_rdtscp']),
  offsetNs: z.number().describe('pvclock ns minus the clock at the start of the window'),
  windowNs: z.number().describe('length of the window, by the clock'),
  rateDiffPpm: z.number().describe('(pvclock elapsed - clock elapsed) / clock elapsed x 10^6'),
  bracketNs: z.number().describe('widest clock read bracket around a pvclock read; bounds the error'),
});

export const PvclockVdso = z.object({
  currentClocksource: z.string().nullable(),
  stableBit: z.boolean().describe("vCPU 0's record has PVCLOCK_TSC_STABLE_BIT"),
  pageInUse: z.boolean().describe('the vDSO reads this page now: clocksource kvm-clock and the stable bit set'),
});

export const PvclockWatchCounts = z.object({
  vcpu: z.number().int(),
  polls: z.number().int(),
  versionChanges: z.number().int(),
  oddReads: z.number().int().describe('reads that saw an odd version (host mid-update)'),
  tornReads: z.number().int().describe('fields changed under one unchanged even version'),
  firstVersion: z.number().int(),
  lastVersion: z.number().int(),
});

export const PvclockTornRead = z.object({
  monotonicNs: U64String.describe('CLOCK_MONOTONIC when it was seen'),
  atSeconds: z.number().describe('seconds into the watch'),
  vcpu: z.number().int(),
  version: z.number().int(),
  before: PvclockRecordFields,
  after: PvclockRecordFields,
});

export const PvclockWatch = z.object({
  seconds: z.number(),
  counts: z.array(PvclockWatchCounts),
  torn: z.array(PvclockTornRead).describe('each torn read (the first 1000)'),
});

export const PvclockRecordedOptions = z.object({
  windowMs: z.number().describe('the window over which rates against the Linux clocks were measured'),
  watchSeconds: z.number().nullable().describe('how long every record was watched (null: no watch)'),
});

export const PvclockResult = z.object({
  ...resultHead('pvclock'),
  options: PvclockRecordedOptions,
  page: PvclockPageInfo,
  records: z.array(PvclockRecord),
  agreement: PvclockAgreement,
  clocks: z.array(PvclockClockComparison),
  vdso: PvclockVdso,
  watch: PvclockWatch.nullable(),
  disturbance: Disturbance,
  findings: z.array(Finding),
});

export type PvclockResultT = z.infer<typeof PvclockResult>;
export type PvclockRecordFieldsT = z.infer<typeof PvclockRecordFields>;
export type PvclockRecordT = z.infer<typeof PvclockRecord>;
export type PvclockWatchT = z.infer<typeof PvclockWatch>;
export type PvclockClockComparisonT = z.infer<typeof PvclockClockComparison>;

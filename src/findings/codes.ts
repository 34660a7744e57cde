// codes.ts: which findings can clocklab report, and what figures does each
// carry? One zod object of arguments per code: the TypeScript types of the
// arguments come from it, runners build findings through `finding()` so a
// wrong argument is a compile error, and a finding read back from a
// report.json is checked against it before it is phrased.
//
// On the wire a finding stays `{ code: string, severity, args }`
// (src/results/common.ts): a report written by a later clocklab with a code
// this one does not know still parses.
import { z } from 'zod';
import type { FindingT } from '../results/common.js';
import { TSC_FINDING_ARGS } from './tsc-codes.js';

const s = z.string();
const n = z.number();
const b = z.boolean();
const sn = z.string().nullable();
const nn = z.number().nullable();

/** Lists travel as one string, items joined by ',' (as CPU lists do). */
const list = z.string();

/** A warp of one method: how many, the largest, and between which CPUs. */
const warpArgs = { method: s, warps: n, amount: s, unit: s, amountNs: n, fromCpu: n, toCpu: n };

/** Why the clocksource check recommends what it does. `stored`: from a
 * stored `clocklab compare` (its level, clocksource and reason, and where it
 * came from); the others are judged from this machine's TSC flags. */
const basisArgs = {
  basis: z.enum(['tsc-sound', 'tsc-untrusted', 'none-qualifies', 'stored', 'tsc-withheld']),
  storedLevel: z.enum(['recommend', 'lean', 'none']).nullable(),
  storedClocksource: sn,
  storedReason: sn,
  from: sn,
  /** tsc-withheld / tsc-untrusted: why the kernel does not offer tsc (KernelView tsc.withheld.kind) and the boot option behind it. */
  tscKind: sn.default(null),
  tscOption: sn.default(null),
};

/** Why the kernel does not offer tsc (src/probes/kernel-view.ts tscWithheld()):
 * `kind` as TscWithheldKind; the log's reason and time; the boot option;
 * tsc=reliable beside tsc=unstable; clocksource= on the command line; the
 * watchdog's record (the clock it measured against, skew over its interval);
 * the sync check's warp; whether the TSC flags are all good. */
const withheldArgs = {
  kind: s,
  reason: sn,
  timeS: nn,
  option: sn,
  contradiction: b,
  clocksourceAsked: sn,
  watchdogClock: sn,
  watchdogAgainst: sn,
  skewNs: nn,
  wdNsec: nn,
  cpu: nn,
  warpCycles: nn,
  fromCpu: nn,
  toCpu: nn,
  logRead: b,
  flagsGood: b,
};

export const FINDING_ARGS = {
  // tsc (./tsc-codes.ts); first, so a code below of the same name would shadow it (test/tsc-findings.test.ts)
  ...TSC_FINDING_ARGS,
  // info: the machine's flags
  FLAG_DISAGREEMENT: z.object({ flag: s, cpuid: b, cpuinfo: b }),
  TSC_NOT_CONSTANT: z.object({ constant_tsc: b, nonstop_tsc: b }),
  TSC_CLOCKSOURCE_MISSING: z.object({ available: s }),

  // bench
  BENCH_STEAL: z.object({ stealPercent: n, cpus: list }),
  BENCH_CLOCKSOURCE_CHANGED: z.object({ before: sn, after: sn }),
  BENCH_VDSO_LIKE_SYSCALL: z.object({ method: s, nsPerLoop: n, syscallMethod: s, syscallNsPerLoop: n, clocksource: sn }),
  /** `methods`: each scattered method with its spread, e.g. `rdtsc 31%, monotonic 40%`. */
  BENCH_SPREAD: z.object({ methods: s, count: n }),
  BENCH_LOADED: z.object({ loadAverage: n, cpus: n }),

  // warp
  WARP_MONOTONIC: z.object(warpArgs),
  WARP_UNORDERED: z.object(warpArgs),
  WARP_MAY_STEP: z.object(warpArgs),
  WARP_ONE_CPU: z.object({ cpu: n }),
  WARP_NO_CONSTANT_TSC: z.object({ method: s }),
  WARP_IDLE_CPU: z.object({ method: s, cpus: list }),
  /** `pairs`: ordered pairs `from->to` with no cross-CPU hand-off. */
  WARP_PAIRS_UNCOMPARED: z.object({ method: s, pairs: list, count: n }),
  // warp --self-test: the verdict on the planted skew (selfTest.finding)
  /** `reason`: why the method was not measured, as the method's result says. */
  WARP_SELF_TEST_UNMEASURED: z.object({ reason: sn }),
  WARP_SELF_TEST_NO_SKEW: z.object({}),
  WARP_SELF_TEST_MISSED: z.object({ skewCpu: n, skewCycles: n }),
  WARP_SELF_TEST_STRAY: z.object({ fromCpu: n, toCpu: n, warps: n }),
  /** `off` and `tolerance` are fractions of the skew. */
  WARP_SELF_TEST_OFF: z.object({ largestCycles: n, skewCycles: n, off: n, tolerance: n }),
  WARP_SELF_TEST_FOUND: z.object({ warps: n, skewCpu: n, largestCycles: n, skewCycles: n, off: n }),

  // order: one litmus test of one method (`pattern` as the report shows it, `load->read`)
  ORDER_ALLOWED: z.object({ method: s, pattern: s, beyond: n, samples: n, worst: n, unit: s, worstNs: n, source: s }),
  ORDER_FORBIDDEN: z.object({ method: s, pattern: s, beyond: n, samples: n, worst: n, unit: s, worstNs: n, source: s, fromCpu: n, toCpu: n }),
  /** Violations, but none larger than the pair's TSC offset bound. */
  ORDER_WITHIN_BOUND: z.object({ method: s, pattern: s, violations: n, samples: n, boundNs: n }),
  ORDER_NO_SAMPLES: z.object({ method: s, pattern: s }),
  ORDER_NO_OFFSET: z.object({ cpuA: n, cpuB: n }),
  // order --self-test: the verdict on the wrong-order reader (selfTest.finding)
  ORDER_SELF_TEST_FOUND: z.object({ method: s, counts: s }),
  ORDER_SELF_TEST_MISSED: z.object({ method: s, patterns: list }),

  // compare
  COMPARE_NOT_RESTORED: z.object({ original: s, now: s }),
  COMPARE_STEAL: z.object({ clocksource: s, stealPercent: n }),
  // compare's recommendation: its reasons, in order (recommendation.findings)
  /** The kernel offers one clocksource: the choice is the kernel's (the same decision check makes). */
  COMPARE_KERNEL_CHOICE: z.object({ clocksource: s, ...basisArgs }),
  /** `drift`: the control's largest ratio between clocksources, minus 1. */
  COMPARE_CONTROL_DRIFT: z.object({ method: s, drift: n }),
  COMPARE_ONE_CLOCKSOURCE: z.object({ clocksource: sn }),
  COMPARE_CLOCKS_UNMEASURED: z.object({ methods: list }),
  COMPARE_CLOCK: z.object({
    method: s,
    fastest: sn,
    slowest: sn,
    fastestNsPerLoop: nn,
    slowestNsPerLoop: nn,
    ratio: nn,
    rounds: n,
    roundsWon: nn,
    clear: b,
    ratioLow: nn,
    ratioHigh: nn,
  }),
  COMPARE_CLOCKS_DISAGREE: z.object({ methods: list }),
  /** `noDifference`: a key clock's interval includes 1. */
  COMPARE_NOT_CLEAR: z.object({ clocksource: s, noDifference: b, minRatio: n, original: s }),
  /** `evidence`: the safety evidence against it, as recommendation.safety records it. */
  COMPARE_UNSAFE: z.object({ clocksource: s, evidence: s }),
  COMPARE_SAFETY_UNKNOWN: z.object({ clocksource: s, fact: s, detail: s }),
  COMPARE_STEAL_DISTURBED: z.object({ clocksources: list, limitPercent: n }),
  COMPARE_ALREADY_CURRENT: z.object({ clocksource: s }),

  // the regression gate (bench and compare with a baseline)
  /** `methods`: each with its change and 95% interval, e.g. `monotonic +8.0% [+3.1, +13.2]`. */
  GATE_INCONCLUSIVE: z.object({ methods: s, count: n, thresholdPercent: n }),
  /** `methods`: each with the width of its baseline median's interval; `gateablePercent`: a threshold all of them could be gated at. */
  GATE_NOISY_BASELINE: z.object({ methods: s, count: n, thresholdPercent: n, gateablePercent: n }),
  /** `methods`: each with the share of wall time its thread was on the CPU, this run and the baseline. */
  GATE_PREEMPTED: z.object({ methods: s, count: n, limitPercent: n }),
  /** `methods`: each with its status once a second block of runs was added. */
  GATE_UNCONFIRMED: z.object({ methods: s, count: n }),
  /** `methods`: each with the bar the floor raised its threshold to. */
  GATE_FLOOR: z.object({ methods: s, floorNs: n, thresholdPercent: n }),

  // pvclock
  PVCLOCK_RECORDS_DISAGREE: z.object({ fields: s, maxNsDifference: n }),
  PVCLOCK_STABLE_BIT_CLEAR: z.object({}),
  PVCLOCK_GUEST_STOPPED: z.object({}),
  PVCLOCK_PAGE_NOT_IN_USE: z.object({ clocksource: s, stableBit: b }),
  PVCLOCK_LAYOUT_UNVERIFIED: z.object({ detail: s }),
  PVCLOCK_TORN_READ: z.object({ tornReads: n, seconds: n }),
  PVCLOCK_ODD_READS: z.object({ oddReads: n }),

  // check: each check's verdict (checks[].findings[0]) and its details
  CHECK_VDSO_UNMEASURED: z.object({}),
  CHECK_VDSO_OK: z.object({ monotonicNs: n, realtimeNs: n, syscallNs: n }),
  /** `monotonic`, `realtime`: whether that clock fell back. */
  CHECK_VDSO_FALLBACK: z.object({ monotonic: b, realtime: b, monotonicNs: n, realtimeNs: n, syscallNs: n, clocksource: sn }),
  CHECK_WARP_UNMEASURED: z.object({}),
  CHECK_WARP_ONE_CPU: z.object({ cpus: list }),
  /** Details: a CHECK_WARP_ALLOWED for each method that warped as its contract allows. */
  CHECK_WARP_HELD: z.object({ methods: list, cpus: list }),
  CHECK_WARP_ALLOWED: z.object({ method: s, warps: n }),
  /** Details: a CHECK_WARP_WENT_BACK for each method that must be monotonic and warped. */
  CHECK_WARP_BACKWARDS: z.object({ methods: list }),
  CHECK_WARP_WENT_BACK: z.object({ method: s, warps: n, fromCpu: nn, toCpu: nn, amount: sn, unit: s }),
  CHECK_TSC_OK: z.object({ kernelLogRead: b }),
  CHECK_TSC_UNTRUSTED: z.object({ constantTsc: b, nonstopTsc: b, invariantTsc: b, tscAvailable: b, kernelLogSays: sn }),
  CHECK_PVCLOCK_NOT_KVM: z.object({}),
  CHECK_PVCLOCK_NO_PAGE: z.object({}),
  CHECK_PVCLOCK_OK: z.object({ vcpus: n, seconds: n }),
  CHECK_PVCLOCK_UNHEALTHY: z.object({ tornReads: n, stableBit: b, recordsDisagree: b, differingFields: list, maxNsDifference: n }),
  CHECK_CLOCKSOURCE_NONE: z.object(basisArgs),
  CHECK_CLOCKSOURCE_OK: z.object({ current: s, ...basisArgs }),
  CHECK_CLOCKSOURCE_DIFFERS: z.object({ current: sn, recommended: s, ...basisArgs }),
  CHECK_DISTURBANCE_OK: z.object({ stealPercent: n, loadAverage: n }),
  CHECK_DISTURBANCE_STEAL: z.object({ stealPercent: n }),
  CHECK_TIMESYNC_UNREAD: z.object({ error: s }),

  // the kernel's view (info's findings, check's tsc verdict and its result findings)
  TSC_WITHHELD: z.object(withheldArgs),
  CHECK_TSC_WITHHELD: z.object(withheldArgs),
  /** The kernel names a hypervisor user-space CPUID does not show. */
  HYPERVISOR_NESTED: z.object({ kernelSays: s, cpuidSignature: s, cpuidName: sn, clocksource: sn, clockFrom: sn }),
  /** `rewritten`: every pvclock record's system_time is past the fork (null: no record read). */
  VM_FORKED: z.object({ forkS: nn, forks: n, rewritten: b.nullable(), oldestSystemTimeS: nn }),
  /** check's pvclock skip where no page can be read though the kernel has kvm-clock. */
  CHECK_PVCLOCK_UNREADABLE: z.object({ clocksource: sn, state: s }),
  /** `daemons`: those running that discipline the clock (chrony, ntpd, systemd-timesyncd, ptp4l, phc2sys). */
  CHECK_TIMESYNC_OK: z.object({ daemons: list, maxErrorUs: n, estErrorUs: n, offsetNs: n }),
  /** `ptpKvm`: the /dev/ptpN of ptp_kvm, when the hypervisor offers it; `kvm`: a KVM guest. */
  CHECK_TIMESYNC_UNSYNCED: z.object({ daemons: list, ptpKvm: sn, kvm: b, maxErrorUs: n }),

  // info, methods and check: RDTSCP and RDPID tried in a forked child (src/probes/tsc-aux.ts)
  /** `instructions`: those that executed and returned it (rdtscp, rdpid: one MSR); `offered`: CPUID offers one of them;
   * `values`: the TSC_AUX values read; `never`: no read named its CPU (else `wrong` of `reads` did not);
   * `kernelSees`: /proc/cpuinfo has rdtscp or rdpid, without which the kernel writes no TSC_AUX. */
  TSC_AUX_NOT_CPU: z.object({ instructions: list, offered: b, values: list, cpus: list, never: b, wrong: n, reads: n, kernelSees: b }),
  /** `cpuidBits`: the clear bit of each, in the same order, joined by ' and ' (a bit's name holds a comma). */
  INSTRUCTION_HIDDEN_EXECUTES: z.object({ instructions: list, cpuidBits: s }),
  /** A detail of the tsc check: `misleading`, the instructions whose TSC_AUX is not (always) the CPU; `hidden`, those CPUID hides that execute. */
  CHECK_TSC_AUX: z.object({ misleading: list, hidden: list, values: list, never: b }),
  // bench and check: what a read that leaves the vDSO costs (medians of one run)
  SYSCALL_READ_COSTLY: z.object({ method: s, nsPerLoop: n, syscallMethod: s, syscallNsPerLoop: n, ratio: n }),
  /** A check that measures, on a replay of a capture (`--machine DIR`): nothing was run. */
  CHECK_REPLAY_NOT_MEASURED: z.object({ dir: s }),
};

/** Every finding code clocklab emits. */
export type FindingCode = keyof typeof FINDING_ARGS;

/** The arguments of each code. */
export type FindingArgsMap = { [C in FindingCode]: z.infer<(typeof FINDING_ARGS)[C]> };
export type FindingArgs<C extends FindingCode> = FindingArgsMap[C];

/** Why the clocksource check recommends what it does (see basisArgs). */
export type RecommendationBasis = FindingArgs<'CHECK_CLOCKSOURCE_NONE'>;

/** A finding of one code, its arguments typed. */
export interface Finding<C extends FindingCode = FindingCode> {
  code: C;
  severity: FindingT['severity'];
  args: FindingArgs<C>;
}

/** Any finding: a union over the codes, told apart by `code`. */
export type AnyFinding = { [C in FindingCode]: Finding<C> }[FindingCode];

/** Builds a finding; its arguments are checked against its code by tsc. */
export function finding<C extends FindingCode>(code: C, severity: FindingT['severity'], args: FindingArgs<C>): FindingT & Finding<C> {
  return { code, severity, args };
}

export function isFindingCode(code: string): code is FindingCode {
  return Object.hasOwn(FINDING_ARGS, code);
}

/** The schemas, typed per code so that indexing with a generic code keeps
 * the code and its arguments together. */
const SCHEMAS: { [C in FindingCode]: z.ZodType<FindingArgs<C>> } = FINDING_ARGS;

/** The arguments of a finding read back from a result, checked against its
 * code; null for an unknown code or arguments that do not fit it. */
export function argsOf<C extends FindingCode>(f: FindingT, code: C): FindingArgs<C> | null {
  if (f.code !== code) return null;
  const parsed = SCHEMAS[code].safeParse(f.args);
  return parsed.success ? parsed.data : null;
}

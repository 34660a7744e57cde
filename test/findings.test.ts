// findings.test.ts: does every finding code have a sentence, and do the codes
// that replaced the runners' prose (check's summaries and advice, compare's
// reasons, the warp self-test's reason) read exactly as that prose did?
// Pure: hand-made evidence, no measurement.
import { describe, expect, it } from 'vitest';
import { FINDING_ARGS, finding, isFindingCode, type FindingArgsMap, type FindingCode } from '../src/findings/codes.js';
import { phraseCheck, phraseCompare, phraseWarp } from '../src/findings/phrase.js';
import { CHECK_TITLES, phrase } from '../src/findings/sentences.js';
import type { BenchResultT } from '../src/results/bench.js';
import { CheckResult, type CheckResultRawT } from '../src/results/check.js';
import type { CompareResultRawT } from '../src/results/compare.js';
import type { PvclockResultT } from '../src/results/pvclock.js';
import { WarpResult, type WarpResultRawT, type WarpResultT } from '../src/results/warp.js';
import { recommendationFromCompare } from '../src/runners/check/compare-file.js';
import { judgeClocksource, judgePvclock, judgeTsc, judgeVdso, judgeWarp, recommendFromTsc, type CheckJudgement } from '../src/runners/check/judge.js';
import { benchResult, checkResult, machine, warpResult } from './fixtures/results.js';
import { TSC_SAMPLES } from './fixtures/tsc-finding-samples.js';

/** Arguments for every code: a code added without a sample here fails to compile. */
const SAMPLES: FindingArgsMap = {
  ...TSC_SAMPLES,
  FLAG_DISAGREEMENT: { flag: 'rdtscp', cpuid: true, cpuinfo: false },
  TSC_NOT_CONSTANT: { constant_tsc: false, nonstop_tsc: true },
  TSC_CLOCKSOURCE_MISSING: { available: 'kvm-clock hpet' },
  BENCH_STEAL: { stealPercent: 2.5, cpus: '1' },
  BENCH_CLOCKSOURCE_CHANGED: { before: 'tsc', after: null },
  BENCH_VDSO_LIKE_SYSCALL: { method: 'monotonic', nsPerLoop: 380, syscallMethod: 'sys_monotonic', syscallNsPerLoop: 400, clocksource: 'hpet' },
  BENCH_SPREAD: { methods: 'rdtsc 31%', count: 1 },
  BENCH_LOADED: { loadAverage: 3.1, cpus: 2 },
  WARP_MONOTONIC: { method: 'rdtscp', warps: 3, amount: '1843', unit: 'cycles', amountNs: 0.8, fromCpu: 1, toCpu: 0 },
  WARP_UNORDERED: { method: 'rdtsc', warps: 3, amount: '1843', unit: 'cycles', amountNs: 0.8, fromCpu: 1, toCpu: 0 },
  WARP_MAY_STEP: { method: 'realtime', warps: 1, amount: '20', unit: 'ns', amountNs: 20, fromCpu: 0, toCpu: 1 },
  WARP_ONE_CPU: { cpu: 0 },
  WARP_NO_CONSTANT_TSC: { method: 'rdtscp' },
  WARP_IDLE_CPU: { method: 'monotonic', cpus: '3' },
  WARP_PAIRS_UNCOMPARED: { method: 'rdtscp', pairs: '0->2,2->0', count: 2 },
  ORDER_ALLOWED: { method: 'rdtsc', pattern: 'load->read', beyond: 12_345, samples: 50_000_000, worst: 410, unit: 'cycles', worstNs: 157.7, source: 'Intel SDM Vol. 2B, RDTSC' },
  ORDER_FORBIDDEN: { method: 'rdtscp', pattern: 'load->read', beyond: 3, samples: 1000, worst: 900, unit: 'cycles', worstNs: 346, source: 'Intel SDM Vol. 2B, RDTSCP', fromCpu: 0, toCpu: 1 },
  ORDER_WITHIN_BOUND: { method: 'rdtscp', pattern: 'load->read', violations: 4, samples: 1000, boundNs: 40 },
  ORDER_NO_SAMPLES: { method: 'monotonic', pattern: 'store->read' },
  ORDER_NO_OFFSET: { cpuA: 0, cpuB: 1 },
  ORDER_SELF_TEST_FOUND: { method: 'rdtscp', counts: 'load->read 10 of 100' },
  ORDER_SELF_TEST_MISSED: { method: 'rdtscp', patterns: 'load->read' },
  WARP_SELF_TEST_UNMEASURED: { reason: null },
  WARP_SELF_TEST_NO_SKEW: {},
  WARP_SELF_TEST_MISSED: { skewCpu: 1, skewCycles: 100_000 },
  WARP_SELF_TEST_STRAY: { fromCpu: 1, toCpu: 0, warps: 2 },
  WARP_SELF_TEST_OFF: { largestCycles: 80_000, skewCycles: 100_000, off: 0.2, tolerance: 0.1 },
  WARP_SELF_TEST_FOUND: { warps: 12, skewCpu: 1, largestCycles: 99_500, skewCycles: 100_000, off: 0.005 },
  COMPARE_NOT_RESTORED: { original: 'kvm-clock', now: 'tsc' },
  COMPARE_STEAL: { clocksource: 'tsc', stealPercent: 7 },
  COMPARE_CONTROL_DRIFT: { method: 'rdtscp', drift: 0.3 },
  COMPARE_ONE_CLOCKSOURCE: { clocksource: 'tsc' },
  COMPARE_CLOCKS_UNMEASURED: { methods: 'monotonic,realtime' },
  COMPARE_CLOCK: { method: 'monotonic', fastest: 'tsc', slowest: 'kvm-clock', fastestNsPerLoop: 20, slowestNsPerLoop: 40, ratio: 2, rounds: 1, roundsWon: null, clear: true, ratioLow: 1.9, ratioHigh: 2.1 },
  COMPARE_CLOCKS_DISAGREE: { methods: 'monotonic,realtime' },
  COMPARE_NOT_CLEAR: { clocksource: 'tsc', noDifference: false, minRatio: 1.05, original: 'kvm-clock' },
  COMPARE_UNSAFE: { clocksource: 'tsc', evidence: 'warp check (went backwards across CPUs: monotonic)' },
  COMPARE_SAFETY_UNKNOWN: { clocksource: 'tsc', fact: 'warp check', detail: 'not run (add --warp)' },
  COMPARE_STEAL_DISTURBED: { clocksources: 'tsc,kvm-clock', limitPercent: 5 },
  COMPARE_ALREADY_CURRENT: { clocksource: 'tsc' },
  GATE_INCONCLUSIVE: { methods: 'monotonic +8.0% [+3.1, +13.2]', count: 1, thresholdPercent: 10 },
  GATE_NOISY_BASELINE: { methods: 'monotonic_coarse 31.0%', count: 1, thresholdPercent: 10, gateablePercent: 31 },
  GATE_PREEMPTED: { methods: "monotonic (on the CPU 58% of this run, 99% of the baseline's)", count: 1, limitPercent: 90 },
  GATE_UNCONFIRMED: { methods: 'realtime held', count: 1 },
  GATE_FLOOR: { methods: 'monotonic_coarse 28.6%', floorNs: 1, thresholdPercent: 10 },
  PVCLOCK_RECORDS_DISAGREE: { fields: 'systemTimeNs', maxNsDifference: 1500 },
  PVCLOCK_STABLE_BIT_CLEAR: {},
  PVCLOCK_GUEST_STOPPED: {},
  PVCLOCK_PAGE_NOT_IN_USE: { clocksource: 'tsc', stableBit: true },
  PVCLOCK_LAYOUT_UNVERIFIED: { detail: 'page 2 of [vvar]' },
  PVCLOCK_TORN_READ: { tornReads: 1, seconds: 5 },
  PVCLOCK_ODD_READS: { oddReads: 4 },
  CHECK_VDSO_UNMEASURED: {},
  CHECK_VDSO_OK: { monotonicNs: 28, realtimeNs: 29, syscallNs: 400 },
  CHECK_VDSO_FALLBACK: { monotonic: true, realtime: false, monotonicNs: 390, realtimeNs: 29, syscallNs: 400, clocksource: 'tsc' },
  CHECK_WARP_UNMEASURED: {},
  CHECK_WARP_ONE_CPU: { cpus: '0' },
  CHECK_WARP_HELD: { methods: 'monotonic,rdtscp', cpus: '0,1' },
  CHECK_WARP_ALLOWED: { method: 'rdtsc', warps: 12 },
  CHECK_WARP_BACKWARDS: { methods: 'rdtscp' },
  CHECK_WARP_WENT_BACK: { method: 'rdtscp', warps: 3, fromCpu: 1, toCpu: 0, amount: '1843', unit: 'cycles' },
  CHECK_TSC_OK: { kernelLogRead: true },
  CHECK_TSC_UNTRUSTED: { constantTsc: false, nonstopTsc: true, invariantTsc: true, tscAvailable: true, kernelLogSays: null },
  CHECK_PVCLOCK_NOT_KVM: {},
  CHECK_PVCLOCK_NO_PAGE: {},
  CHECK_PVCLOCK_OK: { vcpus: 2, seconds: 0.5 },
  CHECK_PVCLOCK_UNHEALTHY: { tornReads: 0, stableBit: false, recordsDisagree: false, differingFields: '', maxNsDifference: 0 },
  CHECK_CLOCKSOURCE_NONE: { basis: 'none-qualifies', storedLevel: null, storedClocksource: null, storedReason: null, from: null, tscKind: null, tscOption: null },
  CHECK_CLOCKSOURCE_OK: { current: 'tsc', basis: 'tsc-sound', storedLevel: null, storedClocksource: null, storedReason: null, from: null, tscKind: null, tscOption: null },
  CHECK_CLOCKSOURCE_DIFFERS: { current: 'kvm-clock', recommended: 'tsc', basis: 'tsc-sound', storedLevel: null, storedClocksource: null, storedReason: null, from: null, tscKind: null, tscOption: null },
  CHECK_DISTURBANCE_OK: { stealPercent: 0.1, loadAverage: 0.5 },
  CHECK_DISTURBANCE_STEAL: { stealPercent: 12 },
  CHECK_TIMESYNC_UNREAD: { error: 'adjtimex: Operation not permitted' },
  CHECK_TIMESYNC_OK: { daemons: 'chrony', maxErrorUs: 1500, estErrorUs: 20, offsetNs: -3200 },
  CHECK_TIMESYNC_UNSYNCED: { daemons: '', ptpKvm: 'ptp0', kvm: true, maxErrorUs: 16_000_000 },
  COMPARE_KERNEL_CHOICE: { clocksource: 'kvm-clock', basis: 'tsc-withheld', storedLevel: null, storedClocksource: null, storedReason: null, from: null, tscKind: 'boot-parameter', tscOption: 'tsc=unstable' },
  TSC_WITHHELD: { kind: 'boot-parameter', reason: 'boot parameter', timeS: 0.075084, option: 'tsc=unstable', contradiction: true, clocksourceAsked: 'kvm-clock', watchdogClock: null, watchdogAgainst: null, skewNs: null, wdNsec: null, cpu: null, warpCycles: null, fromCpu: null, toCpu: null, logRead: true, flagsGood: true },
  CHECK_TSC_WITHHELD: { ...{ kind: 'boot-parameter', reason: 'boot parameter', timeS: 0.075084, option: 'tsc=unstable', contradiction: true, clocksourceAsked: 'kvm-clock', watchdogClock: null, watchdogAgainst: null, skewNs: null, wdNsec: null, cpu: null, warpCycles: null, fromCpu: null, toCpu: null, logRead: true, flagsGood: true }, kind: 'watchdog', reason: 'clocksource watchdog', option: null, watchdogClock: 'tsc', watchdogAgainst: 'acpi_pm', skewNs: 4687076445, wdNsec: 633206175, cpu: 0 },
  HYPERVISOR_NESTED: { kernelSays: 'PVM', cpuidSignature: 'bhyve bhyve', cpuidName: 'bhyve', clocksource: 'kvm-clock', clockFrom: 'PVM' },
  VM_FORKED: { forkS: 1.218063, forks: 1, rewritten: false, oldestSystemTimeS: 0.9 },
  CHECK_PVCLOCK_UNREADABLE: { clocksource: 'kvm-clock', state: 'not readable' },
  TSC_AUX_NOT_CPU: { instructions: 'rdtscp,rdpid', offered: false, values: '292,310', cpus: '0-1', never: true, wrong: 12, reads: 12, kernelSees: false },
  INSTRUCTION_HIDDEN_EXECUTES: { instructions: 'rdtscp,rdpid', cpuidBits: 'CPUID.80000001H:EDX[27] and CPUID.(EAX=7,ECX=0):ECX[22]' },
  CHECK_TSC_AUX: { misleading: 'rdtscp,rdpid', hidden: 'rdtscp,rdpid', values: '292,310', never: true },
  SYSCALL_READ_COSTLY: { method: 'monotonic', nsPerLoop: 26, syscallMethod: 'sys_monotonic', syscallNsPerLoop: 1250, ratio: 48 },
  CHECK_REPLAY_NOT_MEASURED: { dir: 'test/fixtures/machines/pvm-on-bhyve-amd' },
};

const codes = Object.keys(FINDING_ARGS).filter(isFindingCode);

describe('the sentence table', () => {
  it.each(codes)('%s has a sentence, and its sample arguments fit its code', (code: FindingCode) => {
    const p = phrase({ code, severity: 'info', args: SAMPLES[code] });
    expect(p.text).not.toMatch(new RegExp(`^${code} `));
    expect(p.text).not.toMatch(/undefined|NaN|\[object/);
    expect(p.advice ?? '').not.toMatch(/undefined|NaN|kernel-facts/);
  });

  it('shows a code it does not know, or arguments that do not fit, as they are', () => {
    expect(phrase({ code: 'FROM_THE_FUTURE', severity: 'warn', args: { x: 1 } })).toEqual({ text: 'FROM_THE_FUTURE {"x":1}', advice: null });
    expect(phrase({ code: 'BENCH_STEAL', severity: 'warn', args: { stealPercent: 'lots' } }).text).toBe('BENCH_STEAL {"stealPercent":"lots"}');
  });

  it('has a title for every check', () => {
    expect(Object.keys(CHECK_TITLES)).toEqual(['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'timesync', 'disturbance']);
  });
});

/** A check result around one raw verdict, phrased. */
function phrased(name: CheckResultRawT['checks'][number]['name'], v: CheckJudgement) {
  const { checks: _, ...rest } = checkResult();
  const raw: CheckResultRawT = { ...rest, checks: [{ name, ...v, elapsedMs: 5 }] };
  const r = phraseCheck(raw);
  expect(CheckResult.safeParse(r).success).toBe(true);
  const c = r.checks[0];
  if (!c) throw new Error('no check');
  return c;
}

const measured = (method: string, minNsPerLoop: number): BenchResultT['methods'][number] => {
  const m = benchResult().methods[0];
  if (m?.status !== 'measured') throw new Error('fixture');
  return { ...m, method, summary: { ...m.summary, minNsPerLoop } };
};

describe('check: codes phrase as the judge wrote them', () => {
  it('a vDSO that fell back on kvm-clock', () => {
    const bench = { ...benchResult(), methods: [measured('sys_monotonic', 400), measured('monotonic', 390), measured('realtime', 391)] };
    const judged = judgeVdso(bench, 'kvm-clock');
    const c = phrased('vdso', judged);
    expect(c).toMatchObject({
      name: 'vdso',
      title: 'clock_gettime stays in the vDSO',
      status: 'fail',
      summary: 'monotonic and realtime cost like the system call (monotonic 390.0 ns, realtime 391.0 ns, syscall 400.0 ns): the vDSO fell back',
      advice:
        'on kvm-clock the vDSO falls back when the pvclock page lacks PVCLOCK_TSC_STABLE_BIT (arch/x86/include/asm/vdso/gettimeofday.h, vread_pvclock); run `clocklab pvclock`; a clocksource with a vDSO mode (tsc, or kvm-clock with the stable bit) restores ~10x cheaper reads',
      evidence: { monotonicNs: 390, realtimeNs: 391, sysMonotonicNs: 400, clocksource: 'kvm-clock' },
    });
    // The judge returns codes; the sentences above come from them alone.
    expect(judged.findings[0]).toMatchObject({ code: 'CHECK_VDSO_FALLBACK', severity: 'fail', args: { monotonic: true, realtime: true } });
    expect(c).not.toHaveProperty('findings');
  });

  it('warps: held with an allowed one, and two methods that went backwards', () => {
    expect(phrased('warp', judgeWarp(warpResult(false))).summary).toBe('rdtscp, monotonic held across CPUs 0,1; rdtsc 12 warps (allowed by its contract)');
    const base = warpResult(true);
    const monotonic = base.methods[2];
    if (monotonic?.status !== 'measured') throw new Error('fixture');
    const twice = { ...base, methods: [...base.methods, { ...monotonic, method: 'boottime', largest: null }] };
    const judgedTwice = judgeWarp(twice);
    const failed = phrased('warp', judgedTwice);
    expect(failed.summary).toBe('time went backwards across CPUs: monotonic: cpu 1 -> cpu 0 1843 ns backwards (3 warps); boottime: 3 warps');
    expect(failed.advice).toBe('applications will see time go backwards; switch to a clocksource that holds (`clocklab compare --warp`) and report the host');
    expect(judgedTwice.findings.map((f) => f.code)).toEqual(['CHECK_WARP_BACKWARDS', 'CHECK_WARP_WENT_BACK', 'CHECK_WARP_WENT_BACK']);
  });

  it('an untrusted TSC', () => {
    const m = { ...machine, tscFlags: { ...machine.tscFlags, constant_tsc: false, invariantTsc: false } };
    const c = phrased('tsc', judgeTsc(m, '[ 1.0] clocksource: Marking TSC unstable due to clocksource watchdog'));
    expect(c.summary).toBe('TSC: no constant_tsc; no invariant TSC (CPUID 0x80000007 EDX[8]); the kernel log says "Marking TSC unstable due to clocksource watchdog"');
    expect(c.advice).toBe('do not rely on the TSC here: keep kvm-clock (or the best-rated clocksource) and treat raw TSC reads as CPU-local');
  });

  it('a pvclock page with a torn read and records that disagree: the torn read advises', () => {
    const p = {
      records: [{}, {}],
      vdso: { stableBit: true, currentClocksource: 'kvm-clock', pageInUse: true },
      agreement: { sameParameters: false, differingFields: ['systemTimeNs'], commonTsc: '1', maxNsDifference: 1500 },
      watch: { seconds: 0.5, counts: [{ tornReads: 2 }] },
    } as unknown as PvclockResultT;
    const c = phrased('pvclock', judgePvclock(p));
    expect(c.summary).toBe("2 torn read(s): a record changed under an unchanged even version; the vCPUs' records disagree (systemTimeNs; up to 1500 ns)");
    expect(c.advice).toBe('the host writes the pvclock page without the version protocol (arch/x86/kvm/x86.c, kvm_setup_guest_pvclock); report the host kernel');
  });

  it('the clocksource against a stored comparison, and against the TSC flags', () => {
    const stored = recommendationFromCompare({ recommendation: { level: 'recommend', clocksource: 'kvm-clock', reasons: ['kvm-clock was faster', 'more'] } } as never, 'old.json');
    const c = phrased('clocksource', judgeClocksource(machine, stored.value));
    expect(c.summary).toBe('tsc is in use, but kvm-clock is recommended (a stored comparison recommends kvm-clock: kvm-clock was faster (from old.json))');
    expect(c.advice).toBe('switch with `echo kvm-clock > /sys/devices/system/clocksource/clocksource0/current_clocksource`, or boot with clocksource=kvm-clock');
    // The evidence keeps its basis, in words, where it always was.
    expect(c.evidence).toEqual({ current: 'tsc', recommended: 'kvm-clock', basis: 'a stored comparison recommends kvm-clock: kvm-clock was faster (from old.json)' });
    const none = recommendationFromCompare({ recommendation: { level: 'none', clocksource: null, reasons: ['only tsc was measured.', 'x'] } } as never, 'old.json');
    expect(phrased('clocksource', judgeClocksource(machine, none.value)).summary).toBe('no recommendation: the stored comparison made no recommendation: only tsc was measured. x (from old.json)');
    expect(phrased('clocksource', judgeClocksource(machine, recommendFromTsc(machine))).summary).toBe(
      'tsc is in use, as recommended (the TSC is constant, non-stop and invariant, so tsc reads in the vDSO without the pvclock indirection)',
    );
  });
});

describe('compare: reasons from codes', () => {
  it('fills reasons in the order of the findings, keeping every field of the old schema', () => {
    const findings = [
      finding('COMPARE_CONTROL_DRIFT', 'info', { method: 'rdtscp', drift: 0.3 }),
      finding('COMPARE_CLOCK', 'info', { method: 'realtime', fastest: 'tsc', slowest: 'kvm-clock', fastestNsPerLoop: 20.004, slowestNsPerLoop: 40.5, ratio: 2.0245, rounds: 3, roundsWon: 2, clear: false, ratioLow: 0.97, ratioHigh: 2.4 }),
      finding('COMPARE_NOT_CLEAR', 'info', { clocksource: 'tsc', noDifference: true, minRatio: 1.3, original: 'kvm-clock' }),
    ];
    const raw = { schema: 'clocklab/1', command: 'compare', recommendation: { level: 'none', clocksource: null, clocks: [], safety: [], findings } } as unknown as CompareResultRawT;
    const r = phraseCompare(raw);
    expect(Object.keys(r.recommendation)).toEqual(['level', 'clocksource', 'clocks', 'safety', 'reasons']);
    expect(r.recommendation.reasons).toEqual([
      "rdtscp, which does not read the clocksource, differs by 30% between clocksources: that is this run's noise, and a clock's difference must exceed it",
      'realtime: tsc 20.00 ns/loop against kvm-clock 40.50 ns/loop (kvm-clock 2.02x [0.97, 2.40] slower: the 95% interval includes 1, no measurable difference)',
      "no measurable difference between the clocksources (a 95% interval of the ratio includes 1): not enough evidence to recommend a change from 'kvm-clock'; run more --runs or --rounds, on a quieter machine",
    ]);
    // The codes stay with the runner: report.json keeps the schema it had.
    expect(r.recommendation).not.toHaveProperty('findings');
  });

  it('the other reasons', () => {
    const text = (f: ReturnType<typeof finding>): string => phrase(f).text;
    expect(text(finding('COMPARE_ONE_CLOCKSOURCE', 'info', { clocksource: null }))).toBe('only no clocksource was measured; a recommendation needs two to compare');
    expect(text(finding('COMPARE_CLOCKS_UNMEASURED', 'warn', { methods: 'monotonic,realtime' }))).toBe('monotonic and realtime not measured on every clocksource; include them in --methods');
    expect(text(finding('COMPARE_CLOCKS_DISAGREE', 'info', { methods: 'monotonic,realtime' }))).toBe(
      'monotonic and realtime disagree on which clocksource is faster: not enough evidence to recommend either',
    );
    expect(text(finding('COMPARE_UNSAFE', 'warn', SAMPLES.COMPARE_UNSAFE))).toBe('tsc is faster but not safe here: warp check (went backwards across CPUs: monotonic)');
    expect(text(finding('COMPARE_SAFETY_UNKNOWN', 'info', SAMPLES.COMPARE_SAFETY_UNKNOWN))).toBe('tsc: warp check unknown (not run (add --warp))');
    expect(text(finding('COMPARE_STEAL_DISTURBED', 'warn', SAMPLES.COMPARE_STEAL_DISTURBED))).toBe('steal time above 5% during tsc, kvm-clock: the figures are disturbed');
    expect(text(finding('COMPARE_ALREADY_CURRENT', 'info', SAMPLES.COMPARE_ALREADY_CURRENT))).toBe('tsc is already the current clocksource: nothing to change');
  });
});

describe('warp: the self-test reason from its code', () => {
  const raw = (f: ReturnType<typeof finding>, passed: boolean): WarpResultRawT => {
    const { selfTest: _, ...rest } = warpResult();
    return { ...rest, selfTest: { skewCycles: 100_000, skewCpu: 1, warps: 12, largestCycles: 99_500, toCpu: 1, fromCpu: 0, passed, finding: f } };
  };
  const reason = (r: WarpResultT): string | undefined => r.selfTest?.reason;

  it.each([
    [finding('WARP_SELF_TEST_FOUND', 'info', SAMPLES.WARP_SELF_TEST_FOUND), true, 'found 12 warps into CPU 1, the largest 99500 cycles: 0.5% from the skew of 100000 cycles'],
    [finding('WARP_SELF_TEST_OFF', 'fail', SAMPLES.WARP_SELF_TEST_OFF), false, 'the largest warp, 80000 cycles, is 20.0% away from the skew of 100000 cycles (tolerance 10%)'],
    [finding('WARP_SELF_TEST_STRAY', 'fail', SAMPLES.WARP_SELF_TEST_STRAY), false, 'warps between unexpected CPUs: cpu 1 -> cpu 0 (2 warps)'],
    [finding('WARP_SELF_TEST_MISSED', 'fail', SAMPLES.WARP_SELF_TEST_MISSED), false, 'no warp found, though CPU 1 was skewed by 100000 cycles'],
    [finding('WARP_SELF_TEST_NO_SKEW', 'fail', {}), false, 'no warps, as expected with no skew (nothing to find)'],
    [finding('WARP_SELF_TEST_UNMEASURED', 'fail', { reason: null }), false, 'nothing was measured'],
    [finding('WARP_SELF_TEST_UNMEASURED', 'fail', { reason: 'skewed_rdtscp needs rdtscp' }), false, 'skewed_rdtscp needs rdtscp'],
  ])('%o', (f, passed, text) => {
    const r = phraseWarp(raw(f, passed));
    expect(reason(r)).toBe(text);
    expect(r.selfTest).not.toHaveProperty('finding');
    expect(WarpResult.safeParse(r).success).toBe(true);
  });

  it('a run without a self-test stays without one', () => {
    const { selfTest: _, ...rest } = warpResult();
    expect(phraseWarp({ ...rest, selfTest: null }).selfTest).toBeNull();
  });
});


// tsc.test.ts: does `clocklab tsc`'s runner measure this machine's TSC rate
// to within its interval of what the kernel says, find the self-test's
// planted 100 ppm on that CPU alone, judge the evidence as the verdict says,
// and refuse bad input? On this machine where the kernel's clock derives from
// the TSC (tsc, or kvm-clock with the pvclock stable bit).
import { describe, expect, it } from 'vitest';
import { UnsupportedError, UsageError } from '../src/errors.js';
import { FINDING_ARGS } from '../src/findings/codes.js';
import { phrase } from '../src/findings/sentences.js';
import { TSC_FINDING_ARGS } from '../src/findings/tsc-codes.js';
import { FEATURE_BITS, loadBinding } from '../src/native/binding.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { claimAgrees } from '../src/runners/tsc/fit.js';
import { judgeTscRate, type TscEvidence } from '../src/runners/tsc/judge.js';
import { runTscRate, TSC_SELF_TEST, type TscRunOptions } from '../src/runners/tsc/run.js';
import { TscResult, type TscCpuRateT, type TscRateT } from '../src/results/tsc.js';
import { unmet } from './helpers/needs.js';
import { replayInputs } from '../src/probes/replay.js';

const base: TscRunOptions = { cpus: null, durationSeconds: 1, offsets: false, fence: false, selfTest: null };

describe('the rate on this machine', () => {
  it.skipIf(unmet({ x86: true }))("every CPU's rate against CLOCK_MONOTONIC_RAW lies within its interval of the kernel's and pvclock's claims where the kernel's clock derives from the TSC", async () => {
    const r = await runTscRate({ ...base, durationSeconds: 2, offsets: true });
    expect(TscResult.parse(r)).toBeTruthy();
    expect(r.rates.map((x) => x.cpu)).toEqual(onlineCpus());
    for (const x of r.rates) {
      expect(x.monotonicRaw.samples).toBe(9);
      expect(x.monotonicRaw.halfWidthHz / x.monotonicRaw.hz).toBeLessThan(1e-6);
      expect(x.monotonicRaw.bracketMinCycles).toBeGreaterThan(0);
    }
    if (!r.verdict.kernel.derivesFromTsc) return;
    const kernel = r.claims.filter((c) => c.source === 'kernel-detected' || c.source === 'kernel-detected-tsc' || c.source === 'kernel-refined' || c.source === 'pvclock');
    expect(kernel.length).toBeGreaterThan(0);
    // The clock the kernel reads scales by its own figure: kvm-clock by the
    // pvclock record's mul and shift; tsc by the last calibration it logged
    // (the pvclock record may then differ: the host's figure, not the guest's).
    const onPvclock = r.verdict.kernel.clocksource === 'kvm-clock';
    const used = (onPvclock ? r.claims.find((c) => c.source === 'pvclock') : undefined) ?? r.claims.find((c) => c.source === 'kernel-refined') ?? kernel.find((c) => c.source !== 'pvclock') ?? kernel[0];
    for (const x of r.rates) expect(claimAgrees(used ?? { hz: 0, resolutionHz: 0 }, x.monotonicRaw), `cpu ${x.cpu}: ${x.monotonicRaw.hz} Hz vs ${used?.source} ${used?.hz}`).toBe(true);
    expect(r.verdict.usable).toBe(true);
    expect(r.verdict.everyCpuSameRate).not.toBe(false);
    expect(r.verdict.offsets.measured).toBe(r.rates.length > 1);
    expect(r.findings[0]?.code).toBe('TSC_USABLE');
    // No time daemon on these guests: MONOTONIC runs at RAW's rate, as adjtimex says.
    if (r.daemon.adjtimexPpm === 0) expect(r.daemon.agrees).toBe(true);
  });

  it.skipIf(unmet({ x86: true }))('takes its TSC reads with the ordered read CPUID offers: RDTSCP, else LFENCE;RDTSC', async () => {
    const r = await runTscRate({ ...base, cpus: [0], durationSeconds: 0.3 });
    expect(r.rates[0]?.read).toBe(loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc');
  });
});

describe('the native sample', () => {
  it.skipIf(unmet({ x86: true }))('is bracketed, and refuses a CPU without LFENCE with a clear error, never SIGILL', () => {
    const b = loadBinding();
    const s = b.tscClockSample(4, 100);
    expect(s.tscAfter).toBeGreaterThan(s.tscBefore);
    expect(s.planted).toBe(false);
    try {
      b.maskFeatures(FEATURE_BITS.sse2);
      expect(() => b.tscClockSample(4, 10)).toThrow(/lfence is not available on this CPU \(CPUID\.01H:EDX\[26\] is clear\)/);
      b.maskFeatures(FEATURE_BITS.rdtscp);
      expect(b.tscClockSample(4, 10).read).toBe('lfence_rdtsc');
    } finally {
      b.maskFeatures(0);
    }
  });

  it.skipIf(unmet({ x86: true }))('plants its scale only on the CPU named, about the base given', () => {
    const b = loadBinding();
    const previous = b.getAffinity();
    try {
      b.pinToCpu(0);
      const base = b.rdtsc();
      const plain = b.tscClockSample(4, 10, 1, 1e6, base);
      expect(plain.planted).toBe(false);
      const planted = b.tscClockSample(4, 10, 0, 1e6, base);
      expect(planted.planted).toBe(true);
      // About base 0, 1e6 ppb (0.1%) makes every TSC value a thousandth larger than the counter's.
      const scaled = b.tscClockSample(4, 10, 0, 1e6, 0n);
      const now = b.rdtsc();
      expect(scaled.tscBefore > now + now / 2000n).toBe(true);
      expect(scaled.tscBefore < now + now / 500n).toBe(true);
      expect(() => b.tscClockSample(4, 0)).toThrow(RangeError);
      expect(() => b.tscClockSample(4, 10, 0, 1.5, base)).toThrow(RangeError);
    } finally {
      b.setAffinity(previous);
    }
  });
});

describe('the self-test', () => {
  it.skipIf(unmet({ x86: true, cpus: 2 }))('finds the planted 100 ppm within its interval, on that CPU alone', async () => {
    const r = await runTscRate({ ...base, durationSeconds: 2, selfTest: TSC_SELF_TEST });
    const s = r.selfTest;
    expect(s?.cpu).toBe(r.options.cpus[1]);
    expect(s?.passed).toBe(true);
    expect(Math.abs((s?.measured?.ppm ?? 0) - 100)).toBeLessThanOrEqual(s?.measured?.halfWidthPpm ?? 0);
    expect(s?.others.every((o) => !o.planted && Math.abs(o.ppm) < 1)).toBe(true);
    expect(r.rates.filter((x) => x.planted).map((x) => x.cpu)).toEqual([s?.cpu]);
    const line = r.findings.find((f) => f.code === 'TSC_SELF_TEST_FOUND');
    expect(line && phrase(line).text).toMatch(/^\[OK\] {3}self-test: \+100 ppm planted on cpu \d+, measured \+(99\.9|100\.0)\d\d ppm/);
  });

  it.skipIf(unmet({ x86: true, cpus: 2 }))('a plant of -250 ppm on CPU 0 comes out at -250 ppm', async () => {
    const r = await runTscRate({ ...base, durationSeconds: 1, selfTest: { ppm: -250, cpu: 0 } });
    expect(r.selfTest?.passed).toBe(true);
    expect(r.selfTest?.measured?.ppm).toBeCloseTo(-250, 1);
  });
});

describe('bad input', () => {
  it.skipIf(unmet({ x86: true }))('a duration out of range, a CPU not online, a self-test without a second CPU: UsageError', async () => {
    for (const d of [0, 0.05, 3601, Number.NaN]) await expect(runTscRate({ ...base, durationSeconds: d })).rejects.toThrow(UsageError);
    await expect(runTscRate({ ...base, durationSeconds: 0 })).rejects.toThrow(/durationSeconds.*0\.1 to 3600/);
    await expect(runTscRate({ ...base, cpus: [4095] })).rejects.toThrow(/CPU 4095 is not online/);
    await expect(runTscRate({ ...base, cpus: [-1] })).rejects.toThrow(UsageError);
    await expect(runTscRate({ ...base, cpus: [0], selfTest: TSC_SELF_TEST })).rejects.toThrow(/needs at least two CPUs/);
    await expect(runTscRate({ ...base, selfTest: { ppm: 100, cpu: 4095 } })).rejects.toThrow(UsageError);
    await expect(runTscRate({ ...base, points: 2 })).rejects.toThrow(UsageError);
  });

  it.skipIf(unmet({ x86: true }))('a replay measures nothing and refuses the self-test, which needs a machine to measure', async () => {
    const inputs = replayInputs('test/fixtures/machines/pvm-on-bhyve-amd');
    await expect(runTscRate({ ...base, inputs, selfTest: TSC_SELF_TEST })).rejects.toThrow(/a replay of .* has nothing to measure/);
  });
});

describe('a capture replayed: its claims alone', () => {
  it.skipIf(unmet({ x86: true }))("the PVM guest's kernel log and pvclock record agree on 2096.038 MHz; tsc withheld by a boot parameter, TSC_AUX never the CPU", async () => {
    const r = await runTscRate({ ...base, inputs: replayInputs('test/fixtures/machines/pvm-on-bhyve-amd') });
    expect(TscResult.parse(r)).toBeTruthy();
    expect(r.rates).toEqual([]);
    expect(r.options.machine).toBe('test/fixtures/machines/pvm-on-bhyve-amd');
    expect(r.claims.map((c) => [c.source, Math.round(c.hz / 1e3)])).toEqual([['kernel-detected', 2096038], ['pvclock', 2096038]]);
    expect(r.claims.every((c) => c.ppm === null && c.agrees === null)).toBe(true);
    expect(r.verdict).toMatchObject({ usable: false, kernel: { clocksource: 'kvm-clock', offered: false, withheldKind: 'boot-parameter', derivesFromTsc: true }, tscAux: { namesCpu: 'never', offered: false } });
    expect(r.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['TSC_KERNEL_NOT_USING', 'TSC_AUX_NOT_CPU', 'INSTRUCTION_HIDDEN_EXECUTES']));
    expect(r.findings.map((f) => f.code)).not.toContain('TSC_NOT_USABLE');
  });
});

/** A rate of `mhz` with a half-width of `ppb`. */
const rate = (mhz: number, ppb = 10): TscRateT => ({ hz: mhz * 1e6, halfWidthHz: mhz * ppb * 1e-3, samples: 9, spanNs: 2e9, bracketMinCycles: 84, bracketMaxCycles: 90, reducedChi2: 0.01 });
const cpu = (n: number, mhz: number, planted = false): TscCpuRateT => ({
  cpu: n,
  read: 'lfence_rdtsc',
  monotonicRaw: rate(mhz),
  monotonic: rate(mhz),
  realtime: rate(mhz),
  correction: { ppm: 0, halfWidthPpm: 0.02 },
  planted,
});
const evidence = (over: Partial<TscEvidence> = {}): TscEvidence => ({
  rates: [cpu(0, 2096.038), cpu(1, 2096.038)],
  claims: [{ source: 'kernel-detected', hz: 2096.038e6, resolutionHz: 1e3, detail: '' }],
  flags: { invariantTsc: true, constant_tsc: true, nonstop_tsc: true },
  clocksources: { available: ['tsc', 'kvm-clock'], current: 'tsc' },
  withheld: null,
  pvclockStable: null,
  tscAux: null,
  auxFindings: [],
  offsets: [{ cpuA: 0, cpuB: 1, offsetCycles: 20, errorCycles: 200, samples: 1000 }],
  fence: null,
  timex: null,
  selfTest: null,
  ...over,
});
const codes = (e: TscEvidence): string[] => judgeTscRate(e).findings.map((f) => `${f.severity} ${f.code}`);

describe('the verdict, on hand-made evidence', () => {
  it('usable: one rate, a claim that agrees, offsets within their bound', () => {
    const j = judgeTscRate(evidence());
    expect(j.verdict).toMatchObject({ usable: true, source: 'kernel-detected', everyCpuSameRate: true, frequencyHz: 2096.038e6 });
    expect(codes(evidence())).toEqual(['info TSC_USABLE']);
  });

  it('rates that differ by 12 ppm: not usable', () => {
    const e = evidence({ rates: [cpu(0, 2096.038), cpu(1, 2096.038 * (1 + 12e-6))] });
    expect(judgeTscRate(e).verdict.everyCpuSameRate).toBe(false);
    expect(codes(e)).toEqual(expect.arrayContaining(['fail TSC_NOT_USABLE', 'fail TSC_RATES_DIFFER']));
  });

  it('rates 0.5 ppm apart, beyond their tiny intervals but under the 1 ppm floor: one rate', () => {
    expect(judgeTscRate(evidence({ rates: [cpu(0, 2096.038), cpu(1, 2096.038 * (1 + 0.5e-6))] })).verdict.everyCpuSameRate).toBe(true);
  });

  it('an offset beyond its bound, a TSC that is not invariant: not usable, each said', () => {
    const e = evidence({ offsets: [{ cpuA: 0, cpuB: 1, offsetCycles: -5000, errorCycles: 200, samples: 1000 }], flags: { invariantTsc: false, constant_tsc: true, nonstop_tsc: false } });
    const j = judgeTscRate(e);
    expect(j.verdict.offsets.beyondBound).toBe(true);
    expect(j.verdict.offsets.largestNs).toBeCloseTo((-5000 * 1e9) / 2096.038e6, 3);
    expect(codes(e)).toEqual(['fail TSC_NOT_USABLE', 'fail TSC_NOT_INVARIANT', 'fail TSC_OFFSET_BEYOND_BOUND']);
    expect(phrase(j.findings[0] ?? { code: '', severity: 'info', args: {} }).text).toMatch(/offset .* not invariant/);
  });

  it('a refined calibration 18.6 ppm off: the claim disagrees, the measured rate is used', () => {
    const e = evidence({ claims: [{ source: 'kernel-refined', hz: 2096.038e6 * (1 - 18.6e-6), resolutionHz: 1e3, detail: '' }] });
    const j = judgeTscRate(e);
    expect(j.verdict.source).toBe('measured');
    expect(j.claims[0]?.ppm).toBeCloseTo(-18.6, 3);
    expect(codes(e)).toEqual(['info TSC_USABLE', 'warn TSC_CLAIM_DISAGREES']);
  });

  it('the kernel on kvm-clock with the stable bit, tsc withheld by a boot parameter: said, still usable', () => {
    const e = evidence({
      clocksources: { available: ['kvm-clock'], current: 'kvm-clock' },
      pvclockStable: true,
      withheld: { kind: 'boot-parameter', reason: 'boot parameter', timeS: 0.07, measured: false, option: 'tsc=unstable', watchdog: null, sync: null },
    });
    const j = judgeTscRate(e);
    expect(j.verdict.kernel).toMatchObject({ usesTsc: false, derivesFromTsc: true, withheldKind: 'boot-parameter' });
    expect(codes(e)).toEqual(['info TSC_USABLE', 'info TSC_KERNEL_NOT_USING']);
  });

  it("the time daemon's correction beside adjtimex's", () => {
    const moved = { ...cpu(0, 2096.038), correction: { ppm: 18.6, halfWidthPpm: 0.02 } };
    const j = judgeTscRate(evidence({ rates: [moved], offsets: null, timex: { state: 0, status: 0, offsetNs: 0, maxErrorUs: 0, estErrorUs: 0, freqPpm16: Math.round(18.6 * 65536), taiSeconds: 0 } }));
    expect(j.daemon).toMatchObject({ agrees: true });
    expect(j.daemon.adjtimexPpm).toBeCloseTo(18.6, 4);
    expect(j.findings.map((f) => f.code)).toContain('TSC_DAEMON_CORRECTION');
  });
});

describe('the fence, from order\'s load->read for a plain RDTSC', () => {
  const fence = (beyondBound: number) => ({ measured: true, needed: beyondBound > 0, cpus: [0, 1], samples: 2e7, violations: beyondBound * 100, beyondBound, worstNs: beyondBound > 0 ? 79.3 : null, boundNs: 40 });
  it('reads ahead beyond the bound: a warning that says to fence, still usable', () => {
    const j = judgeTscRate(evidence({ fence: fence(10) }));
    expect(j.verdict.fence).toMatchObject({ measured: true, needed: true, beyondBound: 10 });
    expect(codes(evidence({ fence: fence(10) }))).toEqual(['info TSC_USABLE', 'warn TSC_FENCE']);
    const f = j.findings.find((x) => x.code === 'TSC_FENCE');
    expect(phrase(f ?? { code: '', severity: 'info', args: {} }).advice).toMatch(/LFENCE;RDTSC or RDTSCP/);
  });
  it('not seen: said as not seen, never as promised', () => {
    const j = judgeTscRate(evidence({ fence: fence(0) }));
    expect(j.verdict.fence.needed).toBe(false);
    expect(phrase(j.findings.find((x) => x.code === 'TSC_FENCE') ?? { code: '', severity: 'info', args: {} }).text).toMatch(/not seen .* do not promise/);
  });
  it('not run: nothing measured, nothing said', () => {
    expect(judgeTscRate(evidence()).verdict.fence).toMatchObject({ measured: false, needed: null });
  });
});

describe('the findings of clocklab tsc', () => {
  it('are registered under their own names, none shadowed by another command\'s code', () => {
    for (const [code, schema] of Object.entries(TSC_FINDING_ARGS)) expect(FINDING_ARGS[code as keyof typeof FINDING_ARGS], code).toBe(schema);
  });
});

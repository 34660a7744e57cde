// tsc-fit.test.ts: does the rate fit recover a known rate from bracketed
// samples, with a 95% interval that covers it about 95% of the time and
// owns scatter beyond the brackets? Synthetic samples, a seeded PRNG.
import { describe, expect, it } from 'vitest';
import { prng } from '../src/stats/interval.js';
import { claimAgrees, fitRate, pooledRate, ratesDiffer, ratioPpm, t975, type BracketedSample } from '../src/runners/tsc/fit.js';

/** Samples of a TSC at `hz` over `spanNs`, the clock read at a random point
 * inside each bracket of `width` cycles, plus `jitterNs` of clock scatter. */
function synth(hz: number, n: number, spanNs: number, width: number, rand: () => number, jitterNs = 0): BracketedSample[] {
  const out: BracketedSample[] = [];
  const base = 500_000_000_000n;
  for (let i = 0; i < n; i++) {
    const ns = 1_000_000_000 + (i * spanNs) / (n - 1);
    const tscAtRead = (ns * hz) / 1e9 + (rand() - 0.5) * 2 * jitterNs * (hz / 1e9);
    const before = Math.round(tscAtRead - rand() * width);
    out.push({ tscBefore: base + BigInt(before), clockNs: BigInt(Math.round(ns)), tscAfter: base + BigInt(before + width) });
  }
  return out;
}

describe('t975', () => {
  it("gives Student's t 0.975 quantiles", () => {
    expect(t975(1)).toBeCloseTo(12.706, 3);
    expect(t975(9)).toBeCloseTo(2.262, 3);
    expect(t975(20)).toBeCloseTo(2.086, 3);
    expect(t975(30)).toBeCloseTo(2.042, 3);
    expect(t975(120)).toBeCloseTo(1.98, 3);
    expect(t975(0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('fitRate', () => {
  it('recovers 2096.038 MHz over 2 s from 84-cycle brackets, to well under a ppm', () => {
    const f = fitRate(synth(2096.038e6, 11, 2e9, 84, prng(1)));
    expect(Math.abs(f.hz - 2096.038e6) / 2096.038e6).toBeLessThan(1e-7);
    expect(f.halfWidthHz).toBeGreaterThan(0);
    expect(f.halfWidthHz / f.hz).toBeLessThan(1e-7);
    expect(f.samples).toBe(11);
    expect(f.spanNs).toBe(2e9);
    expect(f.bracketMinCycles).toBe(84);
  });

  it('its 95% interval covers the true rate in about 95 of 100 runs', () => {
    const rand = prng(7);
    let covered = 0;
    for (let run = 0; run < 200; run++) {
      const f = fitRate(synth(3e9, 9, 1e9, 200, rand));
      if (Math.abs(f.hz - 3e9) <= f.halfWidthHz) covered++;
    }
    // The brackets' spread is the model's: coverage near 95%, never far below.
    expect(covered / 200).toBeGreaterThan(0.9);
  });

  it('widens its interval for scatter beyond the brackets (Birge ratio)', () => {
    const tight = fitRate(synth(2e9, 11, 1e9, 50, prng(3)));
    const scattered = fitRate(synth(2e9, 11, 1e9, 50, prng(3), 500));
    expect(scattered.reducedChi2).toBeGreaterThan(10);
    expect(scattered.halfWidthHz).toBeGreaterThan(5 * tight.halfWidthHz);
    expect(Math.abs(scattered.hz - 2e9)).toBeLessThanOrEqual(scattered.halfWidthHz);
  });

  it('refuses fewer than 3 samples, and samples spanning no time', () => {
    expect(() => fitRate(synth(2e9, 2, 1e9, 50, prng(1)))).toThrow(/at least 3/);
    const same = { tscBefore: 1n, clockNs: 5n, tscAfter: 3n };
    expect(() => fitRate([same, same, same])).toThrow(/no clock time/);
  });
});

describe('comparing rates and claims', () => {
  const a = { hz: 2096.038e6, halfWidthHz: 100 };
  it('ratioPpm: 100 ppm apart reads 100 ppm, half-widths in quadrature', () => {
    const r = ratioPpm({ hz: a.hz * 1.0001, halfWidthHz: 100 }, a);
    expect(r.ppm).toBeCloseTo(100, 6);
    expect(r.halfWidthPpm).toBeCloseTo(((Math.SQRT2 * 100) / a.hz) * 1e6, 4);
  });
  it('ratesDiffer: beyond the intervals and the floor only', () => {
    expect(ratesDiffer({ hz: a.hz * (1 + 5e-6), halfWidthHz: 100 }, a, 1)).toBe(true);
    expect(ratesDiffer({ hz: a.hz * (1 + 0.5e-6), halfWidthHz: 100 }, a, 1)).toBe(false);
    expect(ratesDiffer({ hz: a.hz + 50, halfWidthHz: 100 }, a, 0)).toBe(false);
  });
  it('pooledRate: the weighted mean, narrower than either', () => {
    const p = pooledRate([a, { hz: a.hz + 100, halfWidthHz: 100 }]);
    expect(p.hz).toBeCloseTo(a.hz + 50, 3);
    expect(p.halfWidthHz).toBeCloseTo(100 / Math.SQRT2, 6);
  });
  it("claimAgrees: within the rate's half-width plus half the claim's rounding", () => {
    expect(claimAgrees({ hz: 2096.038e6, resolutionHz: 1e3 }, { hz: 2096.0384e6, halfWidthHz: 10 })).toBe(true);
    expect(claimAgrees({ hz: 2096.038e6, resolutionHz: 1e3 }, { hz: 2096.0386e6, halfWidthHz: 10 })).toBe(false);
  });
});

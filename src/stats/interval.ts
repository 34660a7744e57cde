// interval.ts: the statistics. What is the median of some runs (the one median
// every module takes), and how sure is a ratio of two medians measured over
// runs? A 95% bootstrap interval, reproducible to the digit. Pure; used by the
// regression gate, bench's "x fastest clock" and compare's ratios between
// clocksources.
//
// Why a bootstrap of the ratio of medians, and not the other two designs the
// issue names:
// - Mann-Whitney U (google/benchmark's compare.py) answers "do the two sets
//   of runs differ at all?", with a p-value and no size. A gate with a
//   threshold needs "by how much, give or take": a 1% shift over 1000 quiet
//   runs is significant and harmless, a 40% one over 3 noisy runs is not
//   significant and matters. An interval answers both at once.
// - Kalibera and Jones ("Rigorous Benchmarking in Reasonable Time", 2013)
//   give an interval for the ratio of means from a random-effects model over
//   levels (process invocations, iterations). One bench is one invocation
//   per side, so the invocation level cannot be estimated from the data; the
//   model's normal approximation also needs more runs than the default 10,
//   and means follow the one preempted run that medians ignore.
// - The percentile bootstrap of median(b)/median(a) makes no assumption on
//   the shape of the runs (right-skewed: preemption only adds time), quotes
//   the same figure the tables quote (the median), and works for any run
//   count. Resampling is done within strata (compare's turns: one
//   clocksource in one round; a bench's two blocks), so the balance of every
//   resample is the one measured.
// The level that moves between invocations is cut at its source instead: the
// gate compares core cycles per read (src/regression/samples.ts, costOf),
// which took the spread of a method's change from one bench process to the
// next from 1.2-1.5 to 0.5-0.8 points here (bench/gate.ts, 20 processes).

/** The interval's coverage: a reader quotes a 95% interval. */
export const CONFIDENCE = 0.95;
/** Resamples per interval: the 2.5% and 97.5% quantiles of 2000 resamples
 * move by well under a tenth of a percent between seeds on 10-run benches. */
export const RESAMPLES = 2000;
/** The PRNG's seed: fixed, so one result always gives one interval (a report
 * rendered twice, a gate run again on the same files, a test). */
export const SEED = 0x16c10c;

export interface Interval {
  low: number;
  high: number;
}

/** The ratio of two medians and its interval. */
export interface RatioEstimate extends Interval {
  ratio: number;
}

/** mulberry32: a small, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The k-th smallest (0-based) of xs[0..n), reordering xs (quickselect). */
function select(xs: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i] = xs[j]!;
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k]!;
  }
  return xs[k]!;
}

/** The median of xs[0..n) (the mean of the middle two for an even n);
 * reorders xs. */
function medianInPlace(xs: Float64Array, n: number): number {
  const mid = n >>> 1;
  if (n % 2 === 1) return select(xs, n, mid);
  const upper = select(xs, n, mid);
  // After select, everything below index mid is <= upper: the lower middle is their largest.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (xs[i]! > lower) lower = xs[i]!;
  return (lower + upper) / 2;
}

/** The median of a non-empty list (the mean of the middle two for an even
 * count): bench's summary, compare's figures and the gate all take this one. */
export function median(values: readonly number[]): number {
  return medianInPlace(Float64Array.from(values), values.length);
}

/** The q-quantile of sorted values (linear between neighbours). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const lo = sorted[i]!;
  const hi = sorted[Math.min(i + 1, sorted.length - 1)]!;
  return lo + (hi - lo) * (pos - i);
}

/** Draws one resample of every stratum into `out` and returns its median. */
function resampledMedian(strata: readonly (readonly number[])[], out: Float64Array, rand: () => number): number {
  let n = 0;
  for (const s of strata) for (let i = 0; i < s.length; i++) out[n++] = s[Math.floor(rand() * s.length)]!;
  return medianInPlace(out, n);
}

const nonEmpty = (strata: readonly (readonly number[])[]): Array<readonly number[]> => strata.filter((s) => s.length > 0);

/**
 * median(numerator) / median(denominator) with its 95% percentile-bootstrap
 * interval. Each side is a list of strata (one list of runs for a plain
 * bench; one per turn for compare): a resample draws, with replacement, as
 * many runs from each stratum as it holds. The sides are resampled
 * independently (they are different runs). null when a side has no runs or a
 * median is not positive. The same inputs give the same interval, always.
 */
export function ratioOfMedians(numerator: readonly (readonly number[])[], denominator: readonly (readonly number[])[]): RatioEstimate | null {
  const num = nonEmpty(numerator);
  const den = nonEmpty(denominator);
  const nNum = num.reduce((s, x) => s + x.length, 0);
  const nDen = den.reduce((s, x) => s + x.length, 0);
  if (nNum === 0 || nDen === 0) return null;
  const top = median(num.flat());
  const bottom = median(den.flat());
  if (!(top > 0) || !(bottom > 0)) return null;
  const rand = prng(SEED);
  const bufNum = new Float64Array(nNum);
  const bufDen = new Float64Array(nDen);
  const ratios = new Float64Array(RESAMPLES);
  for (let i = 0; i < RESAMPLES; i++) ratios[i] = resampledMedian(num, bufNum, rand) / resampledMedian(den, bufDen, rand);
  ratios.sort();
  const tail = (1 - CONFIDENCE) / 2;
  return { ratio: top / bottom, low: quantile(ratios, tail), high: quantile(ratios, 1 - tail) };
}

/** The 95% interval of one median (resampling its runs), as a ratio to the
 * median itself: how far this median could be from the one another set of
 * runs like these would give. null without runs or with a median <= 0. */
export function medianInterval(strata: readonly (readonly number[])[]): RatioEstimate | null {
  const s = nonEmpty(strata);
  const n = s.reduce((t, x) => t + x.length, 0);
  if (n === 0) return null;
  const m = median(s.flat());
  if (!(m > 0)) return null;
  const rand = prng(SEED);
  const buf = new Float64Array(n);
  const meds = new Float64Array(RESAMPLES);
  for (let i = 0; i < RESAMPLES; i++) meds[i] = resampledMedian(s, buf, rand) / m;
  meds.sort();
  const tail = (1 - CONFIDENCE) / 2;
  return { ratio: 1, low: quantile(meds, tail), high: quantile(meds, 1 - tail) };
}

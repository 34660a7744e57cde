// fit.ts: from bracketed samples, how fast does the TSC tick against a clock,
// give or take? A weighted least-squares line of TSC against clock ns, each
// sample weighted by its bracket, with a 95% interval on the slope. Pure.
//
// Why this design: each sample says "the clock read `ns` while the TSC stood
// somewhere in [before, after]". Taking the bracket's middle as the TSC and
// the clock's ns as exact, the middle's error is at most half the bracket,
// and spread evenly within it if nothing else is known: a standard deviation
// of width / sqrt(12). A line through them by weighted least squares gives
// the slope (cycles per ns: GHz) and, from those deviations, its standard
// error. Where the points scatter more than their brackets allow (the time
// daemon slewing CLOCK_MONOTONIC tick by tick, a host rewriting a pvclock
// record) the error is scaled up by sqrt(chi^2 / dof), the Birge ratio, so
// the interval owns the scatter it sees and never claims less than the
// brackets. The 95% interval uses Student's t for n - 2 degrees of freedom.

/** One bracketed sample, as the addon returns it. */
export interface BracketedSample {
  tscBefore: bigint;
  clockNs: bigint;
  tscAfter: bigint;
}

export interface RateFit {
  /** TSC cycles per second of the clock. */
  hz: number;
  /** Half the 95% interval of hz. */
  halfWidthHz: number;
  /** The points fitted and the span of clock time they cover. */
  samples: number;
  spanNs: number;
  /** The narrowest and widest brackets, cycles. */
  bracketMinCycles: number;
  bracketMaxCycles: number;
  /** chi^2 / dof of the fit against the brackets (about 1 or less: the
   * points sit within their brackets of one line). */
  reducedChi2: number;
  /** The TSC the line gives at the first sample's clock ns, relative to that
   * sample's bracket middle (cycles); for a converter's offset. */
  interceptCycles: number;
}

/** Student's t two-sided 95% quantiles for 1..10 degrees of freedom. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** The 0.975 quantile of Student's t with `dof` degrees of freedom: the table
 * to 10, then the Cornish-Fisher expansion about the normal's 1.95996
 * (Abramowitz and Stegun 26.7.5), within 0.001 of the exact value beyond. */
export function t975(dof: number): number {
  if (dof < 1) return Number.POSITIVE_INFINITY;
  const d = Math.floor(dof);
  if (d <= T95.length) return T95[d - 1] ?? Number.POSITIVE_INFINITY;
  const z = 1.959964;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / d + g2 / d ** 2 + g3 / d ** 3;
}

/** The fit of TSC against clock ns. Needs at least 3 samples (one degree of
 * freedom) spanning some clock time; throws otherwise. */
export function fitRate(samples: readonly BracketedSample[]): RateFit {
  if (samples.length < 3) throw new Error(`a rate needs at least 3 samples, got ${samples.length}`);
  const first = samples[0] as BracketedSample;
  // Relative to the first sample, in doubles: 10^10 cycles and ns are exact.
  const mid0 = first.tscBefore + first.tscAfter;
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  let bmin = Number.POSITIVE_INFINITY;
  let bmax = 0;
  for (const s of samples) {
    const width = Number(s.tscAfter - s.tscBefore);
    bmin = Math.min(bmin, width);
    bmax = Math.max(bmax, width);
    xs.push(Number(s.clockNs - first.clockNs));
    ys.push(Number(s.tscBefore + s.tscAfter - mid0) / 2);
    // The bracket's even spread, plus the clock's own 1 ns step (about 2-4
    // cycles), so a zero-width bracket never weighs infinitely.
    const sd = Math.sqrt((width * width) / 12 + 4 / 12);
    ws.push(1 / (sd * sd));
  }
  let S = 0;
  let Sx = 0;
  let Sy = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = ws[i] ?? 0;
    S += w;
    Sx += w * (xs[i] ?? 0);
    Sy += w * (ys[i] ?? 0);
  }
  // Centred sums: the weighted mean of x and y first, for precision.
  const mx = Sx / S;
  const my = Sy / S;
  let Sxx = 0;
  let Sxy = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = ws[i] ?? 0;
    const dx = (xs[i] ?? 0) - mx;
    Sxx += w * dx * dx;
    Sxy += w * dx * ((ys[i] ?? 0) - my);
  }
  if (!(Sxx > 0)) throw new Error('the samples span no clock time');
  const slope = Sxy / Sxx;
  const intercept = my - slope * mx;
  let chi2 = 0;
  for (let i = 0; i < xs.length; i++) {
    const r = (ys[i] ?? 0) - intercept - slope * (xs[i] ?? 0);
    chi2 += (ws[i] ?? 0) * r * r;
  }
  const dof = xs.length - 2;
  const reducedChi2 = chi2 / dof;
  const se = Math.sqrt(1 / Sxx) * Math.sqrt(Math.max(1, reducedChi2));
  return {
    hz: slope * 1e9,
    halfWidthHz: t975(dof) * se * 1e9,
    samples: xs.length,
    spanNs: Math.max(...xs) - Math.min(...xs),
    bracketMinCycles: bmin,
    bracketMaxCycles: bmax,
    reducedChi2,
    interceptCycles: intercept,
  };
}

/** a / b - 1 in ppm, with the half-width from both relative half-widths
 * (taken as independent: the larger, conservative, where they are not). */
export function ratioPpm(a: { hz: number; halfWidthHz: number }, b: { hz: number; halfWidthHz: number }): { ppm: number; halfWidthPpm: number } {
  return {
    ppm: (a.hz / b.hz - 1) * 1e6,
    halfWidthPpm: Math.hypot(a.halfWidthHz / a.hz, b.halfWidthHz / b.hz) * 1e6,
  };
}

/** Whether two rates differ beyond their intervals (combined in quadrature)
 * and beyond `floorPpm`, a difference too small to matter whatever the
 * intervals say. */
export function ratesDiffer(a: { hz: number; halfWidthHz: number }, b: { hz: number; halfWidthHz: number }, floorPpm: number): boolean {
  const r = ratioPpm(a, b);
  return Math.abs(r.ppm) > r.halfWidthPpm && Math.abs(r.ppm) > floorPpm;
}

/** The inverse-variance weighted mean of rates: the one rate they share
 * where they agree. */
export function pooledRate(rates: ReadonlyArray<{ hz: number; halfWidthHz: number }>): { hz: number; halfWidthHz: number } {
  let sw = 0;
  let swx = 0;
  for (const r of rates) {
    const w = 1 / Math.max(r.halfWidthHz, 1e-9) ** 2;
    sw += w;
    swx += w * r.hz;
  }
  return { hz: swx / sw, halfWidthHz: 1 / Math.sqrt(sw) };
}

/** Whether a claim stated to `resolutionHz` agrees with a measured rate:
 * within the rate's half-width plus half the claim's own rounding. */
export function claimAgrees(claim: { hz: number; resolutionHz: number }, rate: { hz: number; halfWidthHz: number }): boolean {
  return Math.abs(claim.hz - rate.hz) <= rate.halfWidthHz + claim.resolutionHz / 2;
}

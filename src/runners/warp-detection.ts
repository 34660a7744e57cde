// warp-detection.ts: what could one warp run not have seen? A backward step
// shows only where it exceeds the forward step of the hand-off it lands on,
// so the smallest forward step and the hand-offs' count bound what a run
// that found nothing has shown.
import type { WarpDetectionT, WarpHandoffsT } from '../results/warp.js';

/** A power-of-two histogram's median bucket's lower edge (bucket 0 holds 0 and 1). */
function medianOfBuckets(buckets: readonly number[]): number {
  const total = buckets.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let b = 0; b < buckets.length; b++) {
    seen += buckets[b] ?? 0;
    if (seen * 2 >= total) return b === 0 ? 0 : 2 ** b;
  }
  return 0;
}

/** The detection limit of one method's run, from its cross-CPU hand-offs. */
export function detectionOf(
  matrix: readonly WarpHandoffsT[],
  buckets: readonly number[],
  warps: number,
  toNs: (amount: number) => number,
): WarpDetectionT | null {
  const handoffs = matrix.reduce((s, p) => s + p.handoffs, 0);
  const steps = matrix.flatMap((p) => (p.smallestStep === null ? [] : [p.smallestStep]));
  if (handoffs === 0 || steps.length === 0) return null;
  // A backward step shows only if it exceeds the forward step of the hand-off
  // it lands on; the smallest forward step bounds what could show at all.
  const smallestStep = Math.min(...steps) + 1;
  const medianHandOver = medianOfBuckets(buckets);
  return {
    smallestStep,
    smallestStepNs: toNs(smallestStep),
    medianHandOver,
    medianHandOverNs: toNs(medianHandOver),
    // No event in N independent trials: rate < 3/N at 95% (the rule of three).
    rateBound: warps === 0 ? 3 / handoffs : null,
  };
}

/** The CPUs that run at once, each group with its own state, for `seconds`. */

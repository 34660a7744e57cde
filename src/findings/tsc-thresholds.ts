// tsc-thresholds.ts: the limits at which `clocklab tsc`'s verdict changes,
// named once (beside ./thresholds.ts, which holds the other commands').

/** Two CPUs' TSC rates count as different only beyond their intervals AND
 * this many ppm. A part per million is a microsecond a second: under the
 * rounding of the kernel's own claim (1 kHz in 2 GHz, 0.5 ppm) and what any
 * program converting TSC deltas can notice, while the intervals of a few
 * seconds' run are tens of parts per billion, where a systematic difference
 * between two CPUs' clock reads (a cache line, a pvclock record of its own)
 * could stand out without mattering. */
export const TSC_RATE_FLOOR_PPM = 1;

/** The self-test's planted rate error: large against the intervals (tens of
 * ppb) and the floor, small enough to be a plausible calibration error
 * (a "Refined" kernel calibration lands tens of ppm from the host's). */
export const TSC_SELF_TEST_PPM = 100;

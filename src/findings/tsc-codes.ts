// tsc-codes.ts: which findings can `clocklab tsc` report, and what figures
// does each carry? Registered in ./codes.ts (spread into FINDING_ARGS), so
// finding(), argsOf() and the sentence table know them like any other code.
import { z } from 'zod';

const s = z.string();
const n = z.number();
const b = z.boolean();
const sn = z.string().nullable();
const nn = z.number().nullable();

export const TSC_FINDING_ARGS = {
  /** The verdict: usable, with the frequency to use and its source. */
  TSC_USABLE: z.object({ mhz: n, halfWidthPpm: n, source: s, cpus: s }),
  /** The verdict: not usable; `why` lists the failing checks ('rates,offsets,invariant'). */
  TSC_NOT_USABLE: z.object({ why: s }),
  /** Two CPUs' rates differ beyond their intervals and the floor. */
  TSC_RATES_DIFFER: z.object({ cpuA: n, cpuB: n, ppm: n, halfWidthPpm: n, floorPpm: n }),
  /** A claim off the measured rate beyond its interval and rounding. */
  TSC_CLAIM_DISAGREES: z.object({ source: s, claimMhz: n, measuredMhz: n, ppm: n, halfWidthPpm: n }),
  TSC_NOT_INVARIANT: z.object({ cpuid: b, constantTsc: b, nonstopTsc: b }),
  /** Two CPUs' TSCs offset beyond the ping-pong's bound. */
  TSC_OFFSET_BEYOND_BOUND: z.object({ cpuA: n, cpuB: n, offsetCycles: n, errorCycles: n, offsetNs: nn }),
  /** The kernel does not use the TSC as its clocksource: the current one, why tsc is withheld (KernelView), whether it measured. */
  TSC_KERNEL_NOT_USING: z.object({ clocksource: sn, offered: b, kind: sn, reason: sn, option: sn, measured: b, derives: b }),
  /** CLOCK_MONOTONIC runs off CLOCK_MONOTONIC_RAW: the time daemon's correction beside adjtimex's. */
  TSC_DAEMON_CORRECTION: z.object({ ppm: n, halfWidthPpm: n, adjtimexPpm: nn, agrees: z.boolean().nullable() }),
  /** order's load->read for a plain RDTSC on one pair: `needed`, seen out of order beyond the offset bound. */
  TSC_FENCE: z.object({ needed: b, cpus: s, samples: n, beyondBound: n, worstNs: nn }),
  TSC_ONE_CPU: z.object({ cpu: n }),
  TSC_SELF_TEST_FOUND: z.object({ cpu: n, plantedPpm: n, ppm: n, halfWidthPpm: n }),
  TSC_SELF_TEST_MISSED: z.object({ cpu: n, plantedPpm: n, ppm: nn, halfWidthPpm: nn }),
  /** Another CPU showed the plant (or a rate as far off as half of it). */
  TSC_SELF_TEST_STRAY: z.object({ cpu: n, ppm: n, plantedPpm: n }),
};

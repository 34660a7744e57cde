// coreclock.ts: how fast is this core running right now, in GHz?
//
// The TSC and CLOCK_MONOTONIC tick at constant rates; the core does not: the
// host moves its clock with turbo and power limits, and a read's cost in ns
// moves with it (measured here: the core clock 3.55 -> 3.51 GHz between two
// moments of one quiet minute, and rdtscp, the vDSO and the syscall all 1.0-1.3%
// slower with it). A chain of dependent register adds runs one per core cycle
// (native/coreclock.cc), so adds / ns is the clock. The median of a few short
// chains: an interrupt lands in one and the median drops it.
import type { Binding } from '../native/binding.js';

/** Adds per chain: about 57 us at 3.5 GHz. */
export const CHAIN_ADDS = 200_000;
/** Chains per reading. */
export const CHAINS = 5;

/** The core clock now, GHz: adds / ns of the median of CHAINS chains. */
export function coreClockGHz(binding: Binding): number {
  const ns = Array.from({ length: CHAINS }, () => binding.addChainNs(CHAIN_ADDS)).sort((a, b) => a - b);
  const mid = ns[CHAINS >> 1] ?? 0;
  return mid > 0 ? CHAIN_ADDS / mid : 0;
}

// warp-self-test.ts: did the warp checker find the skew it was given? One
// CPU's reads are lowered (or raised) by a known number of cycles; the
// checker must report warps into (or out of) that CPU alone, the largest
// within SELF_TEST_TOLERANCE of the skew.
import { finding } from '../findings/codes.js';
import { SELF_TEST_TOLERANCE } from '../findings/thresholds.js';
import type { WarpMethodResultT, WarpSelfTestRawT } from '../results/warp.js';
import type { MethodSpec } from '../methods.js';
import type { Binding } from '../native/binding.js';
import { orderedTscRead } from '../probes/availability.js';

/** The internal methods of the self-test: an ordered TSC read minus a
 * per-CPU offset (native/methods.cc). Deliberately not in METHODS. */
export const SKEWED_RDTSCP: MethodSpec = {
  id: 'skewed_rdtscp',
  description: 'RDTSCP minus a per-CPU offset set by the self-test',
  requires: ['rdtscp'],
  contract: 'monotonic',
  unit: 'cycles',
  path: 'cpu',
};
/** Where CPUID hides RDTSCP: LFENCE;RDTSC, the CPU from getcpu(2). */
export const SKEWED_LFENCE_RDTSC: MethodSpec = {
  id: 'skewed_lfence_rdtsc',
  description: 'LFENCE;RDTSC minus a per-CPU offset set by the self-test (the CPU from getcpu)',
  requires: ['sse2'],
  contract: 'monotonic',
  unit: 'cycles',
  path: 'cpu',
};

/** The self-test's read on this machine: skewed_rdtscp where CPUID offers
 * RDTSCP, else skewed_lfence_rdtsc (orderedTscRead()). */
export function skewedRead(binding: Binding): MethodSpec {
  return orderedTscRead(binding) === 'rdtscp' ? SKEWED_RDTSCP : SKEWED_LFENCE_RDTSC;
}

export function judgeSelfTest(selfTest: { skewCycles: number; skewCpu: number }, r: WarpMethodResultT | undefined): WarpSelfTestRawT {
  const base = { skewCycles: selfTest.skewCycles, skewCpu: selfTest.skewCpu };
  if (!r || r.status !== 'measured') {
    return { ...base, warps: 0, largestCycles: null, fromCpu: null, toCpu: null, passed: false, finding: finding('WARP_SELF_TEST_UNMEASURED', 'fail', { reason: r ? r.reason : null }) };
  }
  const largest = r.largest ? Number(r.largest.amount) : null;
  const found = { ...base, warps: r.warps, largestCycles: largest, fromCpu: r.largest?.fromCpu ?? null, toCpu: r.largest?.toCpu ?? null };
  const skew = Math.abs(selfTest.skewCycles);
  if (r.warps === 0 || largest === null) {
    return {
      ...found,
      passed: false,
      finding: skew === 0 ? finding('WARP_SELF_TEST_NO_SKEW', 'fail', {}) : finding('WARP_SELF_TEST_MISSED', 'fail', { skewCpu: selfTest.skewCpu, skewCycles: selfTest.skewCycles }),
    };
  }
  // A positive skew makes skewCpu's reads lower: warps into it. A negative
  // one makes them higher: warps out of it.
  const into = selfTest.skewCycles > 0;
  const stray = r.pairs.find((p) => (into ? p.toCpu !== selfTest.skewCpu : p.fromCpu !== selfTest.skewCpu));
  if (stray) {
    return { ...found, passed: false, finding: finding('WARP_SELF_TEST_STRAY', 'fail', { fromCpu: stray.fromCpu, toCpu: stray.toCpu, warps: stray.warps }) };
  }
  const off = Math.abs(largest - skew) / Math.max(1, skew);
  if (off > SELF_TEST_TOLERANCE) {
    return { ...found, passed: false, finding: finding('WARP_SELF_TEST_OFF', 'fail', { largestCycles: largest, skewCycles: skew, off, tolerance: SELF_TEST_TOLERANCE }) };
  }
  return { ...found, passed: true, finding: finding('WARP_SELF_TEST_FOUND', 'info', { warps: r.warps, skewCpu: selfTest.skewCpu, largestCycles: largest, skewCycles: skew, off }) };
}

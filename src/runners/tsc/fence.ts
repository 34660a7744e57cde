// fence.ts: does a plain RDTSC read ahead of an earlier load here? order's
// load->read litmus (../order.ts) on one CPU pair for the plain read alone.
// The manuals do not promise that order (Intel SDM Vol. 2B, RDTSC; AMD APM
// Vol. 3, RDTSC: not serializing), so a run that sees no violation shows only
// that this machine did not reorder in that many samples.
import { findMethod } from '../../methods.js';
import type { Binding } from '../../native/binding.js';
import type { ProbeInputs } from '../../probes/machine.js';
import type { TscFenceT } from '../../results/tsc.js';
import { runOrder } from '../order.js';
import { fenceNotRun } from './judge.js';

/** Seconds of the litmus: both directions of one pair, 0.15 s each. */
export const TSC_FENCE_SECONDS = 0.3;

export async function tscFence(binding: Binding, inputs: ProbeInputs, cpus: readonly number[], signal?: AbortSignal): Promise<TscFenceT> {
  const rdtsc = findMethod('rdtsc');
  const pair = cpus.slice(0, 2);
  if (!rdtsc || pair.length < 2) return fenceNotRun(pair);
  const r = await runOrder({ methods: [rdtsc], patterns: ['load-read'], cpus: pair, durationSeconds: TSC_FENCE_SECONDS, selfTest: false, binding, inputs, ...(signal ? { signal } : {}) });
  const t = r.tests[0];
  if (!t || t.status !== 'measured') return fenceNotRun(pair);
  // A violation within the pair's offset bound could be the offset alone: the evidence is beyond it.
  return { measured: true, needed: t.beyondBound > 0, cpus: pair, samples: t.samples, violations: t.violations, beyondBound: t.beyondBound, worstNs: t.worst?.amountNs ?? null, boundNs: t.boundNs };
}

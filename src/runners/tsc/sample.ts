// sample.ts: what do the TSC and each clock read together, CPU by CPU, over
// a span of time? Pins this thread to each CPU in turn and takes bracketed
// samples (native/tsc_rate.h) of CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC and
// CLOCK_REALTIME at `points` instants spread evenly over the CPU's share,
// sleeping between them; restores the thread's affinity after, however the
// run ends. Never prints.
import { CLOCKS } from '../../clocks.js';
import type { Binding, NativeTscClockSample } from '../../native/binding.js';

/** The clocks a rate is measured against, in the order sampled. */
export const RATE_CLOCKS = ['monotonic_raw', 'monotonic', 'realtime'] as const;
export type RateClock = (typeof RATE_CLOCKS)[number];

/** The self-test's planted rate: TSC values on `cpu` scaled by (1 + ppb/1e9) about `base`. */
export interface Plant {
  cpu: number;
  ppb: number;
  base: bigint;
}

export interface CpuSamples {
  cpu: number;
  read: NativeTscClockSample['read'];
  samples: Record<RateClock, NativeTscClockSample[]>;
  /** Every sample the plant applied to (it applies only on its CPU). */
  planted: boolean;
  /** Samples taken on another CPU than the one pinned (the pin did not hold). */
  strays: number;
}

export interface SamplePlan {
  cpus: readonly number[];
  /** Wall time given to each CPU, from its first sample to its last. */
  perCpuMs: number;
  /** Samples of each clock per CPU: the first at the start, the last at the end. */
  points: number;
  /** Reads per sample, the narrowest kept. */
  tries: number;
  plant: Plant | null;
  signal?: AbortSignal;
  /** Called after each CPU's samples: the CPUs done so far. */
  onCpu?: (done: number) => void;
}

/** A synchronous sleep that leaves the CPU to others (a Node main thread may Atomics.wait). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

function sampleOne(binding: Binding, clock: RateClock, tries: number, plant: Plant | null): NativeTscClockSample {
  const id = CLOCKS[clock];
  return plant ? binding.tscClockSample(id, tries, plant.cpu, plant.ppb, plant.base) : binding.tscClockSample(id, tries);
}

export function sampleCpus(binding: Binding, plan: SamplePlan): CpuSamples[] {
  const previous = binding.getAffinity();
  const out: CpuSamples[] = [];
  try {
    for (const cpu of plan.cpus) {
      plan.signal?.throwIfAborted();
      binding.pinToCpu(cpu);
      const samples: Record<RateClock, NativeTscClockSample[]> = { monotonic_raw: [], monotonic: [], realtime: [] };
      const start = performance.now();
      for (let k = 0; k < plan.points; k++) {
        sleepMs(start + (k * plan.perCpuMs) / (plan.points - 1) - performance.now());
        for (const c of RATE_CLOCKS) samples[c].push(sampleOne(binding, c, plan.tries, plan.plant));
      }
      const all = RATE_CLOCKS.flatMap((c) => samples[c]);
      out.push({
        cpu,
        read: all[0]?.read ?? 'lfence_rdtsc',
        samples,
        planted: all.length > 0 && all.every((s) => s.planted),
        strays: all.filter((s) => s.cpu !== cpu).length,
      });
      plan.onCpu?.(out.length);
    }
  } finally {
    binding.setAffinity(previous);
  }
  return out;
}

// offsets.ts: by how much do the CPUs' TSCs disagree at one instant? The
// warp command's ping-pong between pinned workers (../warp.ts
// measureOffsets(), native/offsets.cc offset_ping()), run here in its own pool:
// the one place `clocklab tsc` starts workers.
import type { Binding } from '../../native/binding.js';
import { orderedTscRead } from '../../probes/availability.js';
import type { TscOffsetT } from '../../results/warp.js';
import { measureOffsets } from '../offsets.js';
import { WarpPool } from '../warp-pool.js';

/** Every pair's offset, read with the ordered TSC read CPUID offers
 * (RDTSCP, else LFENCE;RDTSC). [] with fewer than two CPUs. */
export async function tscOffsets(binding: Binding, cpus: readonly number[], signal?: AbortSignal): Promise<TscOffsetT[]> {
  if (cpus.length < 2) return [];
  const pool = await WarpPool.start(cpus, {});
  try {
    return await measureOffsets(binding, pool, cpus, orderedTscRead(binding), signal);
  } finally {
    await pool.close();
  }
}

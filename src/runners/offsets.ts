// offsets.ts: by how much do two CPUs' TSCs disagree? For each pair, a
// ping-pong of reads between two pinned threads bounds the second CPU's
// counter offset from the first's (native/offsets.cc, after
// arch/x86/kernel/tsc_sync.c). warp --offsets, order's offset bound and
// clocklab tsc all measure it here.
import type { Binding } from '../native/binding.js';
import { nativeIndex } from '../probes/native-method.js';
import type { TscOffsetT } from '../results/warp.js';
import { WarpState, type WarpPool } from './warp-pool.js';

/** Reads per pair, and the time a pair may take at most. */
const OFFSET_SAMPLES = 200_000;
const OFFSET_BUDGET_MS = 500;

/** For each CPU pair, the offset of the second CPU's counter from the
 * first's (native/offsets.cc offset_ping()). */
export async function measureOffsets(
  binding: Binding,
  pool: WarpPool,
  cpus: readonly number[],
  methodId: string,
  signal: AbortSignal | undefined,
): Promise<TscOffsetT[]> {
  const layout = binding.warpLayout;
  const methodIndex = nativeIndex(binding, methodId);
  const out: TscOffsetT[] = [];
  for (let i = 0; i < cpus.length; i++) {
    for (let j = i + 1; j < cpus.length; j++) {
      const a = cpus[i] ?? 0;
      const b = cpus[j] ?? 0;
      const state = new WarpState(binding);
      const ping = { kind: 'ping' as const, state: state.view, methodIndex, samples: OFFSET_SAMPLES, budgetMs: OFFSET_BUDGET_MS };
      await pool.run(
        [
          { cpu: a, job: { ...ping, pinger: true } },
          { cpu: b, job: { ...ping, pinger: false } },
        ],
        state,
        signal,
      );
      const samples = Number(state.word(layout.offSamples));
      const lo = Number(state.word(layout.offLo));
      const hi = Number(state.word(layout.offHi));
      if (samples === 0) continue;
      out.push({ cpuA: a, cpuB: b, offsetCycles: (lo + hi) / 2, errorCycles: (hi - lo) / 2, samples });
    }
  }
  return out;
}

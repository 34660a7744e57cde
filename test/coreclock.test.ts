// coreclock.test.ts: does the core-clock reading give this core's clock,
// and do bench runs carry it where they should? The real addon on the real
// core: the add chain against what the CPU says of itself.
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../src/native/binding.js';
import { CHAIN_ADDS, coreClockGHz } from '../src/probes/coreclock.js';
import { runBench } from '../src/runners/bench.js';
import { findMethod } from '../src/methods.js';

const binding = loadBinding();

describe('the core clock', () => {
  it('a chain of dependent adds runs at one add per core cycle: a clock a real x86 core can have', () => {
    const ghz = coreClockGHz(binding);
    // Cores of the last twenty years run between 0.8 and 6.2 GHz. A chain the
    // core could fold (add-immediate, folded at renaming on recent Intel
    // cores) reads about 19 GHz here, and one the compiler dropped reads more.
    expect(ghz).toBeGreaterThan(0.8);
    expect(ghz).toBeLessThan(6.5);
  });

  it('the time is the chain: eight times the adds take about eight times as long, rounded down to eights', () => {
    // The best of a few of each, so an interrupt in one does not decide.
    const best = (adds: number): number => Math.min(...Array.from({ length: 7 }, () => binding.addChainNs(adds)));
    const ratio = best(8 * CHAIN_ADDS) / best(CHAIN_ADDS);
    expect(ratio).toBeGreaterThan(6);
    expect(ratio).toBeLessThan(10);
    // Fewer than eight adds is no chain at all: the loop runs zero times.
    expect(best(7)).toBeLessThan(best(CHAIN_ADDS) / 20);
  });

  it('bench records it for runs of 100,000 reads or more, and not for shorter runs', async () => {
    const spec = findMethod('monotonic_coarse');
    if (!spec) throw new Error('no monotonic_coarse in the registry');
    const long = await runBench({ methods: [spec], loops: 100_000, runs: 2, durationSeconds: null, warmup: false, cpu: null, binding });
    const m = long.methods[0];
    expect(m?.status).toBe('measured');
    if (m?.status !== 'measured') return;
    for (const run of m.runs) expect(run.coreGHz).toBeGreaterThan(0.8);
    const short = await runBench({ methods: [spec], loops: 99_999, runs: 2, durationSeconds: null, warmup: false, cpu: null, binding });
    const s = short.methods[0];
    if (s?.status !== 'measured') throw new Error('not measured');
    for (const run of s.runs) expect(run).not.toHaveProperty('coreGHz');
  });
});

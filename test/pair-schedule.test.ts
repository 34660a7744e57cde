// The schedule of `warp --pairs`, without the hardware: every CPU pair meets
// exactly once, no CPU is in two pairs of one round, and the rounds share the
// duration.
import { describe, expect, it } from 'vitest';
import { pairSchedule } from '../src/runners/pair-schedule.js';

describe('pairSchedule', () => {
  for (const n of [2, 3, 64, 256]) {
    it(`${n} CPUs: every pair once, disjoint rounds, the duration shared`, () => {
      // Sparse CPU numbers, as a cpuset gives them.
      const cpus = Array.from({ length: n }, (_v, i) => i * 2 + 1);
      const rounds = pairSchedule(cpus, 10);
      expect(rounds).toHaveLength(n % 2 === 0 ? n - 1 : n);
      const seen = new Set<string>();
      for (const r of rounds) {
        const used = r.pairs.flat();
        expect(new Set(used).size, 'a CPU in two pairs of one round').toBe(used.length);
        for (const [a, b] of r.pairs) {
          expect(a).toBeLessThan(b);
          expect(cpus).toContain(a);
          expect(cpus).toContain(b);
          const key = `${a},${b}`;
          expect(seen.has(key), `pair ${key} twice`).toBe(false);
          seen.add(key);
        }
        expect(r.pairs).toHaveLength(Math.floor(n / 2));
      }
      expect(seen.size).toBe((n * (n - 1)) / 2);
      expect(rounds.reduce((s, r) => s + r.seconds, 0)).toBeCloseTo(10, 9);
    });
  }

  it('one CPU has no pair', () => {
    expect(pairSchedule([0], 10)).toEqual([]);
  });
});

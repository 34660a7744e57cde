// pair-schedule.ts: in what order does `warp --pairs` visit every CPU pair,
// so that each pair gets samples whatever the number of CPUs?
//
// A round-robin tournament (the circle method): CPU 0 stays put, the others
// rotate one place per round, and each round pairs them from both ends. Each
// round's pairs share no CPU, so they run at once, each on its own state;
// n CPUs take n-1 rounds (n even) or n (n odd, one CPU sits out each round),
// and every unordered pair meets exactly once.

export interface PairRound {
  /** Pairs of CPUs, disjoint within the round. */
  pairs: Array<[number, number]>;
  seconds: number;
}

/** The rounds for `cpus` in `durationSeconds` in all. */
export function pairSchedule(cpus: readonly number[], durationSeconds: number): PairRound[] {
  if (cpus.length < 2) return [];
  // An odd count gets a placeholder (null): whoever meets it sits out.
  const ring: Array<number | null> = cpus.length % 2 === 0 ? [...cpus] : [...cpus, null];
  const n = ring.length;
  const rounds: PairRound[] = [];
  const seconds = durationSeconds / (n - 1);
  for (let r = 0; r < n - 1; r++) {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < n / 2; i++) {
      const a = ring[i];
      const b = ring[n - 1 - i];
      if (a !== null && a !== undefined && b !== null && b !== undefined) pairs.push(a < b ? [a, b] : [b, a]);
    }
    rounds.push({ pairs, seconds });
    // Keep ring[0], rotate the rest by one.
    const last = ring.pop();
    ring.splice(1, 0, last ?? null);
  }
  return rounds;
}

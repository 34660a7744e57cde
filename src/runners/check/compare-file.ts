// compare-file.ts: the recommendation of a stored `clocklab compare` result,
// for `clocklab check --compare FILE` (the file is read by the CLI and vetted
// by check's options schema before anything runs).
import type { CompareResultT } from '../../results/compare.js';
import type { Recommendation } from './judge.js';

/** The recommendation a compare result makes, as check judges against it;
 * `from` names where the result came from (a file, or the library caller). */
export function recommendationFromCompare(result: CompareResultT, from: string): { from: string; value: Recommendation } {
  const rec = result.recommendation;
  const made = rec.level !== 'none' && rec.clocksource !== null;
  // The stored reasons are quoted as the file has them: all of them when it
  // made no recommendation, else the first (the one that decided).
  const storedReason = made ? (rec.reasons[0] ?? '') : rec.reasons.join(' ');
  return {
    from,
    value: {
      clocksource: rec.level === 'none' ? null : rec.clocksource,
      basis: { basis: 'stored', storedLevel: rec.level, storedClocksource: rec.clocksource, storedReason, from, tscKind: null, tscOption: null },
    },
  };
}

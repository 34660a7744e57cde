// compare-file.ts: the recommendation of a stored `clocklab compare` report,
// for `clocklab check --compare FILE`. Read and vetted before anything runs.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { CompareResult, type CompareResultT } from '../../results/compare.js';
import type { Recommendation } from './judge.js';

export function loadCompareRecommendation(file: string): { from: string; value: Recommendation } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--compare ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const head = z.object({ schema: z.unknown(), command: z.unknown() }).safeParse(data);
  if (!head.success) throw new UsageError(`--compare ${file}: not a clocklab report`);
  if (head.data.schema !== 'clocklab/1') throw new UsageError(`--compare ${file}: not a clocklab/1 report (schema ${JSON.stringify(head.data.schema)})`);
  if (head.data.command !== 'compare') throw new UsageError(`--compare ${file}: a report of \`clocklab ${String(head.data.command)}\`, not of \`clocklab compare\``);
  const parsed = CompareResult.safeParse(data);
  if (!parsed.success) throw new UsageError(`--compare ${file}: not a valid compare report:\n${z.prettifyError(parsed.error)}`);
  return recommendationFromCompare(parsed.data, file);
}

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
      basis: { basis: 'stored', storedLevel: rec.level, storedClocksource: rec.clocksource, storedReason, from },
    },
  };
}

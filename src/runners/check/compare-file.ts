// compare-file.ts: the recommendation of a stored `clocklab compare` report,
// for `clocklab check --compare FILE`. Read and vetted before anything runs.
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { Recommendation } from './judge.js';

interface StoredCompare {
  schema?: unknown;
  command?: unknown;
  recommendation?: { clocksource?: unknown; summary?: unknown; reasons?: unknown } | null;
}

export function loadCompareRecommendation(file: string): { from: string; value: Recommendation } {
  let data: StoredCompare;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as StoredCompare;
  } catch (err) {
    throw new UsageError(`--compare ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (data.schema !== 'clocklab/1') throw new UsageError(`--compare ${file}: not a clocklab/1 report (schema ${JSON.stringify(data.schema)})`);
  if (data.command !== 'compare') throw new UsageError(`--compare ${file}: a report of \`clocklab ${String(data.command)}\`, not of \`clocklab compare\``);
  const rec = data.recommendation;
  const cs = rec && typeof rec.clocksource === 'string' ? rec.clocksource : null;
  const basis = rec && typeof rec.summary === 'string' ? rec.summary : 'the stored comparison made no recommendation';
  return { from: file, value: { clocksource: cs, basis } };
}

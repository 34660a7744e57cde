// core-clock.ts: at what core clock did a result's bench runs read time? The
// median over every run (compare: every turn's), GHz. The regression gate
// measures reads in core cycles at the baseline's clock by it
// (src/regression/samples.ts, costOf); the bench report quotes it.
import type { ReportResultT } from '../results/report.js';
import { median } from './interval.js';

/** Every bench run a result holds (compare: every turn's). */
function runsOf(r: ReportResultT): Array<{ coreGHz?: number | undefined }> {
  switch (r.command) {
    case 'bench':
      return r.methods.flatMap((m) => (m.status === 'measured' ? m.runs : []));
    case 'compare':
      return r.runs.flatMap((t) => t.bench.methods.flatMap((m) => (m.status === 'measured' ? m.runs : [])));
    default:
      return [];
  }
}

/** The median core clock over the runs of a result (or of several, a
 * pooled baseline), GHz, or null when any run lacks one (a report from
 * before it was recorded, or runs too short). */
export function coreClockOf(r: ReportResultT | readonly ReportResultT[]): number | null {
  const results: readonly ReportResultT[] = Array.isArray(r) ? r : [r as ReportResultT];
  const runs = results.flatMap(runsOf);
  const ghz = runs.map((x) => x.coreGHz);
  return runs.length > 0 && ghz.every((x): x is number => x !== undefined && x > 0) ? median(ghz) : null;
}

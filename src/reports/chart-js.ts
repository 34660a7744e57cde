// chart-js.ts: where does report.html's Chart.js come from? The package's
// UMD build, read once from node_modules and embedded in the page (the one
// file the reports read; writing them is src/cli/report-files.ts).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveFromPackage } from '../paths.js';

let chartJsCache: string | null = null;

/** chart.js's UMD build. Its `exports` map hides dist/chart.umd.min.js, so
 * resolve the package's entry (dist/chart.cjs) and read the sibling. */
export function chartJsSource(): string {
  if (chartJsCache === null) {
    const entry = resolveFromPackage('chart.js');
    chartJsCache = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
  }
  return chartJsCache;
}

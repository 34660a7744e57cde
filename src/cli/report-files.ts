// report-files.ts: the report files --out DIR gets besides report.json:
// summary.md, junit.xml and report.html, all from one report model of the
// result, and the atomic write --prom-file uses. The reports are pure
// (src/reports/); writing them is the CLI's.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { chartJsSource } from '../reports/chart-js.js';
import { renderHtml } from '../reports/html.js';
import { renderJunit } from '../reports/junit.js';
import { renderMarkdown } from '../reports/markdown.js';
import { reportModel } from '../reports/model/index.js';
import type { Verdict } from '../results/verdict.js';

/** Writes summary.md, junit.xml and report.html for `result` into `dir`,
 * headed by the verdict of the command that made it. */
export function writeReportFiles(dir: string, result: unknown, verdict: Verdict): void {
  const model = reportModel(result, verdict);
  writeFileSync(join(dir, 'summary.md'), renderMarkdown(model));
  writeFileSync(join(dir, 'junit.xml'), renderJunit(model));
  writeFileSync(join(dir, 'report.html'), renderHtml(model, { chartJs: chartJsSource() }));
}

/** Writes `text` to `file` atomically: a temporary file in the same
 * directory, renamed over it (rename(2) replaces in one step), so a reader
 * such as node_exporter's textfile collector sees the old file or the new
 * one, never half of one. The temporary name does not end in .prom, so the
 * collector never reads it. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

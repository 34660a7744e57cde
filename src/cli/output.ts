// output.ts: where a command's result goes. stdout carries the text report,
// or with --json the result object itself; --out DIR gets the report files.
// Progress and notes go to stderr.
import { existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { PromRun } from '../reports/prom.js';
import type { Verdict } from '../results/verdict.js';
import { withColor } from '../reports/text/style.js';

export interface OutputOptions {
  json?: boolean;
  out?: string;
  prom?: string;
}

/**
 * Whether the text report on stdout gets colours. The flags win, then the
 * environment's conventions (NO_COLOR, no-color.org; FORCE_COLOR), then a
 * terminal that is not TERM=dumb. A pipe or a file gets plain text.
 */
export function wantsColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, stdout: { isTTY?: boolean }): boolean {
  if (flag !== undefined) return flag;
  if (env['NO_COLOR']) return false;
  if (env['FORCE_COLOR'] !== undefined) return env['FORCE_COLOR'] !== '0' && env['FORCE_COLOR'] !== 'false';
  return stdout.isTTY === true && env['TERM'] !== 'dumb';
}

let colorOutput = false;

/** Set once per CLI invocation by main(), before any command runs. */
export function setColorOutput(on: boolean): void {
  colorOutput = on;
}

/** Adds --json and --out to a command. */
export function withOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the result object (schema clocklab/1) as JSON on stdout')
    .option('--out <dir>', 'write the report files (report.json ...) to this directory')
    .option('--prom <file>', "write the metrics in Prometheus's text format to this file, atomically (for node_exporter's textfile collector)");
}

/** Creates --out's directory and proves it writable, before anything is
 * measured: a ten-minute run must not end in "cannot write". */
export function prepareOutput(options: OutputOptions): void {
  if (options.out === undefined) return;
  try {
    const dir = resolve(options.out);
    makeDirs(dir);
    if (!statSync(dir).isDirectory()) throw new Error('it is not a directory');
    // A file written and removed: access(W_OK) says yes to root even on a
    // read-only mount, and the report files are what must be writable.
    const probe = join(dir, `.clocklab-write-test-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UsageError(`--out ${options.out} is not a writable directory (${why})`);
  }
}

/** --prom's directory must exist and be writable, checked before anything
 * is measured (it is not created: a typo in a fleet's unit should fail
 * loudly, not fill a new directory nobody scrapes). */
export function preparePromFile(options: OutputOptions): void {
  if (options.prom === undefined) return;
  const file = resolve(options.prom);
  const dir = dirname(file);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('it is not a directory');
    if (existsSync(file) && statSync(file).isDirectory()) throw new Error(`${file} is a directory`);
    // As for --out: a file written and removed proves what access() cannot.
    const probe = join(dir, `.clocklab-write-test-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UsageError(`--prom ${options.prom}: its directory ${dir} must exist and be writable (${why})`);
  }
}

/** Writes --prom's file: the result's metrics, and the run's (version, end, duration). */
export async function emitProm(result: unknown, verdict: Verdict, options: OutputOptions, run: PromRun): Promise<void> {
  if (options.prom === undefined) return;
  // Loaded only when asked for: prom-client costs a periodic run CPU time otherwise.
  const [{ promText }, { writeFileAtomic }] = await Promise.all([import('../reports/prom.js'), import('./report-files.js')]);
  writeFileAtomic(resolve(options.prom), await promText(result, verdict, run));
}

/** mkdir -p, one level at a time: Node's recursive mkdirSync can spin
 * forever on a filesystem such as /proc that refuses with ENOENT. */
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

/** Writes the result: --out gets report.json, summary.md, junit.xml and
 * report.html (headed by the verdict); stdout gets --json's object or the text report. */
export async function emit<R>(result: R, verdict: Verdict, options: OutputOptions, renderText: (r: R) => string): Promise<void> {
  if (options.out !== undefined) {
    writeFileSync(join(options.out, 'report.json'), JSON.stringify(result, null, 2) + '\n');
    // Loaded only for --out: the renderers (and their libraries) cost a
    // periodic run (check --light on a timer) 30 ms of CPU otherwise.
    const { writeReportFiles } = await import('./report-files.js');
    writeReportFiles(options.out, result, verdict);
  }
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(withColor(colorOutput, () => renderText(result)));
}

/** A note for the person at the terminal, never mixed into stdout. */
export function note(message: string): void {
  process.stderr.write(`clocklab: ${message}\n`);
}

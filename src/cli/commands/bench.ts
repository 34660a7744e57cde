// bench.ts: `clocklab bench`, wired: options -> runBench -> the thread's line
// per run as runs finish, then the summary table.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { emitGated, loadBaseline, withGateOptions, type GateOptions } from '../../gate/baseline.js';
import { METHODS, parseMethodList } from '../../methods.js';
import { formatRunLine, methodWidth, renderBenchSummary } from '../../reports/text.js';
import { DEFAULT_LOOPS, DEFAULT_METHOD_IDS, DEFAULT_RUNS, runBench } from '../../runners/bench.js';
import { createProgress, type Progress } from '../progress.js';
import { prepareOutput, withOutputOptions, type OutputOptions } from '../output.js';

interface BenchCliOptions extends OutputOptions, GateOptions {
  methods?: string;
  loops?: string;
  runs?: string;
  duration?: string;
  cpu?: string;
  warmup: boolean;
}

/** A count typed by a person: digits only (so "1.5", "-3", "10k" and "" are refused). */
export function parseCount(flag: string, text: string | undefined, fallback: number | null): number | null {
  if (text === undefined) return fallback;
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return Number(text);
}

function parseSeconds(text: string | undefined): number | null {
  if (text === undefined) return null;
  const d = Number(text);
  if (text.trim() === '' || !Number.isFinite(d) || d <= 0) throw new UsageError(`--duration must be a positive number of seconds, got '${text}'`);
  return d;
}

export function registerBench(program: Command): void {
  withGateOptions(withOutputOptions(
    program
      .command('bench')
      .summary('what each way of reading time costs (ns/loop, native loops)')
      .description('ns/loop for each way of reading time, timed in native loops on one pinned CPU, repeated and summarised')
      .option(
        '--methods <list>',
        `comma list of methods, or 'all' (default: ${DEFAULT_METHOD_IDS.join(',')})`,
      )
      .option('--loops <n>', `reads per run (default: ${DEFAULT_LOOPS})`)
      .option('--runs <n>', `runs per method (default: ${DEFAULT_RUNS})`)
      .option('--duration <seconds>', 'run each method repeatedly for this long instead of a fixed number of runs')
      .option('--cpu <n>', 'the CPU to pin the measuring thread to (default: the CPU it is on)')
      .option('--no-warmup', 'skip the uncounted warm-up run before each method'),
  ))
    .addHelpText(
      'after',
      `
Each run prints the line of the timing_test of the 2014 "Cleaning up the KVM
clock" thread, prefixed by the method:
  monotonic  10000000 loops in 0.63096s = 63.10 nsec / loop
then one table per bench: median, min and max ns/loop over the runs, spread
((max-min)/median), cycles/loop from the TSC delta, and each method's ratio to
the fastest fine-resolution clock_gettime method measured in the same run.

Methods (clocklab methods says which this machine can run):
  ${METHODS.map((m) => m.id).join(', ')}

Exit codes: 0 measured; 1 a method's median regressed past --threshold
against --baseline; 2 bad input (unknown method, a count that is not a
positive integer or absurdly large, a --baseline that is not a clocklab/1
bench report: refused before measuring); 3 the CPU or kernel lacks a method asked
for by name (with --methods all it is skipped and said so).`,
    )
    .action(async (opts: BenchCliOptions) => {
      prepareOutput(opts);
      const baseline = loadBaseline(opts, 'bench');
      const methods = parseMethodList(opts.methods ?? DEFAULT_METHOD_IDS.join(','));
      const loops = parseCount('--loops', opts.loops, DEFAULT_LOOPS) ?? DEFAULT_LOOPS;
      const durationSeconds = parseSeconds(opts.duration);
      if (durationSeconds !== null && opts.runs !== undefined) throw new UsageError('give --runs or --duration, not both');
      const runs = durationSeconds !== null ? null : parseCount('--runs', opts.runs, DEFAULT_RUNS);
      const cpu = parseCount('--cpu', opts.cpu, null);
      const text = opts.json !== true;
      const width = methodWidth(methods.map((m) => m.id));
      let progress: Progress | undefined;
      let methodIndex = -1;
      let lastMethod = '';
      const result = await runBench({
        methods,
        loops,
        runs,
        durationSeconds,
        cpu,
        warmup: opts.warmup,
        onProgress: (p) => {
          if (p.method !== lastMethod) {
            lastMethod = p.method;
            methodIndex++;
          }
          progress ??= createProgress(p.total ?? methods.length);
          const label = `${p.method} ${p.run === 0 ? 'warm-up' : `run ${p.run}${p.runs !== null ? `/${p.runs}` : ''}`}`;
          progress.update(p.total !== null ? p.done : methodIndex, label);
        },
        onRun: (method, run) => {
          if (!text) return;
          // The bar (stderr, TTY only) is stopped, which clears its line,
          // before a run line lands; the next progress report starts a new one.
          progress?.stop();
          progress = undefined;
          process.stdout.write(formatRunLine(method, loops, run, width) + '\n');
        },
      }).finally(() => progress?.stop());
      emitGated(result, baseline, opts, renderBenchSummary);
    });
}

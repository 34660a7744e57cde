// bench.ts (cli): `clocklab bench`'s flags and help. Prints the timing_test
// line of every run as it finishes, then the summary table.
import { BENCH_DEFAULTS, BENCH_DEFAULT_METHODS } from '../../commands/bench.js';
import { METHODS } from '../../methods.js';
import { defineCli } from '../command.js';
import { formatRunLine, methodWidth, textReport } from '../../reports/text/index.js';
import { GATE_FLAGS } from './gate.js';

export const benchCli = defineCli({
  name: 'bench',
  description: 'ns/loop for each way of reading time, timed in native loops on one pinned CPU, repeated and summarised',
  flags: [
    { flag: '--methods <list>', option: 'methods', kind: 'methods', help: `comma list of methods, or 'all' (default: ${BENCH_DEFAULT_METHODS.join(',')}; with the default or 'all', what this machine cannot run is skipped and said so)` },
    { flag: '--loops <n>', option: 'loops', kind: 'number', help: `reads per run (default: ${BENCH_DEFAULTS.loops})` },
    { flag: '--runs <n>', option: 'runs', kind: 'number', help: `runs per method (default: ${BENCH_DEFAULTS.runs})` },
    { flag: '--duration <seconds>', option: 'durationSeconds', kind: 'number', help: 'run each method repeatedly for this long instead of a fixed number of runs' },
    { flag: '--cpu <n>', option: 'cpu', kind: 'number', help: "the CPU to pin the measuring thread to (default: the baseline's CPU with --baseline, else the CPU it is on)" },
    { flag: '--no-warmup', option: 'warmup', kind: 'switch', help: 'skip the uncounted warm-up run before each method' },
    ...GATE_FLAGS,
  ],
  after: `
Each run prints the line of timing_test (the 2014 LKML thread "Cleaning up
the KVM clock"), prefixed by the method:
  monotonic  10000000 loops in 0.63096s = 63.10 nsec / loop
then one table per bench: median, min and max ns/loop over the runs, spread
((max-min)/median), cycles/loop from the TSC delta, and each method's ratio to
the fastest fine-resolution clock_gettime method measured in the same run,
with its 95% interval over the runs.

Methods (clocklab methods says which this machine can run):
  ${METHODS.map((m) => m.id).join(', ')}

Exit codes: 0 measured (also when the gate is inconclusive: it says so);
1 a method regressed past --threshold against --baseline (the whole 95%
interval of its change, in two blocks of runs); 2 bad input (unknown method,
a count that is not a positive integer or absurdly large, a --baseline that
is not a clocklab/1 bench report: refused before measuring); 3 the CPU or kernel lacks a method asked
for by name (with the default methods or --methods all it is skipped and said so); 130 interrupted.`,
  output: 'report',
  // The run lines were printed as the runs finished.
  text: (r) => textReport(r, { skip: ['runs'] }),
  live(options, write, pauseProgress) {
    const width = methodWidth(options.methods.specs.map((m) => m.id));
    return {
      onRun(method, run) {
        // The bar (stderr, TTY only) is cleared before a run line lands.
        pauseProgress();
        write(formatRunLine(method, options.loops, run, width) + '\n');
      },
    };
  },
});

// methods.ts: `clocklab methods`, wired: runMethods -> report.
import type { Command } from 'commander';
import { renderMethodsText } from '../../reports/text.js';
import { runMethods } from '../../runners/methods.js';
import { emit, type OutputOptions } from '../output.js';

// --json only: a list of what can run is not a measurement, so it has no
// report files (--out) and is not in the report schema's union.
export function registerMethods(program: Command): void {
  program
    .command('methods')
    .summary('every way of reading time, and whether it runs here')
    .description('every way of reading time clocklab knows, whether this machine can run it, and why not')
    .option('--json', 'print the list (schema clocklab/1) as JSON on stdout')
    .addHelpText(
      'after',
      `
A method is a name that bench, warp and compare take (--methods a,b). "why not"
names the missing instruction and its CPUID bit, or the clock the kernel lacks.
Contracts: monotonic (a warp fails), may-step (wall clock), unordered (plain
RDTSC), per-thread (CPU time), not-time (the CPU number).`,
    )
    .action((opts: Pick<OutputOptions, 'json'>) => {
      emit(runMethods(), opts, renderMethodsText);
    });
}

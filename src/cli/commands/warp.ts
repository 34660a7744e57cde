// warp.ts (cli): `clocklab warp`'s flags and help.
import { WARP_DEFAULTS, WARP_DEFAULT_METHODS } from '../../commands/warp.js';
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';

const { durationSeconds, selfTestDurationSeconds, skewCycles } = WARP_DEFAULTS;

export const warpCli = defineCli({
  name: 'warp',
  description:
    'does any way of reading time go backwards across CPUs? Every CPU, pinned, waits for its turn (a baton on one ' +
    'cache line), reads, and compares with the last value another CPU stored (after the kernel\'s TSC sync check). ' +
    'Each result says what it could not see: steps shorter than the hand-over between CPUs. Exit 1 if a method that ' +
    'must be monotonic warped; plain rdtsc and wall clocks only report.',
  flags: [
    { flag: '--methods <list>', option: 'methods', kind: 'methods', help: `methods to check, comma-separated, or 'all' (default: ${WARP_DEFAULT_METHODS.join(',')}; with the default or 'all', what this machine cannot read is skipped and said so)` },
    { flag: '--cpus <list>', option: 'cpus', kind: 'cpus', help: 'CPUs to check on, e.g. 0,2-5 (default: every online CPU)' },
    {
      flag: '--duration <seconds>',
      option: 'durationSeconds',
      kind: 'number',
      help: `seconds EACH method runs, on all CPUs at once (default ${durationSeconds}; the ${WARP_DEFAULT_METHODS.length} default methods take about ${WARP_DEFAULT_METHODS.length * durationSeconds} s; ${selfTestDurationSeconds} with --self-test)`,
    },
    { flag: '--offsets', option: 'offsets', kind: 'switch', help: 'also estimate the TSC offset of every CPU pair, in cycles with an error bound' },
    { flag: '--pairs', option: 'pairs', kind: 'switch', help: 'each CPU pair in turn for its share of the duration (disjoint pairs at once), so every pair gets samples' },
    {
      flag: '--self-test',
      option: 'selfTest',
      kind: 'switch',
      help: "prove the checker: lower the second CPU's reads of an internal ordered TSC read (RDTSCP, or LFENCE;RDTSC with the CPU from getcpu where CPUID hides RDTSCP) by --skew cycles and check that the warp found has that size and CPU pair (exit 0 if so, 1 if not)",
    },
    { flag: '--skew <cycles>', option: 'selfTest.skewCycles', kind: 'number', help: `cycles the self-test skews by (default ${skewCycles})` },
  ],
  after: '\nExit codes: 0 held (or only findings); 1 a method that must be monotonic warped, or the self-test missed; 2 bad usage; 3 cannot (a method named that this machine cannot read, not x86, a CPU not allowed); 130 interrupted.',
  output: 'report',
  text: (r) => textReport(r),
});

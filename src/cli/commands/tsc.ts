// tsc.ts (cli): `clocklab tsc`'s flags and help.
import { TSC_DEFAULTS } from '../../commands/tsc.js';
import { TSC_DURATION_MAX, TSC_DURATION_MIN } from '../../runners/tsc/run.js';
import { TSC_SELF_TEST_PPM } from '../../findings/tsc-thresholds.js';
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';

export const tscCli = defineCli({
  name: 'tsc',
  description:
    'may a program read the TSC here, and at what rate? The TSC against CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC and CLOCK_REALTIME on each ' +
    'CPU in turn (pinned; bracketed reads, the narrowest of many), in MHz with a 95% interval; every claimed frequency beside it in ppm ' +
    "(the kernel log, CPUID 0x15 and 0x16, the hypervisor's leaf 0x40000010, the pvclock record); the time daemon's correction; the " +
    "CPUs' offsets (warp's ping-pong), whether a plain RDTSC needs a fence (order's load->read), invariance, whether the kernel uses the TSC and why not.",
  flags: [
    { flag: '--cpus <list>', option: 'cpus', kind: 'cpus', help: 'CPUs to measure on (default: every online CPU this process may run on)' },
    {
      flag: '--duration <seconds>',
      option: 'durationSeconds',
      kind: 'number',
      help: `seconds in all, split evenly over the CPUs (${TSC_DURATION_MIN} to ${TSC_DURATION_MAX}; default ${TSC_DEFAULTS.durationSeconds}); the interval narrows as the span grows`,
    },
    { flag: '--no-offsets', option: 'offsets', kind: 'switch', help: "skip the CPUs' TSC offsets (about half a second a pair)" },
    { flag: '--no-fence', option: 'fence', kind: 'switch', help: "skip order's load->read litmus for a plain RDTSC (about a second)" },
    {
      flag: '--self-test',
      option: 'selfTest',
      kind: 'switch',
      help: `prove the measurement: scale the second CPU's TSC values by +${TSC_SELF_TEST_PPM} ppm, which must be found there, within its interval, and on no other CPU (exit 1 if not)`,
    },
    {
      flag: '--machine <dir>',
      option: 'machine',
      kind: 'path',
      help: 'replay a capture (`clocklab capture DIR`): its claims, flags and kernel view; nothing is measured',
    },
  ],
  after:
    '\nExit codes: 0 usable (a program may read the TSC and convert with the frequency given), or a replay with nothing against it; ' +
    "1 not usable (the CPUs' rates differ, their offsets exceed the bound, the TSC is not invariant) or the self-test missed; " +
    '2 bad usage; 3 cannot (not x86; a CPU named that is offline or outside this process\'s affinity); 130 interrupted.',
  output: 'report',
  text: (r) => textReport(r),
});

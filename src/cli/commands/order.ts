// order.ts (cli): `clocklab order`'s flags and help.
import { ORDER_DEFAULTS, ORDER_DEFAULT_METHODS } from '../../commands/order.js';
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';

export const orderCli = defineCli({
  name: 'order',
  description:
    'is each way of reading time ordered after an earlier load (load->read), and after an earlier store (store->read), ' +
    'as the Intel SDM and AMD APM promise? Two pinned CPUs at a time share a cache line, lock-free; a violation counts only ' +
    "beyond the pair's TSC offset bound. Out of order where the manual allows it is a finding; where it promises order, a failure.",
  flags: [
    { flag: '--methods <list>', option: 'methods', kind: 'methods', help: `methods to test, comma-separated, or 'all' (default: every method with an order promise: ${ORDER_DEFAULT_METHODS.join(',')}; with the default or 'all', what this machine cannot read is skipped and said so)` },
    { flag: '--patterns <list>', option: 'patterns', kind: 'list', help: 'load-read, store-read, or both (default: both)' },
    { flag: '--cpus <list>', option: 'cpus', kind: 'cpus', help: 'CPUs whose pairs are tested, at least two (default: every online CPU)' },
    {
      flag: '--duration <seconds>',
      option: 'durationSeconds',
      kind: 'number',
      help: `seconds per method and pattern, split over the CPU pairs and both directions (default ${ORDER_DEFAULTS.durationSeconds}; ${ORDER_DEFAULTS.selfTestDurationSeconds} with --self-test)`,
    },
    {
      flag: '--self-test',
      option: 'selfTest',
      kind: 'switch',
      help: 'prove the checker: read RDTSCP (LFENCE;RDTSC where CPUID hides RDTSCP) in the wrong order (before the load; before the store), which must show violations (exit 0 if it does, 1 if not)',
    },
  ],
  after: '\nExit codes: 0 every promised order held (or only findings); 1 a read out of order where the manual promises order, or the self-test missed; 2 bad usage; 3 cannot (a method named that this machine cannot read; one CPU only: a pair needs two CPUs; not x86); 130 interrupted.',
  output: 'report',
  text: (r) => textReport(r),
});

// methods.ts (cli): `clocklab methods`. --json only: a list of what can run
// is not a measurement, so it has no report files (--out) and is not in the
// report schema's union.
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';

export const methodsCli = defineCli({
  name: 'methods',
  description: 'every way of reading time clocklab knows, whether this machine can run it, and why not',
  flags: [
    {
      flag: '--machine <dir>',
      option: 'machine',
      kind: 'path',
      help: 'replay a capture (`clocklab capture DIR`) instead of this machine: the same probes on its files, nothing read live',
    },
  ],
  after: `
A method is a name that bench, warp and compare take (--methods a,b). "why not"
names the missing instruction and its CPUID bit, or the clock the kernel lacks.
Contracts: monotonic (a warp fails), may-step (wall clock), unordered (plain
RDTSC), per-thread (CPU time), not-time (the CPU number).`,
  output: 'json',
  text: (r) => textReport(r),
});

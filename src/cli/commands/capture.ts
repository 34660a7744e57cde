// capture.ts (cli): `clocklab capture DIR`: the files written, one a line.
import { captureText } from '../../commands/capture.js';
import { defineCli } from '../command.js';

export const captureCli = defineCli({
  name: 'capture',
  description:
    "write this machine's raw facts into DIR (created; refused if it exists and is not empty): /proc/cpuinfo, CPUID leaf " +
    'by leaf, the kernel log, the command line, the clocksources, the pvclock records, ... with a README listing them. ' +
    'Attach DIR to a bug report; `clocklab info|methods|check --machine DIR` replays it through the same probes.',
  args: [{ name: 'DIR', option: 'dir', help: 'the folder to write' }],
  flags: [],
  after: '\nExit codes: 0 written; 2 DIR exists and is not empty (or cannot be written); 3 not an x86 machine.',
  output: 'json',
  text: (r) => captureText(r),
});

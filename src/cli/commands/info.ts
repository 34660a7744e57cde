// info.ts (cli): `clocklab info`: no flags of its own.
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';

export const infoCli = defineCli({
  name: 'info',
  description: "what this machine's clocks are made of: CPU, TSC flags, hypervisor, TSC frequency, clocksources",
  flags: [
    {
      flag: '--machine <dir>',
      option: 'machine',
      kind: 'path',
      help: 'replay a capture (`clocklab capture DIR`) instead of this machine: the same probes on its files, nothing read live',
    },
  ],
  output: 'report',
  text: (r) => textReport(r),
});

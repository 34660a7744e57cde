// pvclock.ts (cli): `clocklab pvclock`'s flags and help.
import { PVCLOCK_DEFAULTS } from '../../commands/pvclock.js';
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';

export const pvclockCli = defineCli({
  name: 'pvclock',
  description:
    "the KVM pvclock page as user space sees it: every vCPU's record, whether they agree, pvclock against CLOCK_MONOTONIC and MONOTONIC_RAW, and whether the vDSO uses it now",
  flags: [
    {
      flag: '--watch <seconds>',
      option: 'watchSeconds',
      kind: 'number',
      help: 'poll every record for SECONDS in native code; count version changes, odd-version and torn reads (exit 1 on a torn read)',
    },
    { flag: '--window-ms <ms>', option: 'windowMs', kind: 'number', help: `window for the rate against the Linux clocks (default: ${PVCLOCK_DEFAULTS.windowMs})` },
  ],
  after: '\nExit codes: 0 read; 1 a torn read seen; 2 bad usage; 3 no pvclock page here (no kvm-clock, or the page is not mapped); 130 interrupted.',
  output: 'report',
  text: (r) => textReport(r),
});

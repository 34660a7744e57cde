// check.ts (cli): `clocklab check`'s flags and help.
import { CHECK_DEFAULTS } from '../../commands/check.js';
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';

export const checkCli = defineCli({
  name: 'check',
  description:
    "is this machine's time healthy? In about 4 s: the vDSO in use, no warps across CPUs, TSC health, the KVM " +
    'pvclock page, the clocksource against the recommended one, time sync (NTP/PTP), and steal. For CI and after ' +
    'every VM snapshot restore or migration; --light --prom FILE for a timer on every machine of a fleet. ' +
    'Exit 1 on a failed check (or a warning, with --strict).',
  flags: [
    {
      flag: '--duration <seconds>',
      option: 'durationSeconds',
      kind: 'number',
      help: `seconds of the warp part in all (default ${CHECK_DEFAULTS.durationSeconds}; ${CHECK_DEFAULTS.lightDurationSeconds} with --light)`,
    },
    {
      flag: '--light',
      option: 'light',
      kind: 'switch',
      help: 'the profile for a timer on every machine of a fleet: every check, each sampled briefly (well under a second of CPU)',
    },
    { flag: '--strict', option: 'strict', kind: 'switch', help: 'fail on a warning too' },
    {
      flag: '--compare <file>',
      option: 'compare',
      kind: 'report',
      nameOption: 'compareName',
      help: 'a report.json of `clocklab compare`: judge the clocksource against its recommendation',
    },
    {
      flag: '--machine <dir>',
      option: 'machine',
      kind: 'path',
      help: 'replay a capture (`clocklab capture DIR`): the static checks (tsc, pvclock, clocksource, timesync) on its files; vdso, warp and disturbance are skipped (a replay: not measured)',
    },
  ],
  after: '\nExit codes: 0 healthy (or warnings); 1 a check failed (or warned, with --strict); 2 bad usage; 3 cannot; 130 interrupted.',
  output: 'report',
  text: (r) => textReport(r),
});

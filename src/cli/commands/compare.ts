// compare.ts (cli): `clocklab compare`'s flags and help.
import { COMPARE_DEFAULTS, COMPARE_DEFAULT_METHODS, COMPARE_DEFAULT_WARP_METHODS } from '../../commands/compare.js';
import { defineCli } from '../command.js';
import { textReport } from '../../reports/text/index.js';
import { GATE_FLAGS } from './gate.js';

const d = COMPARE_DEFAULTS;

export const compareCli = defineCli({
  name: 'compare',
  description: 'switch to each clocksource in turn (root), measure, switch back; show them side by side with ratios and recommend one, with the evidence',
  flags: [
    { flag: '--clocksources <list>', option: 'clocksources', kind: 'names', help: 'comma list of clocksources to compare (default: all available), e.g. tsc,kvm-clock' },
    { flag: '--current-only', option: 'currentOnly', kind: 'switch', help: 'measure only the current clocksource, without switching (no root needed)' },
    { flag: '--methods <list>', option: 'methods', kind: 'methods', help: `methods to time (default: ${COMPARE_DEFAULT_METHODS.join(',')}; 'all' for every one; with either, what this machine cannot run is skipped and said so)` },
    { flag: '--loops <n>', option: 'loops', kind: 'number', help: `reads per timed loop (default: ${d.loops})` },
    { flag: '--runs <n>', option: 'runs', kind: 'number', help: `timed loops per method, clocksource and round (default: ${d.runs})` },
    { flag: '--rounds <n>', option: 'rounds', kind: 'number', help: `rounds over the clocksources, in ABBA order so a changing load weighs on each alike (default: ${d.rounds})` },
    { flag: '--cpu <n>', option: 'cpu', kind: 'number', help: `CPU to run the timed loops on (default: ${d.cpu})` },
    { flag: '--warp', option: 'warp', kind: 'switch', help: 'also run the cross-CPU warp check on each clocksource' },
    { flag: '--warp-duration <s>', option: 'warp.durationSeconds', kind: 'number', help: `seconds of warp check per method and clocksource (default: ${d.warpDurationSeconds})` },
    { flag: '--warp-cpus <list>', option: 'warp.cpus', kind: 'cpus', help: 'CPUs for the warp check (default: all online), e.g. 0-3' },
    { flag: '--warp-methods <list>', option: 'warp.methods', kind: 'methods', help: `methods to warp-check (default: ${COMPARE_DEFAULT_WARP_METHODS.join(',')})` },
    ...GATE_FLAGS,
  ],
  after:
    '\nSwitching writes /sys/devices/system/clocksource/clocksource0/current_clocksource. Before anything\n' +
    'is measured the original is journaled (fsync) to /run/clocklab ($CLOCKLAB_STATE_DIR); it is restored on\n' +
    'exit, error, SIGINT, SIGTERM and SIGHUP. After a SIGKILL the next clocklab command restores it\n' +
    '(`clocklab restore` does only that). One run per machine, whatever its state folder: a second is refused with exit 3.\n' +
    'Exit codes: 0 done, 1 a monotonic method warped or a regression past --threshold, 2 bad usage, 3 cannot (a method named that this machine cannot run, not root, read-only /sys, no such clocksource, busy, no room for the journal),\n' +
    '130 interrupted (the clocksource is restored first).',
  output: 'report',
  text: (r) => textReport(r),
});

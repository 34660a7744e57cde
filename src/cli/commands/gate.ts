// gate.ts (cli): the regression gate's flags, shared by bench and compare.
import { DEFAULT_THRESHOLD_PERCENT } from '../../regression/decide.js';
import { FLOOR_NS } from '../../findings/thresholds.js';
import type { FlagOf } from '../command.js';

/** Rows both bench and compare take: options both schemas have (gateFields). */
export const GATE_FLAGS: ReadonlyArray<FlagOf<'bench'> & FlagOf<'compare'>> = [
  {
    flag: '--baseline <file[,file...]>',
    option: 'baseline',
    kind: 'reports',
    nameOption: 'baselineName',
    help: 'a report.json from an earlier run, or several (one a process; three outvote one process that ran slow): fail (exit 1) when the whole 95% interval of a method\'s change lies past --threshold; an interval that straddles it is inconclusive (exit 0, said)',
  },
  { flag: '--threshold <pct>', option: 'thresholdPercent', kind: 'number', help: `how much slower than the baseline median is a regression, in percent (default: ${DEFAULT_THRESHOLD_PERCENT}); a change under ${FLOOR_NS} ns/loop never is` },
];

// gate.ts (cli): the regression gate's flags, shared by bench and compare.
import { DEFAULT_THRESHOLD_PERCENT } from '../../gate/compare.js';
import type { FlagSpec } from '../flags.js';

export const GATE_FLAGS: readonly FlagSpec[] = [
  {
    flag: '--baseline <file>',
    option: 'baseline',
    kind: 'report',
    nameOption: 'baselineName',
    help: 'a report.json from an earlier run: fail (exit 1) when a method is slower than there past --threshold',
  },
  { flag: '--threshold <pct>', option: 'thresholdPercent', kind: 'number', help: `how much slower than the baseline median is a regression, in percent (default: ${DEFAULT_THRESHOLD_PERCENT})` },
];

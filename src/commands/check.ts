// check.ts (command): is this machine's time healthy? Its options, run and
// verdict, once, for the library and the CLI.
import { z } from 'zod';
import { phraseCheck } from '../findings/phrase.js';
import type { CheckResultT } from '../results/check.js';
import { recommendationFromCompare } from '../runners/check/compare-file.js';
import { runCheck, type Collectors } from '../runners/check/index.js';
import { defineCommand, type RunDeps } from './command.js';
import { flag, seconds } from './options.js';
import { storedReport } from './stored-report.js';

export const CHECK_DEFAULTS = { durationSeconds: 2, strict: false } as const;

export const checkOptions = z.strictObject({
  /** Seconds of the warp part in all, split between its methods. */
  durationSeconds: seconds(3600).default(CHECK_DEFAULTS.durationSeconds),
  /** Fail on a warning too. Recorded in the result, so the verdict of a stored result is the same. */
  strict: flag().default(CHECK_DEFAULTS.strict),
  /** A stored compare result: judge the clocksource against its recommendation instead of the TSC-flag rule. */
  compare: storedReport('compare', 'check needs a compare report').optional(),
  /** What reports call that compare result, e.g. its file. */
  compareName: z.string().optional(),
});

export type CheckCommandOptions = z.input<typeof checkOptions>;

export interface CheckDeps extends RunDeps {
  /** Evidence standing in for the machine's (tests inject faults here). */
  collect?: Partial<Collectors>;
}

export const check = defineCommand({
  name: 'check',
  summary: "is this machine's time healthy? (a gate in seconds)",
  options: checkOptions,
  async run(o, deps: CheckDeps = {}): Promise<CheckResultT> {
    const recommendation = o.compare ? recommendationFromCompare(o.compare, o.compareName ?? `a compare run of ${o.compare.startedAt}`) : null;
    return phraseCheck(await runCheck({ warpSeconds: o.durationSeconds, strict: o.strict, recommendation, ...deps }));
  },
  verdict(result) {
    const strict = result.options.strict;
    const failed = result.checks.filter((c) => c.status === 'fail' || (strict && c.status === 'warn'));
    return failed.length === 0 ? { passed: true, failures: [] } : { passed: false, failures: [`check failed: ${failed.map((c) => c.name).join(', ')}`] };
  },
});

// check.ts (command): is this machine's time healthy? Its options, run and
// verdict, once, for the library and the CLI.
import { z } from 'zod';
import { phraseCheck } from '../findings/phrase.js';
import type { CheckResultT } from '../results/check.js';
import { recommendationFromCompare } from '../runners/check/compare-file.js';
import { CHECK_PROFILES, runCheck, type Collectors } from '../runners/check/index.js';
import { defineCommand, type RunDeps } from './command.js';
import { flag, folder, seconds } from './options.js';
import { replayInputs } from '../probes/replay.js';
import { storedReport } from './stored-report.js';

export const CHECK_DEFAULTS = { durationSeconds: CHECK_PROFILES.full.warpSeconds, lightDurationSeconds: CHECK_PROFILES.light.warpSeconds, strict: false, light: false } as const;

export const checkOptions = z.strictObject({
  /** Seconds of the warp part in all, split between its methods (default 2, or 0.02 with light). */
  durationSeconds: seconds(3600).optional(),
  /** The profile for periodic runs on a fleet: every check, each sampled briefly. */
  light: flag().default(CHECK_DEFAULTS.light),
  /** Fail on a warning too. Recorded in the result, so the verdict of a stored result is the same. */
  strict: flag().default(CHECK_DEFAULTS.strict),
  /** A stored compare result: judge the clocksource against its recommendation instead of the TSC-flag rule. */
  compare: storedReport('compare', 'check needs a compare report').optional(),
  /** What reports call that compare result, e.g. its file. */
  compareName: z.string().optional(),
  /** A capture (`clocklab capture DIR`) to replay: its static checks only (tsc, pvclock, clocksource, timesync). */
  machine: folder().optional(),
});

export type CheckInput = z.input<typeof checkOptions>;

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
    const replay = o.machine === undefined ? {} : { inputs: replayInputs(o.machine) };
    return phraseCheck(await runCheck({ warpSeconds: o.durationSeconds, light: o.light, strict: o.strict, recommendation, ...deps, ...replay }));
  },
  verdict(result) {
    const strict = result.options.strict;
    const failed = result.checks.filter((c) => c.status === 'fail' || (strict && c.status === 'warn'));
    return failed.length === 0 ? { passed: true, failures: [] } : { passed: false, failures: [`check failed: ${failed.map((c) => c.name).join(', ')}`] };
  },
});

// check.ts: `clocklab check`, wired: argv -> options -> runCheck -> report.
// Exit 1 on any failed check (and on a warning with --strict).
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../../errors.js';
import { renderCheckText } from '../../reports/text.js';
import { DEFAULT_WARP_SECONDS, runCheck, type CheckRunOptions } from '../../runners/check/index.js';
import { loadCompareRecommendation } from '../../runners/check/compare-file.js';
import { emit, prepareOutput, withOutputOptions, type OutputOptions } from '../output.js';
import { createProgress } from '../progress.js';
import { parseDuration } from './warp.js';

interface CheckCliOptions extends OutputOptions {
  duration?: string;
  strict?: boolean;
  compare?: string;
}

/** Evidence a test injects in place of the machine's (see CliDeps). */
export type CheckInjection = Pick<CheckRunOptions, 'collect' | 'inputs'>;

export function registerCheck(program: Command, inject: CheckInjection = {}): void {
  withOutputOptions(
    program
      .command('check')
      .summary("is this machine's time healthy? (a gate in seconds)")
      .description(
        "is this machine's time healthy? In about 5 s: the vDSO in use, no warps across CPUs, TSC health, the KVM " +
          'pvclock page, the clocksource against the recommended one, and steal. For CI and after every VM snapshot ' +
          'restore or migration. Exit 1 on a failed check (or a warning, with --strict).',
      )
      .option('--duration <seconds>', `seconds of the warp part in all (default ${DEFAULT_WARP_SECONDS})`)
      .option('--strict', 'fail on a warning too')
      .option('--compare <file>', "a report.json of `clocklab compare`: judge the clocksource against its recommendation"),
  ).action(async (opts: CheckCliOptions) => {
    prepareOutput(opts);
    const warpSeconds = opts.duration === undefined ? DEFAULT_WARP_SECONDS : parseDuration(opts.duration);
    const recommendation = opts.compare === undefined ? null : loadCompareRecommendation(opts.compare);
    const progress = createProgress(6);
    const controller = new AbortController();
    const onSigint = (): void => controller.abort(new UsageError('interrupted (SIGINT)'));
    process.once('SIGINT', onSigint);
    let result;
    try {
      result = await runCheck({
        ...inject,
        warpSeconds,
        strict: opts.strict === true,
        recommendation,
        signal: controller.signal,
        onProgress: (name, i) => progress.update(i, name),
      });
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
    emit(result, opts, renderCheckText);
    const failed = result.checks.filter((c) => c.status === 'fail' || (opts.strict === true && c.status === 'warn'));
    if (failed.length > 0) throw new CheckFailed(`check failed: ${failed.map((c) => c.name).join(', ')}`);
  });
}

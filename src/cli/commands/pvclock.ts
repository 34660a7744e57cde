// pvclock.ts: `clocklab pvclock`, wired: options -> runPvclock -> report;
// exit 1 after printing when --watch saw a torn read.
import { InvalidArgumentError, type Command } from 'commander';
import { CheckFailed, UsageError } from '../../errors.js';
import { renderPvclockText } from '../../reports/text.js';
import { runPvclockAsync } from '../../runners/pvclock.js';
import { emit, prepareOutput, withOutputOptions, type OutputOptions } from '../output.js';
import { createProgress } from '../progress.js';

interface PvclockCliOptions extends OutputOptions {
  watch?: number;
  windowMs: number;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 86400) throw new InvalidArgumentError('SECONDS must be a number from 0 (exclusive) to 86400');
  return n;
}

function windowMs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 10 || n > 60000) throw new InvalidArgumentError('the window must be 10 to 60000 ms');
  return n;
}

export function registerPvclock(program: Command): void {
  withOutputOptions(
    program
      .command('pvclock')
      .summary('the KVM pvclock page, per vCPU; --watch for torn reads')
      .description(
        "the KVM pvclock page as user space sees it: every vCPU's record, whether they agree, pvclock against CLOCK_MONOTONIC and MONOTONIC_RAW, and whether the vDSO uses it now",
      )
      .option('--watch <seconds>', 'poll every record for SECONDS in native code; count version changes, odd-version and torn reads (exit 1 on a torn read)', seconds)
      .option('--window-ms <ms>', 'window for the rate against the Linux clocks', windowMs, 500)
      .addHelpText('after', '\nExit status: 0 read, 1 a torn read seen, 2 bad usage, 3 no pvclock page here (not a KVM guest, or the page is not mapped).'),
  ).action(async (opts: PvclockCliOptions) => {
    prepareOutput(opts);
    const watchSeconds = opts.watch ?? null;
    const progress = watchSeconds !== null ? createProgress(watchSeconds) : null;
    // Ctrl-C during a long watch stops the native polling at the next chunk.
    const controller = new AbortController();
    const onSigint = (): void => controller.abort(new UsageError('interrupted (SIGINT): the watch was stopped'));
    process.once('SIGINT', onSigint);
    let result;
    try {
      result = await runPvclockAsync({
        windowMs: opts.windowMs,
        watchSeconds,
        signal: controller.signal,
        ...(progress ? { onProgress: (done: number, total: number) => progress.update(done, `watching ${done.toFixed(0)}/${total} s`) } : {}),
      });
    } finally {
      progress?.stop();
      process.off('SIGINT', onSigint);
    }
    emit(result, opts, renderPvclockText);
    const torn = result.watch?.counts.reduce((s, c) => s + c.tornReads, 0) ?? 0;
    if (torn > 0) throw new CheckFailed(`${torn} torn pvclock read(s) in ${result.watch?.seconds} s`);
  });
}

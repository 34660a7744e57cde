// warp.ts: `clocklab warp`, wired: argv -> options -> runWarp -> report.
// Exit 1 (CheckFailed) when a method that must be monotonic went backwards,
// or when the self-test did not find the skew it planted.
import type { Command } from 'commander';
import { parseCpuList } from '../../cpulist.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { findMethod, parseMethodList, type MethodSpec } from '../../methods.js';
import { renderWarpText } from '../../reports/text.js';
import { DEFAULT_WARP_METHODS, isWarpCheckable, runWarp, type WarpRunOptions } from '../../runners/warp.js';
import { emit, prepareOutput, withOutputOptions, type OutputOptions } from '../output.js';
import { createProgress } from '../progress.js';

interface WarpCliOptions extends OutputOptions {
  methods?: string;
  cpus?: string;
  duration?: string;
  offsets?: boolean;
  selfTest?: boolean;
  skew?: string;
}

const DEFAULT_DURATION = 10;
const DEFAULT_SELF_TEST_DURATION = 2;
const DEFAULT_SKEW = 100_000;

/** A positive number of seconds, or a UsageError that says what was wrong. */
export function parseDuration(text: string): number {
  const d = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(d) || d <= 0) throw new UsageError(`--duration must be a positive number of seconds, not '${text}'`);
  return d;
}

function parseSkew(text: string): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n === 0) throw new UsageError(`--skew must be a non-zero whole number of cycles, not '${text}'`);
  return n;
}

/** argv -> runWarp options (without binding, signal and progress). */
export function warpOptionsFromArgs(opts: WarpCliOptions): WarpRunOptions {
  let methods: MethodSpec[];
  if (opts.methods === undefined) methods = DEFAULT_WARP_METHODS.map((id) => findMethod(id)).filter((m): m is MethodSpec => m !== undefined);
  else if (opts.methods.split(',').map((s) => s.trim()).includes('all')) methods = parseMethodList('all').filter(isWarpCheckable);
  else methods = parseMethodList(opts.methods);
  const cpus = opts.cpus === undefined ? null : parseCpuList(opts.cpus);
  const selfTest = opts.selfTest === true;
  const durationSeconds = opts.duration === undefined ? (selfTest ? DEFAULT_SELF_TEST_DURATION : DEFAULT_DURATION) : parseDuration(opts.duration);
  if (opts.skew !== undefined && !selfTest) throw new UsageError('--skew only applies to --self-test');
  return {
    methods,
    cpus,
    durationSeconds,
    offsets: opts.offsets === true,
    selfTest: selfTest
      ? { skewCycles: opts.skew === undefined ? DEFAULT_SKEW : parseSkew(opts.skew), skewCpu: cpus === null ? 1 : (cpus[1] ?? cpus[0] ?? 1) }
      : null,
  };
}

export function registerWarp(program: Command): void {
  withOutputOptions(
    program
      .command('warp')
      .summary('does any way of reading time go backwards across CPUs?')
      .description(
        'does any way of reading time go backwards across CPUs? Every CPU, pinned, takes one shared lock, reads, ' +
          'and compares with the last value any CPU stored (as the kernel checks TSC sync). Exit 1 if a method that ' +
          'must be monotonic warped; plain rdtsc and wall clocks only report.',
      )
      .option('--methods <list>', `methods to check, comma-separated, or 'all' (default: ${DEFAULT_WARP_METHODS.join(',')})`)
      .option('--cpus <list>', 'CPUs to check on, e.g. 0,2-5 (default: every online CPU)')
      .option(
        '--duration <seconds>',
        `seconds EACH method runs, on all CPUs at once (default ${DEFAULT_DURATION}; the ${DEFAULT_WARP_METHODS.length} default methods take about ${DEFAULT_WARP_METHODS.length * DEFAULT_DURATION} s; ${DEFAULT_SELF_TEST_DURATION} with --self-test)`,
      )
      .option('--offsets', 'also estimate the TSC offset of every CPU pair, in cycles with an error bound')
      .option(
        '--self-test',
        "prove the checker: lower the second CPU's reads of an internal RDTSCP method by --skew cycles and check that the warp found has that size and CPU pair (exit 0 if so, 1 if not)",
      )
      .option('--skew <cycles>', `cycles the self-test skews by (default ${DEFAULT_SKEW})`),
  ).action(async (opts: WarpCliOptions) => {
    prepareOutput(opts);
    const options = warpOptionsFromArgs(opts);
    const methodCount = options.selfTest ? 1 : options.methods.length;
    const total = methodCount * options.durationSeconds;
    const progress = createProgress(total);
    const controller = new AbortController();
    const onSigint = (): void => controller.abort(new UsageError('interrupted (SIGINT): the run was stopped and every worker ended'));
    process.once('SIGINT', onSigint);
    let done = 0;
    let current = '';
    let result;
    try {
      result = await runWarp({
        ...options,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.method !== current) {
            if (current !== '') done++;
            current = p.method;
          }
          progress.update(
            Math.min(total, done * options.durationSeconds + p.elapsedSeconds),
            `${p.method} ${p.elapsedSeconds.toFixed(1)}/${p.durationSeconds} s, ${p.reads.toLocaleString('en-US')} reads`,
          );
        },
      });
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
    emit(result, opts, renderWarpText);
    if (result.selfTest && !result.selfTest.passed) throw new CheckFailed(`the self-test failed: ${result.selfTest.reason}`);
    if (result.verdict === 'failed') {
      const failed = result.methods.filter((m) => m.status === 'measured' && m.verdict === 'failed').map((m) => m.method);
      throw new CheckFailed(`a method that must be monotonic went backwards: ${failed.join(', ')}`);
    }
  });
}

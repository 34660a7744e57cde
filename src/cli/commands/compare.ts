// compare.ts (command): `clocklab compare`, wired: argv -> options ->
// runCompare -> report. A monotonic warp on any clocksource fails the run.
import type { Command } from 'commander';
import { parseClocksourceList } from '../../clocksource/switch.js';
import { parseCpuList } from '../../cpulist.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { applyGate, loadBaseline, throwOnRegression, withGateOptions, type GateOptions } from '../../gate/baseline.js';
import { parseMethodList } from '../../methods.js';
import { onlineCpus, requireOnline } from '../../probes/cpus.js';
import { renderCompareText, renderGateText } from '../../reports/text.js';
import { DEFAULT_COMPARE_METHODS, DEFAULT_COMPARE_WARP_METHODS, runCompare, type CompareOptions } from '../../runners/compare.js';
import { createProgress } from '../progress.js';
import { emit, prepareOutput, withOutputOptions, type OutputOptions } from '../output.js';

// The defaults live with the runner, which the library API shares.
export { DEFAULT_COMPARE_METHODS, DEFAULT_COMPARE_WARP_METHODS as DEFAULT_WARP_METHODS };

/** The flags that become runner options. */
export interface CompareArgv {
  clocksources?: string;
  currentOnly?: boolean;
  methods?: string;
  loops: string;
  runs: string;
  rounds: string;
  cpu: string;
  warp?: boolean;
  warpDuration: string;
  warpCpus?: string;
  warpMethods?: string;
}

interface CompareFlags extends CompareArgv, OutputOptions, GateOptions {}

function positiveInt(flag: string, text: string, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got '${text}'`);
  const n = Number(text);
  if (n < 1 || n > max) throw new UsageError(`${flag} must be between 1 and ${max}, got ${n}`);
  return n;
}

function seconds(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0) || n > 3600) throw new UsageError(`${flag} must be a number of seconds in (0, 3600], got '${text}'`);
  return n;
}

/** argv flags -> runner options (without the runners), checked. */
export function compareOptionsFrom(flags: CompareArgv, online: readonly number[] = onlineCpus()): CompareOptions {
  const methods = parseMethodList(flags.methods ?? DEFAULT_COMPARE_METHODS.join(',')).map((m) => m.id);
  if (!/^\d+$/.test(flags.cpu)) throw new UsageError(`--cpu must be a CPU number, got '${flags.cpu}'`);
  const cpu = Number(flags.cpu);
  requireOnline([cpu], online);
  const warpCpus = flags.warpCpus !== undefined ? parseCpuList(flags.warpCpus) : [...online];
  requireOnline(warpCpus, online);
  const warpMethods = parseMethodList(flags.warpMethods ?? DEFAULT_COMPARE_WARP_METHODS.join(',')).map((m) => m.id);
  return {
    ...(flags.clocksources !== undefined ? { clocksources: parseClocksourceList(flags.clocksources) } : {}),
    currentOnly: flags.currentOnly ?? false,
    methods,
    loops: positiveInt('--loops', flags.loops, 1_000_000_000),
    runs: positiveInt('--runs', flags.runs, 1000),
    rounds: positiveInt('--rounds', flags.rounds, 100),
    cpu,
    checkWarp: flags.warp ?? false,
    warpMethods,
    warpCpus,
    warpDurationSeconds: seconds('--warp-duration', flags.warpDuration),
  };
}

export function registerCompare(program: Command): void {
  withGateOptions(withOutputOptions(
    program
      .command('compare')
      .summary('each clocksource in turn, measured side by side')
      .description(
        'switch to each clocksource in turn (root), measure, switch back; show them side by side with ratios and recommend one, with the evidence',
      )
      .option('--clocksources <list>', 'comma list of clocksources to compare (default: all available), e.g. tsc,kvm-clock')
      .option('--current-only', 'measure only the current clocksource, without switching (no root needed)')
      .option('--methods <list>', `methods to time (default: ${DEFAULT_COMPARE_METHODS.join(',')}; 'all' for every one)`)
      .option('--loops <n>', 'reads per timed loop', '2000000')
      .option('--runs <n>', 'timed loops per method, clocksource and round', '5')
      .option('--rounds <n>', 'rounds over the clocksources, in ABBA order so a changing load weighs on each alike', '2')
      .option('--cpu <n>', 'CPU to run the timed loops on', '0')
      .option('--warp', 'also run the cross-CPU warp check on each clocksource')
      .option('--warp-duration <s>', 'seconds of warp check per method and clocksource', '1')
      .option('--warp-cpus <list>', 'CPUs for the warp check (default: all online), e.g. 0-3')
      .option('--warp-methods <list>', `methods to warp-check (default: ${DEFAULT_COMPARE_WARP_METHODS.join(',')})`)
      .addHelpText(
        'after',
        '\nSwitching writes /sys/devices/system/clocksource/clocksource0/current_clocksource. Before the first\n' +
          'switch the original is journaled (fsync) to /run/clocklab ($CLOCKLAB_STATE_DIR); it is restored on\n' +
          'exit, error, SIGINT, SIGTERM and SIGHUP. After a SIGKILL the next clocklab command restores it\n' +
          '(`clocklab restore` does only that). One run at a time: a second is refused with exit 3.\n' +
          'Exit codes: 0 done, 1 a monotonic method warped or a regression past --threshold, 2 bad usage, 3 cannot (not root, no such clocksource, busy).',
      ),
  )).action(async (flags: CompareFlags) => {
    prepareOutput(flags);
    const options = compareOptionsFrom(flags);
    // A bad baseline is exit 2 before anything is switched.
    const baseline = loadBaseline(flags, 'compare');
    // Steps are fractions of the whole: the runner knows how many there are.
    const progress = createProgress(1);
    const result = await runCompare({
      ...options,
      onStep(done, steps, label) {
        progress.update(done / steps, label);
      },
    }).finally(() => progress.stop());
    const gated = applyGate(result, baseline);
    emit(gated, flags, (r) => renderCompareText(r) + renderGateText(r.gate));
    const failed = result.runs.filter((r) => r.warp?.verdict === 'failed').map((r) => r.clocksource);
    if (failed.length > 0) throw new CheckFailed(`a method that must be monotonic went backwards on ${failed.join(', ')}`);
    if (!result.restored) throw new CheckFailed(`the clocksource was not restored to '${result.originalClocksource}'`);
    throwOnRegression(gated);
  });
}

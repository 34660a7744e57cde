// compare.ts: which clocksource should this machine use? Switches to each in
// turn (src/clocksource/ owns every write), runs bench (and warp),
// switches back, and weighs speed against the evidence that the faster one
// is safe here. Measures and returns a result; never prints.
import { tryLock } from '../clocksource/lock.js';
import { ClocksourceSwitcher } from '../clocksource/switcher.js';
import { checkCanSwitch, defaultContext, readAvailable, readCurrent, validateClocksources, type SwitchContext } from '../clocksource/sysfs.js';
import { UnsupportedError, UsageError } from '../errors.js';
import type { MethodSpec } from '../methods.js';
import { onlineCpus, requireOnline } from '../probes/cpus.js';
import { finding } from '../findings/codes.js';
import { phraseWarp } from '../findings/phrase.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { startDisturbance } from '../probes/disturbance.js';
import { probeMachine, realInputs, type ProbeInputs } from '../probes/machine.js';
import type { BenchResultT } from '../results/bench.js';
import { openPvclockPage, PVCLOCK_FLAGS } from '../probes/pvclock.js';
import type { FindingT } from '../results/common.js';
import type { ClocksourceRunT, CompareResultRawT, SwitchRecordT } from '../results/compare.js';
import type { WarpResultT } from '../results/warp.js';
import { runBench, type BenchRunOptions } from './bench.js';
import type { RunnerContext } from './progress.js';
import { isWarpCheckable, runWarp, type WarpPlan, type WarpRunOptions } from './warp.js';
import { requireAvailable } from '../probes/availability.js';
import { compareRows, recommend } from './compare-judge.js';

// The judge's functions, where tests and the commands have always found them.
export { compareRows, controlDrift, recommend, safetyOf } from './compare-judge.js';

/** The bench runner's options, as far as compare uses them. */
export type BenchRunnerOptions = Pick<BenchRunOptions, 'methods' | 'loops' | 'runs' | 'durationSeconds' | 'cpu' | 'warmup' | 'binding' | 'signal' | 'skipUnavailable'>;
export type BenchRunner = (options: BenchRunnerOptions) => Promise<BenchResultT>;
/** The warp runner, as compare calls it (src/runners/warp.ts). */
export type WarpRunner = (options: WarpRunOptions) => Promise<WarpResultT>;
/** compare's warp part: the warp check's options, less what compare fixes. */
export type CompareWarpOptions = Pick<WarpPlan, 'methods' | 'durationSeconds' | 'skipUnavailable'> & { cpus?: readonly number[] | null | undefined };

export interface CompareRunOptions extends RunnerContext {
  /** Clocksources to measure, in order; null or absent: every available one. */
  clocksources?: readonly string[] | null | undefined;
  /** Measure only the current clocksource, never switching (no root needed). */
  currentOnly: boolean;
  methods: readonly MethodSpec[];
  /** Record a method this machine cannot run as skipped instead of refusing
   * the run (exit 3, before any switch): for the defaults and 'all'. */
  skipUnavailable?: boolean;
  loops: number;
  runs: number;
  /** Rounds over the clocksources, ABBA order; figures pool over rounds. */
  rounds: number;
  cpu: number;
  /** The warp check on each clocksource too, or null. */
  warp: CompareWarpOptions | null;
  /** The runners; the real ones by default, fakes in tests. */
  runBench?: BenchRunner;
  runWarp?: WarpRunner;
  binding?: Binding;
  inputs?: ProbeInputs;
  switchContext?: Partial<SwitchContext>;
}

/** Measured by bench/clocksource-settle.ts on this KVM guest (kernel 6.18):
 * the first reads after a confirmed switch cost what steady-state reads
 * cost, because the switch completes under stop_machine() before write()
 * returns (kernel/time/timekeeping.c, timekeeping_notify()). No wait; the
 * bench warm-up run absorbs cold caches. */
const SETTLE = {
  waitMs: 0,
  why: 'the switch is complete when write() returns (stop_machine in timekeeping_notify); first vDSO reads after a switch measured at steady-state cost, so no wait, only the bench warm-up run',
};


export async function runCompare(options: CompareRunOptions): Promise<CompareResultRawT> {
  const binding = options.binding ?? loadBinding();
  const inputs = options.inputs ?? realInputs(binding);
  if (!inputs.cpuid) throw new UnsupportedError(`clocklab needs an x86 CPU; this is ${process.arch}`);
  const ctx = defaultContext({ ...options.switchContext, binding });
  const startedAt = new Date().toISOString();
  const available = readAvailable(ctx);
  let original = readCurrent(ctx);

  const online = onlineCpus(inputs.source);
  requireOnline([options.cpu, ...(options.warp?.cpus ?? [])], online);
  // A method named that cannot run is refused before any clocksource switch.
  if (options.skipUnavailable !== true) requireAvailable(binding, options.methods);
  if (options.warp && options.warp.skipUnavailable !== true) requireAvailable(binding, options.warp.methods.filter(isWarpCheckable));
  const warpCpus = options.warp ? [...(options.warp.cpus ?? online)] : [];
  let list: string[];
  let switcher: ClocksourceSwitcher | null = null;
  if (options.currentOnly) {
    if (options.clocksources && options.clocksources.some((c) => c !== original)) {
      throw new UsageError(`{currentOnly} measures only the current clocksource ('${original}'); drop {clocksources} or {currentOnly}`);
    }
    // The lock is free unless another run has switched: then the current
    // one is that run's temporary choice, not the machine's.
    const lock = tryLock(ctx);
    if (!('release' in lock)) {
      throw new UnsupportedError(
        `another clocklab run (pid ${lock.heldBy ?? 'unknown'}) holds the clocksource switch: '${original}' is its temporary choice, not this machine's own. Wait for it to finish`,
      );
    }
    lock.release();
    list = [original];
  } else {
    list = options.clocksources ? [...options.clocksources] : available;
    validateClocksources(list, available);
    checkCanSwitch(ctx);
  }
  const bench = options.runBench ?? runBench;
  // Its warp runs have no self-test, so typing them as results adds no prose.
  const warp = options.warp ? (options.runWarp ?? ((o: WarpRunOptions) => runWarp(o).then(phraseWarp))) : null;
  const warpOptions = options.warp;
  if (!options.currentOnly) {
    // Refuses (exit 3) before anything is measured: not root, or another run holds the lock.
    switcher = ClocksourceSwitcher.open(list, ctx);
    // Opening undoes a journal a killed run left, which may change the current one.
    original = switcher.original;
  }
  // The current one first: it needs no switch, and the machine spends less
  // time away from it.
  list = [...list].sort((a, b) => Number(b === original) - Number(a === original));

  const facts = probeMachine(inputs);
  const disturbance = startDisturbance(inputs.source);
  const runs: ClocksourceRunT[] = [];
  // Rounds balance the clocksources against each other; one alone needs one.
  const rounds = list.length < 2 ? 1 : options.rounds;
  // ABBA order: every other round runs the list backwards, so a load that
  // rises or falls during the run weighs on every clocksource alike, and the
  // switch at a round's boundary is saved.
  const plan: Array<{ cs: string; round: number }> = [];
  for (let r = 0; r < rounds; r++) for (const cs of r % 2 === 0 ? list : [...list].reverse()) plan.push({ cs, round: r + 1 });
  const steps = plan.length + (warp ? list.length : 0);
  let step = 0;
  try {
    for (const { cs, round } of plan) {
      // Before a switch, not only inside bench: an abort must not switch again.
      options.signal?.throwIfAborted();
      const event = switcher ? switcher.switchTo(cs) : null;
      options.onProgress?.({ done: step++, total: steps, unit: 'steps', label: `${cs}: bench${rounds > 1 ? ` (round ${round} of ${rounds})` : ''}` });
      const benchResult = await bench({
        methods: options.methods,
        loops: options.loops,
        runs: options.runs,
        durationSeconds: null,
        cpu: options.cpu,
        warmup: true,
        skipUnavailable: true,
        binding,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      let warpResult: WarpResultT | null = null;
      // Once per clocksource: a warp is a property of the clocksource, not of the load.
      if (warp && warpOptions && !runs.some((x) => x.clocksource === cs)) {
        options.onProgress?.({ done: step++, total: steps, unit: 'steps', label: `${cs}: warp` });
        warpResult = await warp({
          methods: warpOptions.methods,
          cpus: warpCpus,
          durationSeconds: warpOptions.durationSeconds,
          offsets: false,
          selfTest: null,
          skipUnavailable: true,
          binding,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      }
      const during = readCurrent(ctx);
      if (during !== cs) throw changedUnder(cs, during, readAvailable(ctx));
      runs.push({ clocksource: cs, round, switched: event, clocksourceDuring: during, bench: benchResult, warp: warpResult });
    }
    options.onProgress?.({ done: steps, total: steps, unit: 'steps', label: 'done' });
  } catch (err) {
    // The restore's own failure, if any, matters more to the operator: it
    // leaves the machine switched. It names what stopped the run too.
    try {
      switcher?.close();
    } catch (restoreErr) {
      if (restoreErr instanceof UnsupportedError) throw new UnsupportedError(`${restoreErr.template}. The run had stopped because: ${(err as Error).message}`);
      throw restoreErr;
    }
    throw err;
  }
  switcher?.close();
  const switches: SwitchRecordT[] = switcher ? [...switcher.events] : [];
  const end = readCurrent(ctx);
  const cpus = [...new Set([options.cpu, ...warpCpus])].sort((a, b) => a - b);
  const methodIds = options.methods.map((m) => m.id);
  const comparison = compareRows(runs, methodIds);
  const findings: FindingT[] = [];
  if (end !== original) findings.push(finding('COMPARE_NOT_RESTORED', 'fail', { original, now: end }));
  const page = openPvclockPage(binding, inputs.source);
  const pvclockStable = page.state === 'readable' ? (page.vcpu0.flags & PVCLOCK_FLAGS.TSC_STABLE) !== 0 : null;
  const recommendation = recommend(runs, comparison, facts, original, findings, pvclockStable);
  const raw: CompareResultRawT = {
    schema: 'clocklab/1',
    command: 'compare',
    startedAt,
    machine: facts.machine,
    options: {
      clocksources: list,
      currentOnly: options.currentOnly ?? false,
      methods: methodIds,
      loops: options.loops,
      runs: options.runs,
      rounds,
      cpu: options.cpu,
      warp: warp !== null,
      warpMethods: warpOptions ? warpOptions.methods.map((m) => m.id) : [],
      warpCpus,
      warpDurationSeconds: warpOptions ? warpOptions.durationSeconds : 0,
    },
    originalClocksource: original,
    settle: SETTLE,
    runs,
    comparison,
    recommendation,
    switches,
    restored: end === original,
    disturbance: disturbance.finish(cpus),
    findings,
  };
  return raw;
}

/** Why the clocksource is not the one being measured. The kernel changes it
 * on its own only when its watchdog marks the current one unstable, which
 * also drops it from available_clocksource (kernel/time/clocksource.c:
 * __clocksource_unstable() clears CLOCK_SOURCE_VALID_FOR_HRES); a
 * clocksource still offered was replaced by a write from outside. */
function changedUnder(cs: string, during: string, available: readonly string[]): UnsupportedError {
  const head = `the clocksource changed to '${during}' while '${cs}' was being measured`;
  if (!available.includes(cs)) {
    return new UnsupportedError(`${head}: the kernel no longer offers '${cs}' (its watchdog marked it unstable; see dmesg)`);
  }
  return new UnsupportedError(
    `${head}, and the kernel still offers '${cs}': something other than this run wrote current_clocksource (a person or program, or a clocklab older than this one, which does not take the machine-wide lock). The measurements would be mixed, so the run stops`,
  );
}

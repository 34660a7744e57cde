// bench.ts: what does one read of each method cost on this machine, measured
// in native loops on one pinned CPU, repeated, and summarised so the figures
// can be trusted and pasted into a bug report?
//
// The runner never prints: it returns a BenchResult and reports progress and
// each finished run through callbacks (the CLI prints timing_test's line from
// onRun as runs finish).
import { holdMainThread } from './main-thread.js';
import { UnsupportedError, UsageError } from '../errors.js';
import type { RunnerContext } from './progress.js';
import { finding } from '../findings/codes.js';
import { BENCH_STEAL_NOTE_PERCENT, LIKE_SYSCALL_RATIO, SPREAD_MIN_RUNS, SPREAD_NOTE_PERCENT } from '../findings/thresholds.js';
import { METHODS, type MethodSpec } from '../methods.js';
import { nativeIndex } from '../probes/native-method.js';
import { median, ratioOfMedians } from '../stats/interval.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { methodAvailability } from '../probes/availability.js';
import { syscallCostFinding } from './syscall-cost.js';
import { coreClockGHz } from '../probes/coreclock.js';
import { onlineCpus, requireOnline } from '../probes/cpus.js';
import { startDisturbance } from '../probes/disturbance.js';
import { probeMachine, realInputs } from '../probes/machine.js';
import type { BenchMethodResultT, BenchResultT, BenchRunT, BenchSummaryT } from '../results/bench.js';
import type { FindingT } from '../results/common.js';

export interface BenchRunOptions extends RunnerContext {
  methods: readonly MethodSpec[];
  loops: number;
  /** Timed runs per method, or null with durationSeconds. */
  runs: number | null;
  /** Repeat each method this long instead of a number of runs. */
  durationSeconds: number | null;
  /** The CPU to pin to; null: the one the thread is on. */
  cpu: number | null;
  warmup: boolean;
  binding?: Binding;
  /** Called as each timed run finishes, with its figures. */
  onRun?: (method: string, run: BenchRunT) => void;
  /** Bootstrap each ratio's interval (default true). check, which judges the
   * medians alone, says false: 2000 resamples a ratio cost ~14 ms of CPU in
   * a short process, where the code has not been optimised yet. */
  ratioIntervals?: boolean;
  /** Record a method this machine cannot run as unsupported, with the reason,
   * instead of refusing the bench (UnsupportedError): for a command's
   * defaults and 'all'. Default: only when every method is asked. */
  skipUnavailable?: boolean;
}

// The bounds that do not depend on the machine (loops, runs, duration) are
// the schema's (src/commands/options.ts, commands/bench.ts); these two depend
// on how fast this machine reads, so only a run can know them.
/** Refuse before starting when one run would take longer than this ... */
export const MAX_RUN_SECONDS = 600;
/** ... or the whole bench longer than this (projected from a short probe loop). */
export const MAX_TOTAL_SECONDS = 3 * 3600;
/** Loops in the probe that projects how long a run will take. */
const PROBE_LOOPS = 10_000;


function summarise(runs: readonly BenchRunT[]): Omit<BenchSummaryT, 'ratioToFastestClock'> {
  const ns = runs.map((r) => r.nsPerLoop);
  const min = Math.min(...ns);
  const max = Math.max(...ns);
  const med = median(ns);
  return {
    minNsPerLoop: min,
    medianNsPerLoop: med,
    maxNsPerLoop: max,
    spreadPercent: med > 0 ? ((max - min) / med) * 100 : 0,
    cyclesPerLoop: median(runs.map((r) => r.cyclesPerLoop)),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs of fewer reads than this get no core-clock reading: they last under
 * half a millisecond, too short for the clock to move, and the reading would
 * cost more than the run (check --light's runs are 10,000 reads). */
const CORE_CLOCK_MIN_LOOPS = 100_000;

function oneRun(binding: Binding, index: number, loops: number): BenchRunT {
  // The core clock just before and just after: the loop itself cannot be
  // interrupted to read it, and the mean of the two follows a clock that
  // drifts during the run.
  const clocked = loops >= CORE_CLOCK_MIN_LOOPS;
  const ghzBefore = clocked ? coreClockGHz(binding) : 0;
  // The process's CPU time around the loop (getrusage(2): the loop is the
  // only thread working): wall time the thread spent off the CPU, run by
  // another task, is in elapsedNs too, and this says how much.
  const before = process.cpuUsage();
  const t = binding.timedLoop(index, loops);
  const used = process.cpuUsage(before);
  const cpuNs = (used.user + used.system) * 1000;
  const ghzAfter = clocked ? coreClockGHz(binding) : 0;
  return {
    elapsedNs: t.elapsedNs,
    nsPerLoop: t.elapsedNs / loops,
    tscDelta: t.tscDelta.toString(),
    cyclesPerLoop: Number(t.tscDelta) / loops,
    onCpuPercent: t.elapsedNs > 0 ? Math.min(100, (cpuNs / t.elapsedNs) * 100) : 100,
    ...(clocked && ghzBefore > 0 && ghzAfter > 0 ? { coreGHz: (ghzBefore + ghzAfter) / 2 } : {}),
  };
}

/** Whether a method is one of the clock_gettime clocks read through the vDSO. */
function isVdsoClock(binding: Binding, spec: MethodSpec): boolean {
  return spec.path === 'vdso' && binding.methodTable.some((m) => m.name === spec.id && m.clockId >= 0);
}

/** Pins the calling thread to `cpu` and returns a function that puts the
 * previous affinity back. */
function pin(binding: Binding, cpu: number): () => void {
  const previous = binding.getAffinity();
  try {
    binding.pinToCpu(cpu);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UnsupportedError(`cannot pin this thread to CPU ${cpu} (${why}); its allowed CPUs are ${previous.join(',')}`);
  }
  return () => binding.setAffinity(previous);
}

export async function runBench(options: BenchRunOptions): Promise<BenchResultT> {
  const binding = options.binding ?? loadBinding();
  const startedAt = new Date().toISOString();
  const online = onlineCpus();
  const cpu = options.cpu ?? binding.getcpu().cpu;
  requireOnline([cpu], online);
  // A survey (defaults, all): what cannot run is recorded, not fatal.
  const all = options.skipUnavailable ?? METHODS.every((m) => options.methods.includes(m));

  const planned: Array<{ spec: MethodSpec; index: number }> = [];
  const skipped = new Map<string, BenchMethodResultT>();
  for (const spec of options.methods) {
    const a = methodAvailability(binding, spec);
    if (a.available) {
      planned.push({ spec, index: nativeIndex(binding, spec.id) });
      continue;
    }
    if (!all) throw new UnsupportedError(`${spec.id}: ${a.reason}`);
    skipped.set(spec.id, { method: spec.id, status: 'unsupported', reason: a.reason });
  }

  const machine = probeMachine(realInputs(binding)).machine;
  const release = await holdMainThread();
  const disturbance = startDisturbance();
  let restore: () => void = () => undefined;
  try {
    restore = pin(binding, cpu);
  } catch (err) {
    release();
    throw err;
  }
  const measured = new Map<string, BenchMethodResultT>();
  try {
    // A short probe loop per method projects how long the bench will take,
    // so a typo like --loops 4000000000 on a syscall method is refused up
    // front instead of running for hours.
    const perLoopNs = new Map<string, number>();
    for (const { spec, index } of planned) {
      options.signal?.throwIfAborted();
      perLoopNs.set(spec.id, oneRun(binding, index, Math.min(PROBE_LOOPS, options.loops)).nsPerLoop);
      await tick();
    }
    let totalSeconds = 0;
    for (const { spec } of planned) {
      const runSeconds = ((perLoopNs.get(spec.id) ?? 0) * options.loops) / 1e9;
      if (runSeconds > MAX_RUN_SECONDS) {
        throw new UsageError(
          `${spec.id} with ${options.loops} loops would take about ${runSeconds.toFixed(0)} s per run ` +
            `(${(perLoopNs.get(spec.id) ?? 0).toFixed(1)} ns/loop); at most ${MAX_RUN_SECONDS} s: use fewer {loops}`,
        );
      }
      const runsSeconds = options.runs !== null ? runSeconds * options.runs : (options.durationSeconds ?? 0);
      totalSeconds += runsSeconds + (options.warmup ? runSeconds : 0);
    }
    if (totalSeconds > MAX_TOTAL_SECONDS) {
      throw new UsageError(
        `the bench would take about ${(totalSeconds / 60).toFixed(0)} minutes; at most ${MAX_TOTAL_SECONDS / 60}: ` +
          'use fewer {loops}, {runs} or {methods}',
      );
    }

    // Progress counts runs, or seconds for a timed bench.
    const timed = options.durationSeconds;
    const total = timed === null ? planned.length * (options.runs ?? 0) : planned.length * timed;
    let done = 0;
    let methodsDone = 0;
    const report = (label: string, methodStart: number): void => {
      if (!options.onProgress) return;
      const at = timed === null ? done : Math.min(total, methodsDone * timed + (performance.now() - methodStart) / 1000);
      options.onProgress({ done: at, total, unit: timed === null ? 'runs' : 'seconds', label });
    };
    for (const { spec, index } of planned) {
      const methodStart = performance.now();
      if (options.warmup) {
        options.signal?.throwIfAborted();
        report(`${spec.id} warm-up`, methodStart);
        oneRun(binding, index, options.loops);
        await tick();
      }
      const runs: BenchRunT[] = [];
      const until = options.durationSeconds !== null ? performance.now() + options.durationSeconds * 1000 : Infinity;
      for (let run = 1; options.runs !== null ? run <= options.runs : performance.now() < until || run === 1; run++) {
        options.signal?.throwIfAborted();
        report(`${spec.id} run ${run}${options.runs !== null ? `/${options.runs}` : ''}`, methodStart);
        const r = oneRun(binding, index, options.loops);
        runs.push(r);
        done++;
        options.onRun?.(spec.id, r);
        await tick();
      }
      methodsDone++;
      measured.set(spec.id, {
        method: spec.id,
        status: 'measured',
        loops: options.loops,
        runs,
        summary: { ...summarise(runs), ratioToFastestClock: null },
      });
    }
  } finally {
    restore();
    release();
  }

  // Ratios against the fastest clock_gettime read through the vDSO. The
  // coarse clocks only copy the last tick's time (no counter read, tick
  // resolution), so they are the base only when no fine clock was measured.
  type Measured = Extract<BenchMethodResultT, { status: 'measured' }>;
  const fastestOf = (coarse: boolean): Measured | null => {
    let fastest: Measured | null = null;
    for (const spec of options.methods) {
      const m = measured.get(spec.id);
      if (m?.status === 'measured' && isVdsoClock(binding, spec) && spec.id.endsWith('_coarse') === coarse) {
        if (fastest === null || m.summary.medianNsPerLoop < fastest.summary.medianNsPerLoop) fastest = m;
      }
    }
    return fastest;
  };
  const fastest = fastestOf(false) ?? fastestOf(true);
  const methods: BenchMethodResultT[] = options.methods.map((spec) => {
    const m = measured.get(spec.id) ?? skipped.get(spec.id);
    if (!m) return { method: spec.id, status: 'failed', reason: 'not run' };
    if (m.status !== 'measured' || fastest === null || fastest.summary.medianNsPerLoop <= 0) return m;
    // The interval resamples both methods' runs; the base against itself is 1 by definition.
    const est = m === fastest || options.ratioIntervals === false ? null : ratioOfMedians([m.runs.map((r) => r.nsPerLoop)], [fastest.runs.map((r) => r.nsPerLoop)]);
    return {
      ...m,
      summary: {
        ...m.summary,
        ratioToFastestClock: m.summary.medianNsPerLoop / fastest.summary.medianNsPerLoop,
        ratioToFastestClockInterval: est === null ? null : { low: est.low, high: est.high },
      },
    };
  });

  const dist = disturbance.finish([cpu]);
  return {
    schema: 'clocklab/1',
    command: 'bench',
    startedAt,
    machine,
    options: {
      methods: options.methods.map((m) => m.id),
      loops: options.loops,
      runs: options.runs,
      durationSeconds: options.durationSeconds,
      cpu,
      warmup: options.warmup,
    },
    methods,
    disturbance: dist,
    findings: benchFindings(methods, dist, machine.onlineCpus.length),
  };
}

/** Findings worth a sentence: disturbed runs, a vDSO clock that costs what a
 * syscall costs, figures too scattered to quote. */
export function benchFindings(
  methods: readonly BenchMethodResultT[],
  dist: BenchResultT['disturbance'],
  cpuCount: number | null = null,
): FindingT[] {
  const findings: FindingT[] = [];
  if (dist.stealPercent >= BENCH_STEAL_NOTE_PERCENT) {
    findings.push(finding('BENCH_STEAL', 'warn', { stealPercent: dist.stealPercent, cpus: dist.cpus.join(',') }));
  }
  if (dist.clocksourceBefore !== dist.clocksourceAfter) {
    findings.push(finding('BENCH_CLOCKSOURCE_CHANGED', 'warn', { before: dist.clocksourceBefore, after: dist.clocksourceAfter }));
  }
  const byId = new Map(methods.map((m) => [m.method, m]));
  for (const m of methods) {
    if (m.status !== 'measured') continue;
    const twin = byId.get(`sys_${m.method}`);
    if (twin?.status === 'measured' && !['process_cputime', 'thread_cputime'].includes(m.method)) {
      const ratio = m.summary.medianNsPerLoop / twin.summary.medianNsPerLoop;
      if (ratio >= LIKE_SYSCALL_RATIO) {
        findings.push(
          finding('BENCH_VDSO_LIKE_SYSCALL', 'warn', {
            method: m.method,
            nsPerLoop: round2(m.summary.medianNsPerLoop),
            syscallMethod: twin.method,
            syscallNsPerLoop: round2(twin.summary.medianNsPerLoop),
            clocksource: dist.clocksourceAfter,
          }),
        );
      }
    }
  }
  const cost = syscallCostFinding(methods);
  if (cost) findings.push(cost);
  // One sentence for every scattered method, not one each.
  const scattered = methods.flatMap((m) =>
    m.status === 'measured' && m.runs.length >= SPREAD_MIN_RUNS && m.summary.spreadPercent > SPREAD_NOTE_PERCENT
      ? [`${m.method} ${m.summary.spreadPercent.toFixed(0)}%`]
      : [],
  );
  if (scattered.length > 0) {
    findings.push(finding('BENCH_SPREAD', 'info', { methods: scattered.join(', '), count: scattered.length }));
  }
  // More runnable tasks than CPUs before the bench: the pinned thread will be
  // preempted now and then, and a preempted run gains a whole time slice.
  if (cpuCount !== null && dist.loadAverageBefore[0] > cpuCount) {
    findings.push(finding('BENCH_LOADED', 'warn', { loadAverage: dist.loadAverageBefore[0], cpus: cpuCount }));
  }
  return findings;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

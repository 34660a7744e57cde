// api.ts: what does clocklab look like from a Node.js program? One function
// per command, taking plain options (method names as strings, everything
// optional with the CLI's defaults) and returning the very result object the
// CLI prints with --json. The runners in src/runners/ do the work; this file
// only names, defaults and checks. Nothing here prints or exits: bad input
// throws UsageError, a machine that cannot throws UnsupportedError, and
// assertPassed() turns a failed verdict into CheckFailed.
import { z } from 'zod';
import { CheckFailed, UsageError } from './errors.js';
import { METHODS, parseMethodList, type MethodSpec } from './methods.js';
import { onlineCpus, requireOnline } from './probes/cpus.js';
import { chartJsSource } from './reports/files.js';
import { renderHtml as htmlOfModel } from './reports/html.js';
import { renderJunit as junitOfModel, type JunitOptions } from './reports/junit.js';
import { renderMarkdown as markdownOfModel } from './reports/markdown.js';
import { reportModel } from './reports/model.js';
import {
  renderBenchText,
  renderCheckText,
  renderCompareText,
  renderInfoText,
  renderMethodsText,
  renderPvclockText,
  renderWarpText,
} from './reports/text.js';
import { withColor } from './reports/text/style.js';
import { BenchResult as BenchResultSchema, type BenchResultT, type BenchRunT } from './results/bench.js';
import { CheckResult as CheckResultSchema, type CheckResultT } from './results/check.js';
import { CompareResult as CompareResultSchema, type CompareResultT } from './results/compare.js';
import { InfoResult as InfoResultSchema, type InfoResultT } from './results/info.js';
import { MethodsResult as MethodsResultSchema, type MethodsResultT } from './results/methods.js';
import { PvclockResult as PvclockResultSchema, type PvclockResultT } from './results/pvclock.js';
import { ReportResult as ReportSchema, type ReportResultT } from './results/report.js';
import { WarpResult as WarpResultSchema, type WarpResultT } from './results/warp.js';
import { DEFAULT_LOOPS, DEFAULT_METHOD_IDS, DEFAULT_RUNS, runBench } from './runners/bench.js';
import { DEFAULT_WARP_SECONDS, runCheck } from './runners/check/index.js';
import { recommendationFromCompare } from './runners/check/compare-file.js';
import { DEFAULT_COMPARE_METHODS, DEFAULT_COMPARE_WARP_METHODS, runCompare } from './runners/compare.js';
import { runInfo } from './runners/info.js';
import { runMethods } from './runners/methods.js';
import { runPvclockAsync } from './runners/pvclock.js';
import { DEFAULT_WARP_METHODS, isWarpCheckable, runWarp, type WarpProgress } from './runners/warp.js';

export {
  BenchResultSchema,
  CheckResultSchema,
  CompareResultSchema,
  InfoResultSchema,
  MethodsResultSchema,
  PvclockResultSchema,
  ReportSchema,
  WarpResultSchema,
};
export type { WarpProgress, JunitOptions };

/** The result of `bench()`: the object `clocklab bench --json` prints. */
export type BenchResult = BenchResultT;
/** One timed run of one method inside a BenchResult. */
export type BenchRun = BenchRunT;
/** The result of `warp()`: the object `clocklab warp --json` prints. */
export type WarpResult = WarpResultT;
/** The result of `compare()`: the object `clocklab compare --json` prints. */
export type CompareResult = CompareResultT;
/** The result of `check()`: the object `clocklab check --json` prints. */
export type CheckResult = CheckResultT;
/** The result of `pvclock()`: the object `clocklab pvclock --json` prints. */
export type PvclockResult = PvclockResultT;
/** The result of `info()`: the object `clocklab info --json` prints. */
export type InfoResult = InfoResultT;
/** The result of `methods()`: the object `clocklab methods --json` prints. */
export type MethodsResult = MethodsResultT;
/** Any result a report.json may hold, told apart by `command` (ReportSchema validates it). */
export type ReportResult = ReportResultT;
/** Any result a library function returns. */
export type AnyResult = ReportResultT | MethodsResultT;

/** Method names as `methods()` lists them (`'monotonic'`, `'rdtscp'` ...), or `'all'`. */
export type MethodList = readonly string[] | 'all';

// ---------------------------------------------------------------- checking

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function');
const signal = z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'expected an AbortSignal');
const methodList = z.union([z.literal('all'), z.array(z.string())]);
const cpuList = z.array(z.number());

/** Refuses what is not an options object of this shape, unknown keys
 * included (a typo such as `loop: 1e6` would otherwise be ignored). */
function checkShape(what: string, schema: z.ZodType, options: unknown): void {
  const r = schema.safeParse(options ?? {});
  if (r.success) return;
  const first = r.error.issues[0];
  const where = first && first.path.length > 0 ? `options.${first.path.join('.')}` : 'options';
  const prefix = first && first.path.length > 0 ? `${first.path.join('.')}.` : '';
  const detail =
    first?.code === 'unrecognized_keys'
      ? `unknown option${first.keys.length > 1 ? 's' : ''} ${first.keys.map((k) => `'${prefix}${k}'`).join(', ')}`
      : `${where}: ${first?.message ?? 'invalid'}`;
  throw new UsageError(`${what}(): ${detail}`);
}

/** Method names -> registry entries; an unknown name is a UsageError naming the known ones. */
function specs(list: MethodList, filter: (m: MethodSpec) => boolean = () => true): MethodSpec[] {
  if (list === 'all') return METHODS.filter(filter);
  if (list.length === 0) throw new UsageError('the method list is empty');
  const out: MethodSpec[] = [];
  for (const name of list) for (const m of parseMethodList(name)) if (!out.includes(m)) out.push(m);
  return out;
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function secondsIn(name: string, value: number, max: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new UsageError(`${name} must be a number of seconds above 0 and at most ${max}, got ${String(value)}`);
  return value;
}

// ---------------------------------------------------------------- bench

/** Where a bench is: `run` 0 is the uncounted warm-up; `total` is null for a timed (durationSeconds) bench. */
export interface BenchProgress {
  /** The method about to run. */
  method: string;
  /** Its run about to start: 0 the warm-up, then 1, 2 ... */
  run: number;
  /** Runs per method, or null for a timed bench. */
  runs: number | null;
  /** Timed runs finished so far, over all methods. */
  done: number;
  /** Timed runs in all, or null for a timed bench. */
  total: number | null;
}

export interface BenchOptions {
  /** Methods to time, in order. Default: rdtsc, rdtscp, lfence_rdtsc, monotonic, realtime,
   * monotonic_raw, monotonic_coarse, sys_monotonic, gettimeofday. With `'all'`, what this
   * machine cannot run is recorded as unsupported; a method named explicitly that cannot
   * run throws UnsupportedError. */
  methods?: MethodList;
  /** Reads per timed run (at most 2^32-1). Default 10 000 000. */
  loops?: number;
  /** Timed runs per method. Default 10, unless `durationSeconds` is given. */
  runs?: number;
  /** Instead of `runs`: repeat each method for this many seconds. */
  durationSeconds?: number;
  /** The CPU to pin the measuring thread to; default the CPU it is on. The thread's
   * affinity is put back afterwards. */
  cpu?: number;
  /** An uncounted warm-up run before each method. Default true. */
  warmup?: boolean;
  /** Checked between runs: an abort ends the bench after the run in progress, with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each run (and the warm-up). */
  onProgress?: (progress: BenchProgress) => void;
  /** Called as each timed run finishes, with its figures. */
  onRun?: (method: string, run: BenchRun) => void;
}

const BenchShape = z.strictObject({
  methods: methodList.optional(),
  loops: z.number().optional(),
  runs: z.number().optional(),
  durationSeconds: z.number().optional(),
  cpu: z.number().optional(),
  warmup: z.boolean().optional(),
  signal: signal.optional(),
  onProgress: fn.optional(),
  onRun: fn.optional(),
});

/**
 * What one read of each method costs: native loops on one pinned CPU,
 * repeated and summarised (median, min, max, spread, cycles per read).
 *
 * @example const r = await bench({ methods: ['monotonic', 'rdtscp'], loops: 1e6, runs: 3 });
 * @throws UsageError bad options; UnsupportedError a named method this CPU or kernel lacks.
 */
export async function bench(options: BenchOptions = {}): Promise<BenchResult> {
  checkShape('bench', BenchShape, options);
  if (options.runs !== undefined && options.durationSeconds !== undefined) throw new UsageError('bench(): give runs or durationSeconds, not both');
  return runBench({
    methods: specs(options.methods ?? DEFAULT_METHOD_IDS),
    loops: options.loops ?? DEFAULT_LOOPS,
    runs: options.durationSeconds !== undefined ? null : (options.runs ?? DEFAULT_RUNS),
    durationSeconds: options.durationSeconds ?? null,
    cpu: options.cpu ?? null,
    warmup: options.warmup ?? true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onRun ? { onRun: options.onRun } : {}),
  });
}

// ---------------------------------------------------------------- warp

export interface WarpOptions {
  /** Methods to check. Default: monotonic, monotonic_raw, boottime, rdtscp, lfence_rdtsc,
   * mfence_rdtsc, rdtsc, realtime. `'all'` is every method with a warp contract. */
  methods?: MethodList;
  /** CPUs to check on, at least one; default every online CPU this process may run on. */
  cpus?: readonly number[];
  /** Seconds EACH method runs, on all CPUs at once. Default 10 (2 with `selfTest`). */
  durationSeconds?: number;
  /** Also estimate the TSC offset of every CPU pair. Default false. */
  offsets?: boolean;
  /** Prove the checker: skew one CPU's reads of an internal RDTSCP method by `skewCycles`
   * (default 100 000) on `skewCpu` (default the second CPU checked) and check that the warp
   * found has that size; `result.selfTest.passed` says whether it did. */
  selfTest?: boolean | { skewCycles?: number; skewCpu?: number };
  /** Aborting sets the shared abort word: every worker's native loop returns within
   * microseconds, all workers are ended, and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called about five times a second while a method runs, and once as it ends. */
  onProgress?: (progress: WarpProgress) => void;
}

const WarpShape = z.strictObject({
  methods: methodList.optional(),
  cpus: cpuList.optional(),
  durationSeconds: z.number().optional(),
  offsets: z.boolean().optional(),
  selfTest: z.union([z.boolean(), z.strictObject({ skewCycles: z.number().optional(), skewCpu: z.number().optional() })]).optional(),
  signal: signal.optional(),
  onProgress: fn.optional(),
});

/**
 * Does any way of reading time go backwards across CPUs? One pinned worker
 * thread per CPU, all comparing their reads under one shared lock.
 * A method that must be monotonic and warped gives `verdict: 'failed'`
 * (data, not an exception: see assertPassed).
 *
 * @example const r = await warp({ methods: ['monotonic'], durationSeconds: 0.5 });
 */
export async function warp(options: WarpOptions = {}): Promise<WarpResult> {
  checkShape('warp', WarpShape, options);
  const cpus = options.cpus ? [...options.cpus] : null;
  const st = options.selfTest === true ? {} : options.selfTest === false || options.selfTest === undefined ? null : options.selfTest;
  const durationSeconds = options.durationSeconds ?? (st ? 2 : 10);
  const selfTest = st
    ? {
        skewCycles: st.skewCycles ?? 100_000,
        skewCpu: st.skewCpu ?? (cpus ? (cpus[1] ?? cpus[0] ?? 1) : (onlineCpus()[1] ?? 1)),
      }
    : null;
  return runWarp({
    methods: specs(options.methods ?? DEFAULT_WARP_METHODS, isWarpCheckable),
    cpus,
    durationSeconds,
    offsets: options.offsets ?? false,
    selfTest,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

// ---------------------------------------------------------------- compare

/** Where a compare is: step `done` of `total`, and what it is doing (`kvm-clock: bench`). */
export interface CompareProgress {
  /** Steps finished. */
  done: number;
  /** Steps in all: one bench per clocksource and round, one warp per clocksource. */
  total: number;
  /** The step starting, e.g. `kvm-clock: bench (round 1 of 2)`, or `done`. */
  label: string;
}

export interface CompareOptions {
  /** Measure only the current clocksource, never switching (no root needed). Default false. */
  currentOnly?: boolean;
  /** Clocksources to compare; default every available one. Switching needs root and
   * restores the original on return, error, abort and signals. */
  clocksources?: readonly string[];
  /** Methods to time. Default: monotonic, realtime, monotonic_raw, boottime, sys_monotonic,
   * gettimeofday, rdtscp. */
  methods?: MethodList;
  /** Reads per timed run, 1 to 10^9. Default 2 000 000. */
  loops?: number;
  /** Timed runs per method, clocksource and round, 1 to 1000. Default 5. */
  runs?: number;
  /** Rounds over the clocksources in ABBA order, 1 to 100. Default 2. */
  rounds?: number;
  /** The CPU the timed loops run on. Default 0. */
  cpu?: number;
  /** Also run the warp check on each clocksource: `true` for its defaults (monotonic,
   * realtime, rdtscp, lfence_rdtsc; all online CPUs; 1 s per method), or the parts to change. */
  warp?: boolean | { methods?: MethodList; cpus?: readonly number[]; durationSeconds?: number };
  /** Checked before each step and inside bench and warp. */
  signal?: AbortSignal;
  /** Called before each step, and with done === total at the end. */
  onProgress?: (progress: CompareProgress) => void;
}

const CompareShape = z.strictObject({
  currentOnly: z.boolean().optional(),
  clocksources: z.array(z.string()).optional(),
  methods: methodList.optional(),
  loops: z.number().optional(),
  runs: z.number().optional(),
  rounds: z.number().optional(),
  cpu: z.number().optional(),
  warp: z.union([z.boolean(), z.strictObject({ methods: methodList.optional(), cpus: cpuList.optional(), durationSeconds: z.number().optional() })]).optional(),
  signal: signal.optional(),
  onProgress: fn.optional(),
});

/**
 * Which clocksource should this machine use? Measures each (switching as
 * root, or only the current one with `currentOnly`) and weighs speed
 * against the evidence that the faster one is safe.
 *
 * @example const r = await compare({ currentOnly: true, methods: ['monotonic', 'rdtscp'], loops: 1e5, runs: 2 });
 * @throws UnsupportedError when switching is asked for without root or while another run switches.
 */
export async function compare(options: CompareOptions = {}): Promise<CompareResult> {
  checkShape('compare', CompareShape, options);
  const online = onlineCpus();
  const cpu = wholeNumber('cpu', options.cpu ?? 0, 0, Number.MAX_SAFE_INTEGER);
  requireOnline([cpu], online);
  const w = options.warp === true ? {} : options.warp === false || options.warp === undefined ? null : options.warp;
  const warpCpus = w?.cpus ? [...w.cpus] : [...online];
  requireOnline(warpCpus, online);
  const { onProgress } = options;
  return runCompare({
    ...(options.clocksources ? { clocksources: [...options.clocksources] } : {}),
    currentOnly: options.currentOnly ?? false,
    methods: specs(options.methods ?? DEFAULT_COMPARE_METHODS).map((m) => m.id),
    loops: wholeNumber('loops', options.loops ?? 2_000_000, 1, 1_000_000_000),
    runs: wholeNumber('runs', options.runs ?? 5, 1, 1000),
    rounds: wholeNumber('rounds', options.rounds ?? 2, 1, 100),
    cpu,
    checkWarp: w !== null,
    warpMethods: specs(w?.methods ?? DEFAULT_COMPARE_WARP_METHODS).map((m) => m.id),
    warpCpus,
    warpDurationSeconds: secondsIn('warp.durationSeconds', w?.durationSeconds ?? 1, 3600),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onProgress ? { onStep: (done: number, total: number, label: string) => onProgress({ done, total, label }) } : {}),
  });
}

// ---------------------------------------------------------------- check

/** Where a check is: the part starting, `index` of `total`. */
export interface CheckProgress {
  /** The part starting: vdso, warp, tsc, pvclock, clocksource or disturbance. */
  check: CheckResult['checks'][number]['name'];
  /** Parts finished before it. */
  index: number;
  /** Parts in all (6). */
  total: number;
}

export interface CheckOptions {
  /** Seconds of the warp part in all, split between its methods. Default 2. */
  durationSeconds?: number;
  /** Recorded in the result; assertPassed(result) then fails on a warning too. Default false. */
  strict?: boolean;
  /** A stored compare result: judge the clocksource against its recommendation
   * instead of the TSC-flag rule. Validated with CompareResultSchema. */
  compare?: CompareResult;
  /** Checked before each part and inside its bench and warp runs. */
  signal?: AbortSignal;
  /** Called as each of the six parts starts. */
  onProgress?: (progress: CheckProgress) => void;
}

const CheckShape = z.strictObject({
  durationSeconds: z.number().optional(),
  strict: z.boolean().optional(),
  compare: z.unknown().optional(),
  signal: signal.optional(),
  onProgress: fn.optional(),
});

/**
 * Is this machine's time healthy? In a few seconds: the vDSO in use, no
 * warps across CPUs, TSC health, the KVM pvclock page, the clocksource
 * against the recommended one, and steal. The verdict is data
 * (`healthy | warnings | unhealthy`); assertPassed(result) throws CheckFailed
 * where `clocklab check` exits 1.
 *
 * @example const r = await check({ durationSeconds: 0.4 }); console.log(r.verdict);
 */
export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  checkShape('check', CheckShape, options);
  let recommendation = null;
  if (options.compare !== undefined) {
    const parsed = CompareResultSchema.safeParse(options.compare);
    if (!parsed.success) throw new UsageError(`check(): options.compare is not a compare result:\n${z.prettifyError(parsed.error)}`);
    recommendation = recommendationFromCompare(parsed.data, `a compare run of ${parsed.data.startedAt}`);
  }
  const { onProgress } = options;
  return runCheck({
    warpSeconds: options.durationSeconds ?? DEFAULT_WARP_SECONDS,
    strict: options.strict ?? false,
    recommendation,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onProgress ? { onProgress: (check: CheckProgress['check'], index: number, total: number) => onProgress({ check, index, total }) } : {}),
  });
}

// ---------------------------------------------------------------- pvclock

export interface PvclockOptions {
  /** Milliseconds over which pvclock's rate is compared with CLOCK_MONOTONIC(_RAW), 10 to 60000. Default 500. */
  windowMs?: number;
  /** Also poll every vCPU's record this long in native code, counting version changes
   * and torn reads. Default: no watch. */
  watchSeconds?: number;
  /** Checked every quarter second of the watch. */
  signal?: AbortSignal;
  /** Called every quarter second of the watch: seconds done of seconds in all. */
  onProgress?: (progress: { doneSeconds: number; totalSeconds: number }) => void;
}

const PvclockShape = z.strictObject({
  windowMs: z.number().optional(),
  watchSeconds: z.number().optional(),
  signal: signal.optional(),
  onProgress: fn.optional(),
});

/**
 * The KVM pvclock page as user space sees it: every vCPU's record, whether
 * they agree, pvclock against the Linux clocks, and whether the vDSO uses it.
 *
 * @throws UnsupportedError when there is no pvclock page (not a KVM guest, or never mapped).
 */
export async function pvclock(options: PvclockOptions = {}): Promise<PvclockResult> {
  checkShape('pvclock', PvclockShape, options);
  const windowMs = wholeNumber('windowMs', options.windowMs ?? 500, 10, 60_000);
  const { onProgress } = options;
  return runPvclockAsync({
    windowMs,
    watchSeconds: options.watchSeconds === undefined ? null : secondsIn('watchSeconds', options.watchSeconds, 86_400),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onProgress ? { onProgress: (doneSeconds: number, totalSeconds: number) => onProgress({ doneSeconds, totalSeconds }) } : {}),
  });
}

// ---------------------------------------------------------------- info, methods

/** What this machine's clocks are made of: CPU, TSC flags and frequency,
 * hypervisor, clocksources, the pvclock page. Probes only, no load; synchronous. */
export function info(): InfoResult {
  return runInfo();
}

/** Every method clocklab knows, whether this machine can run it, and why
 * not. Synchronous. */
export function methods(): MethodsResult {
  return runMethods();
}

// ---------------------------------------------------------------- verdicts

/**
 * Throws CheckFailed (its `result` is the result) where the CLI would exit 1:
 * a check with a failed part (or a warning, when it ran with `strict`, or
 * `options.strict`); a warp whose monotonic method warped or whose self-test
 * missed; a compare with a warp or without the clocksource restored; a
 * pvclock watch that saw a torn read. Otherwise returns the result.
 */
export function assertPassed<R extends AnyResult>(result: R, options: { strict?: boolean } = {}): R {
  const fail = (message: string): never => {
    throw new CheckFailed(message, { result });
  };
  const r: AnyResult = result;
  switch (r.command) {
    case 'check': {
      const strict = options.strict ?? r.options.strict;
      const failed = r.checks.filter((c) => c.status === 'fail' || (strict && c.status === 'warn'));
      if (failed.length > 0) fail(`check failed: ${failed.map((c) => c.name).join(', ')}`);
      break;
    }
    case 'warp': {
      if (r.selfTest && !r.selfTest.passed) fail(`the self-test failed: ${r.selfTest.reason}`);
      const failed = r.methods.filter((m) => m.status === 'measured' && m.verdict === 'failed').map((m) => m.method);
      if (failed.length > 0) fail(`a method that must be monotonic went backwards: ${failed.join(', ')}`);
      break;
    }
    case 'compare': {
      const failed = r.runs.filter((x) => x.warp?.verdict === 'failed').map((x) => x.clocksource);
      if (failed.length > 0) fail(`a method that must be monotonic went backwards on ${failed.join(', ')}`);
      if (!r.restored) fail(`the clocksource was not restored to '${r.originalClocksource}'`);
      break;
    }
    case 'pvclock': {
      const torn = r.watch?.counts.reduce((s, c) => s + c.tornReads, 0) ?? 0;
      if (torn > 0) fail(`${torn} torn pvclock read(s) in ${r.watch?.seconds ?? 0} s`);
      break;
    }
    default:
      break;
  }
  return result;
}

// ---------------------------------------------------------------- reports

/**
 * A stored report (report.json, or `--json` output) checked against the
 * schema and typed. Throws UsageError saying what does not match.
 */
export function parseReport(json: unknown): ReportResult {
  const parsed = ReportSchema.safeParse(typeof json === 'string' ? parseJson(json) : json);
  if (!parsed.success) throw new UsageError(`not a clocklab/1 report:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The text report the CLI prints for a result: plain text unless
 * `{ color: true }` asks for the terminal colours the CLI uses. */
export function renderText(result: AnyResult, options: { color?: boolean } = {}): string {
  const r: AnyResult = result;
  return withColor(options.color ?? false, () => {
    switch (r.command) {
      case 'info': return renderInfoText(r);
      case 'methods': return renderMethodsText(r);
      case 'bench': return renderBenchText(r);
      case 'warp': return renderWarpText(r);
      case 'compare': return renderCompareText(r);
      case 'check': return renderCheckText(r);
      case 'pvclock': return renderPvclockText(r);
    }
    throw new UsageError(`renderText(): not a clocklab result (command ${JSON.stringify((r as { command?: unknown }).command)})`);
  });
}

/** summary.md: the verdict, warnings and tables, for a CI job summary or a PR comment. */
export function renderMarkdown(result: ReportResult): string {
  return markdownOfModel(reportModel(result));
}

/** junit.xml: one testcase per check, for CI test tabs. */
export function renderJunit(result: ReportResult, options: JunitOptions = {}): string {
  return junitOfModel(reportModel(result), options);
}

/** report.html: one self-contained page (Chart.js inlined, nothing fetched). */
export function renderHtml(result: ReportResult, options: { chartJs?: string } = {}): string {
  return htmlOfModel(reportModel(result), { chartJs: options.chartJs ?? chartJsSource() });
}

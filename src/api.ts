// api.ts: clocklab from a Node.js program. A thin list over src/commands/:
// each function parses its options through the command's own schema (the one
// the CLI parses through), runs it, and returns the very result object the
// CLI prints with --json. Nothing here prints or exits: bad input throws
// UsageError, a machine that cannot throws UnsupportedError, and
// assertPassed() turns a failed verdict (the command's own) into CheckFailed.
import { z } from 'zod';
import type { Command, RunDeps, Verdict } from './commands/command.js';
import { COMMANDS, type CommandName } from './commands/index.js';
import { parseOptions, show } from './commands/options.js';
import type { BenchInput } from './commands/bench.js';
import type { CaptureInput, CaptureOutcome } from './commands/capture.js';
import type { CheckInput } from './commands/check.js';
import type { InfoInput } from './commands/info.js';
import type { MethodsInput } from './commands/methods.js';
import type { CompareInput } from './commands/compare.js';
import type { PvclockInput } from './commands/pvclock.js';
import type { OrderInput } from './commands/order.js';
import { tscOptions, type TscInput } from './commands/tsc.js';
import { secondsFrom } from './commands/options.js';
import { TSC_DURATION_MAX, TSC_DURATION_MIN } from './runners/tsc/run.js';
import type { WarpInput } from './commands/warp.js';
import { CheckFailed, UnsupportedError, UsageError } from './errors.js';
import { chartJsSource } from './reports/chart-js.js';
import { renderHtml as htmlOfModel } from './reports/html.js';
import { renderJunit as junitOfModel, type JunitOptions } from './reports/junit.js';
import { renderMarkdown as markdownOfModel } from './reports/markdown.js';
import { reportModel } from './reports/model/index.js';
import { promText } from './reports/prom.js';
import { packageVersion as clocklabVersion } from './paths.js';
import { textReport } from './reports/text/index.js';
import { withColor } from './reports/text/style.js';
import { BenchResult as BenchResultSchema, type BenchResultT, type BenchRunT } from './results/bench.js';
import { CheckResult as CheckResultSchema, type CheckResultT } from './results/check.js';
import { CompareResult as CompareResultSchema, type CompareResultT } from './results/compare.js';
import { InfoResult as InfoResultSchema, type InfoResultT } from './results/info.js';
import { MethodsResult as MethodsResultSchema, type MethodsResultT } from './results/methods.js';
import { PvclockResult as PvclockResultSchema, type PvclockResultT } from './results/pvclock.js';
import { ReportResult as ReportSchema, type ReportResultT } from './results/report.js';
import { OrderResult as OrderResultSchema, type OrderResultT } from './results/order.js';
import { TscResult as TscResultSchema, type TscClaimT, type TscResultT } from './results/tsc.js';
import { WarpResult as WarpResultSchema, type WarpResultT } from './results/warp.js';
import type { Progress } from './runners/progress.js';

export {
  BenchResultSchema,
  CheckResultSchema,
  CompareResultSchema,
  InfoResultSchema,
  MethodsResultSchema,
  OrderResultSchema,
  PvclockResultSchema,
  ReportSchema,
  TscResultSchema,
  WarpResultSchema,
};
export type { JunitOptions, Progress, Verdict };

/** The result of `bench()`: the object `clocklab bench --json` prints. */
export type BenchResult = BenchResultT;
/** One timed run of one method inside a BenchResult. */
export type BenchRun = BenchRunT;
/** The result of `warp()`: the object `clocklab warp --json` prints. */
export type WarpResult = WarpResultT;
/** The result of `order()`: the object `clocklab order --json` prints. */
export type OrderResult = OrderResultT;
/** The result of `tsc()`: the object `clocklab tsc --json` prints. */
export type TscResult = TscResultT;
/** One claimed TSC frequency beside the measured rate, inside a TscResult. */
export type TscClaim = TscClaimT;
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

/** What every measuring function takes besides its options. */
export interface Hooks {
  /** Aborting ends the run at its next check (between runs, steps or
   * polling chunks; warp's workers within microseconds), restoring what it
   * changed; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called as the run advances: `done` of `total` `unit`s, and what it is doing. */
  onProgress?: (progress: Progress) => void;
}

/** bench()'s options: see the README's table, or `clocklab bench --help`. */
export type BenchOptions = BenchInput & Hooks & {
  /** Called as each timed run finishes, with its figures. */
  onRun?: (method: string, run: BenchRun) => void;
};
/** warp()'s options. */
export type WarpOptions = WarpInput & Hooks;
/** order()'s options. */
export type OrderOptions = OrderInput & Hooks;
/** tsc()'s options. */
export type TscOptions = TscInput & Hooks;
/** compare()'s options. */
export type CompareOptions = CompareInput & Hooks;
/** check()'s options. */
export type CheckOptions = CheckInput & Hooks;
/** pvclock()'s options. */
export type PvclockOptions = PvclockInput & Hooks;
/** info()'s options: `machine`, a capture folder to replay. */
export type InfoOptions = InfoInput;
/** methods()'s options: `machine`, a capture folder to replay. */
export type MethodsOptions = MethodsInput;
/** capture()'s options: `dir`, the folder to write. */
export type CaptureOptions = CaptureInput;
export type { CaptureOutcome };

const HOOKS = {
  signal: (v: unknown) => v instanceof AbortSignal,
  onProgress: (v: unknown) => typeof v === 'function',
  onRun: (v: unknown) => typeof v === 'function',
} as const;
type HookName = keyof typeof HOOKS;

/** The library's door onto a measuring command: options parsed through its
 * schema (a bad one rejects, never throws synchronously), then run. */
function door<N extends string, S extends z.ZodType, R, D extends RunDeps>(c: Command<N, S, Promise<R>, D>, hooks: readonly HookName[]) {
  return (options: unknown = {}): Promise<R> =>
    Promise.resolve().then(() => {
      const p = prepare(c.name, c.options, options, hooks);
      // prepare() checked each hook's type; D only adds optional hooks of these names.
      return c.run(p.options, p.hooks as D);
    });
}

/** Splits the hooks off a library call's options and parses the rest
 * through the command's schema; a message starts `name(): `. */
function prepare<S extends z.ZodType>(name: string, schema: S, input: unknown, hooks: readonly HookName[]): { options: z.output<S>; hooks: Record<string, unknown> } {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    throw new UsageError(`${name}(): the options must be an object, got ${show(input)}`);
  }
  const rest: Record<string, unknown> = { ...(input as Record<string, unknown> | undefined) };
  const given: Record<string, unknown> = {};
  for (const h of hooks) {
    const v = rest[h];
    delete rest[h];
    if (v === undefined) continue;
    if (!HOOKS[h](v)) throw new UsageError(`${name}(): {${h}} must be ${h === 'signal' ? 'an AbortSignal' : 'a function'}, got ${show(v)}`);
    given[h] = v;
  }
  try {
    return { options: parseOptions(schema, rest), hooks: given };
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${name}(): ${err.template}`);
    throw err;
  }
}

/**
 * What one read of each method costs: native loops on one pinned CPU,
 * repeated and summarised (median, min, max, spread, cycles per read).
 *
 * @example const r = await bench({ methods: ['monotonic', 'rdtscp'], loops: 1e6, runs: 3 });
 * @throws UsageError bad options; UnsupportedError a named method this CPU or kernel lacks.
 */
export const bench: (options?: BenchOptions) => Promise<BenchResult> = door(COMMANDS.bench, ['signal', 'onProgress', 'onRun']);

/**
 * Does any way of reading time go backwards across CPUs? One pinned worker
 * thread per CPU, reading in turn (a baton) and comparing with the last read
 * another CPU stored; each result states its detection limit. A method
 * that must be monotonic and warped gives `verdict: 'failed'` (data, not an
 * exception: see assertPassed).
 *
 * @example const r = await warp({ methods: ['monotonic'], durationSeconds: 0.5 });
 */
export const warp: (options?: WarpOptions) => Promise<WarpResult> = door(COMMANDS.warp, ['signal', 'onProgress']);

/**
 * Is each way of reading time ordered after an earlier load, and after an
 * earlier store, as the manuals promise? Litmus tests on pinned CPU pairs; a
 * violation of a promised order gives `verdict: 'failed'`.
 *
 * @example const r = await order({ methods: ['rdtscp'], patterns: ['load-read'], durationSeconds: 0.2 });
 * @throws UnsupportedError with fewer than two CPUs (a pair needs two).
 */
export const order: (options?: OrderOptions) => Promise<OrderResult> = door(COMMANDS.order, ['signal', 'onProgress']);

/**
 * May a program read the TSC here, and at what rate? The rate on each CPU
 * against CLOCK_MONOTONIC_RAW, MONOTONIC and REALTIME with its 95% interval,
 * every claimed frequency beside it, the CPUs' offsets, whether a plain RDTSC
 * needs a fence, and the verdict (`verdict.usable`; data, not an exception).
 *
 * @example const r = await tsc({ durationSeconds: 1, offsets: false, fence: false }); console.log(r.verdict.frequencyHz);
 */
export const tsc: (options?: TscOptions) => Promise<TscResult> = door(COMMANDS.tsc, ['signal', 'onProgress']);

/** The TSC's frequency as tscFrequency() resolves it. */
export interface TscFrequency {
  /** The frequency to convert with: a claim that agrees with the measurement
   * (the most finely stated), else the measurement itself. */
  hz: number;
  /** Half its 95% interval (a claim's: half its rounding). */
  halfWidthHz: number;
  /** Where `hz` comes from: a claim's source (`pvclock`, `kernel-detected`,
   * `cpuid-0x15`...), or `measured`. */
  source: NonNullable<TscResultT['verdict']['source']>;
  /** The rate measured against CLOCK_MONOTONIC_RAW, pooled over the CPUs. */
  measured: { hz: number; halfWidthHz: number };
  /** Every CPU measured ticks at `hz` and the TSC is invariant: one
   * frequency converts a delta taken on any of them. */
  usable: boolean;
  /** Why not, where `usable` is false. */
  failures: string[];
  /** Every claimed frequency, in ppm off the measurement. */
  claims: TscClaim[];
  /** The whole measurement (`clocklab tsc --json`'s object). */
  result: TscResult;
}

const tscFrequencyOptions = tscOptions.pick({ cpus: true }).extend({ durationSeconds: secondsFrom(TSC_DURATION_MIN, TSC_DURATION_MAX).default(1) });
/** tscFrequency()'s options: the CPUs and the seconds to measure (default 1). */
export type TscFrequencyOptions = z.input<typeof tscFrequencyOptions> & Hooks;

/**
 * The TSC's frequency, measured here (1 s by default, no offsets or fence
 * litmus) and checked against every claim. Rejects with UnsupportedError
 * where nothing could be measured; a TSC a program should not read resolves
 * with `usable: false` and the reasons.
 *
 * @example const f = await tscFrequency(); const ns = tscDeltaToNs(rdtsc() - t0, f);
 */
export async function tscFrequency(options: TscFrequencyOptions = {}): Promise<TscFrequency> {
  const p = prepare('tscFrequency', tscFrequencyOptions, options, ['signal', 'onProgress']);
  const o = COMMANDS.tsc.options.parse({ ...p.options, offsets: false, fence: false });
  const result = await COMMANDS.tsc.run(o, p.hooks);
  const v = result.verdict;
  if (v.frequencyHz === null || v.halfWidthHz === null || v.source === null || result.pooled === null) {
    throw new UnsupportedError('tscFrequency(): no TSC rate could be measured here');
  }
  const verdict = COMMANDS.tsc.verdict(result);
  return { hz: v.frequencyHz, halfWidthHz: v.halfWidthHz, source: v.source, measured: result.pooled, usable: v.usable, failures: verdict.failures, claims: result.claims, result };
}

/**
 * Nanoseconds in a TSC delta (two rdtsc() values subtracted) at a
 * frequency: tscFrequency()'s, or hertz. Exact to a double's 53 bits of the
 * delta (about 50 days of cycles at 2 GHz).
 *
 * @example tscDeltaToNs(2_096_025n, 2_096_025_000) // 1000000
 */
export function tscDeltaToNs(delta: bigint | number, frequency: Pick<TscFrequency, 'hz'> | number): number {
  const hz = typeof frequency === 'number' ? frequency : frequency.hz;
  if (!Number.isFinite(hz) || hz <= 0) throw new UsageError(`tscDeltaToNs(): the frequency must be a positive number of hertz, got ${show(hz)}`);
  if (typeof delta !== 'bigint' && !Number.isFinite(delta)) throw new UsageError(`tscDeltaToNs(): the delta must be a bigint or a finite number, got ${show(delta)}`);
  return (Number(delta) * 1e9) / hz;
}

/**
 * Which clocksource should this machine use? Measures each (switching as
 * root, or only the current one with `currentOnly`) and weighs speed
 * against the evidence that the faster one is safe.
 *
 * @example const r = await compare({ currentOnly: true, methods: ['monotonic', 'rdtscp'], loops: 1e5, runs: 2 });
 * @throws UnsupportedError when switching is asked for without root or while another run switches.
 */
export const compare: (options?: CompareOptions) => Promise<CompareResult> = door(COMMANDS.compare, ['signal', 'onProgress']);

/**
 * Is this machine's time healthy? In a few seconds: the vDSO in use, no
 * warps across CPUs, TSC health, the KVM pvclock page, the clocksource
 * against the recommended one, and steal. The verdict is data
 * (`healthy | warnings | unhealthy`); assertPassed(result) throws CheckFailed
 * where `clocklab check` exits 1.
 *
 * @example const r = await check({ durationSeconds: 0.4 }); console.log(r.verdict);
 */
export const check: (options?: CheckOptions) => Promise<CheckResult> = door(COMMANDS.check, ['signal', 'onProgress']);

/**
 * The KVM pvclock page as user space sees it: every vCPU's record, whether
 * they agree, pvclock against the Linux clocks, and whether the vDSO uses it.
 *
 * @throws UnsupportedError when there is no pvclock page (the kernel has no kvm-clock, or the page was never mapped).
 */
export const pvclock: (options?: PvclockOptions) => Promise<PvclockResult> = door(COMMANDS.pvclock, ['signal', 'onProgress']);

/** What this machine's clocks are made of: CPU, TSC flags and frequency,
 * hypervisor, clocksources, the pvclock page. Probes only, no load;
 * synchronous. `{ machine: DIR }` replays a capture (`capture()`) instead.
 *
 * @example const r = info({ machine: 'test/fixtures/machines/pvm-on-bhyve-amd' });
 */
export function info(options: InfoOptions = {}): InfoResult {
  return COMMANDS.info.run(prepare('info', COMMANDS.info.options, options, []).options);
}

/** Every method clocklab knows, whether this machine can run it, and why
 * not. Synchronous. `{ machine: DIR }` decides from a capture instead. */
export function methods(options: MethodsOptions = {}): MethodsResult {
  return COMMANDS.methods.run(prepare('methods', COMMANDS.methods.options, options, []).options);
}

/** Writes this machine's raw facts into `dir` (created; UsageError if it
 * exists and is not empty): the files `--machine DIR` replays. Synchronous. */
export function capture(options: CaptureOptions): CaptureOutcome {
  return COMMANDS.capture.run(prepare('capture', COMMANDS.capture.options, options, []).options);
}

/** The commands that make a result (src/results/report.ts's union, and
 * methods), each with its judge: the command's own verdict(). Keyed by the
 * result's command, so a result the compiler knows has its judge here. */
const JUDGES: { [C in AnyResult['command']]: (r: Extract<AnyResult, { command: C }>, strict: boolean | undefined) => Verdict } = {
  info: (r) => COMMANDS.info.verdict(r),
  methods: (r) => COMMANDS.methods.verdict(r),
  bench: (r) => COMMANDS.bench.verdict(r),
  warp: (r) => COMMANDS.warp.verdict(r),
  order: (r) => COMMANDS.order.verdict(r),
  compare: (r) => COMMANDS.compare.verdict(r),
  pvclock: (r) => COMMANDS.pvclock.verdict(r),
  tsc: (r) => COMMANDS.tsc.verdict(r),
  check: (r, strict) => COMMANDS.check.verdict(strict === undefined ? r : { ...r, options: { ...r.options, strict } }),
};

/** Every command's door, by the command list (src/commands/index.ts): a
 * command added there does not compile until it has a door here, or is
 * named as the CLI's alone. restore undoes a switch a killed CLI run left:
 * only the CLI switches clocksources and leaves a journal behind. */
type CliOnly = 'restore';
({ info, methods, bench, warp, order, tsc, compare, pvclock, check, capture }) satisfies Record<Exclude<CommandName, CliOnly>, unknown>;

/**
 * The verdict of a result, as the command that made it judges it: the CLI
 * exits 1 where `passed` is false. `strict` overrides check's own setting.
 */
export function verdictOf(result: AnyResult, options: { strict?: boolean } = {}): Verdict {
  const r: AnyResult = result;
  const judge: unknown = Object.hasOwn(JUDGES, r.command) ? JUDGES[r.command] : undefined;
  if (typeof judge !== 'function') throw new UsageError(`not a clocklab result (command ${JSON.stringify((r as { command?: unknown }).command)})`);
  // JUDGES[r.command] takes the result of that very command: a correlation
  // of two unions tsc cannot follow, so it is named once here.
  return (judge as (r: AnyResult, strict: boolean | undefined) => Verdict)(r, options.strict);
}

/**
 * Throws CheckFailed (its `result` is the result) where the CLI would exit 1,
 * with the verdict's failures as its message; otherwise returns the result.
 */
export function assertPassed<R extends AnyResult>(result: R, options: { strict?: boolean } = {}): R {
  const v = verdictOf(result, options);
  if (!v.passed) throw new CheckFailed(v.failures.join('; '), { result });
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
  if (typeof r !== 'object' || r === null || !Object.hasOwn(JUDGES, r.command)) {
    throw new UsageError(`renderText(): not a clocklab result (command ${JSON.stringify((r as { command?: unknown } | null)?.command)})`);
  }
  return withColor(options.color ?? false, () => textReport(r));
}

/** summary.md: the verdict, warnings and tables, for a CI job summary or a PR comment. */
export function renderMarkdown(result: ReportResult): string {
  return markdownOfModel(reportModel(result, verdictOf(result)));
}

/** junit.xml: one testcase per check, for CI test tabs. */
export function renderJunit(result: ReportResult, options: JunitOptions = {}): string {
  return junitOfModel(reportModel(result, verdictOf(result)), options);
}

/** The metrics `--prom FILE` writes, in Prometheus's text format (docs/metrics.md).
 * The run ended `endedAtMs` (default now) and took `durationSeconds` (default
 * from the result's startedAt to then). */
export function renderProm(result: ReportResult, options: { endedAtMs?: number; durationSeconds?: number } = {}): Promise<string> {
  const endedAtMs = options.endedAtMs ?? Date.now();
  const durationSeconds = options.durationSeconds ?? Math.max(0, (endedAtMs - Date.parse(result.startedAt)) / 1000);
  return promText(result, verdictOf(result), { version: clocklabVersion(), endedAtMs, durationSeconds });
}

/** report.html: one self-contained page (Chart.js inlined, nothing fetched). */
export function renderHtml(result: ReportResult, options: { chartJs?: string } = {}): string {
  return htmlOfModel(reportModel(result, verdictOf(result)), { chartJs: options.chartJs ?? chartJsSource() });
}

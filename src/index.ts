// index.ts: the library API. No printing, no process.exit: results are typed
// objects and errors are typed classes (src/errors.ts).
export * from './primitives.js';
export { CLOCKS, CLOCK_NAMES, type ClockName } from './clocks.js';
export { METHODS, type MethodSpec, type Contract } from './methods.js';
export { ClocklabError, UsageError, UnsupportedError, CheckFailed } from './errors.js';
export { runInfo as info, type InfoOptions } from './runners/info.js';
export type { InfoResultT as InfoResult } from './results/info.js';
export { runBench as bench, DEFAULT_METHOD_IDS, type BenchRunOptions } from './runners/bench.js';
export type { BenchResultT as BenchResult, BenchRunT as BenchRun } from './results/bench.js';
export { runMethods as methods, type MethodsOptions } from './runners/methods.js';
export type { MethodsResultT as MethodsResult } from './results/methods.js';
export { runWarp as warp, DEFAULT_WARP_METHODS, type WarpRunOptions, type WarpProgress } from './runners/warp.js';
export type { WarpResultT as WarpResult } from './results/warp.js';
export { runPvclock as pvclock, watchPvclock, type PvclockOptions, type WatchOptions } from './runners/pvclock.js';
export type { PvclockResultT as PvclockResult } from './results/pvclock.js';
export { runCompare as compare, type CompareOptions } from './runners/compare.js';
export type { CompareResultT as CompareResult } from './results/compare.js';
export { recoverJournal, describeRecovery, type Recovery } from './clocksource/switch.js';

// index.ts: the library API. No printing, no process.exit: results are typed
// objects and errors are typed classes (src/errors.ts). The runner functions
// (bench, warp, order, compare, check, pvclock, info, methods, capture), the report functions
// and the schemas come from ./api.ts; the single reads from ./primitives.ts.
export * from './primitives.js';
export { CLOCKS, CLOCK_NAMES, type ClockName } from './clocks.js';
export { METHODS, type MethodSpec, type Contract } from './methods.js';
export { ClocklabError, UsageError, UnsupportedError, AddonUnavailable, CheckFailed, Interrupted } from './errors.js';
export {
  bench,
  warp,
  order,
  compare,
  check,
  pvclock,
  info,
  methods,
  capture,
  assertPassed,
  verdictOf,
  parseReport,
  renderText,
  renderMarkdown,
  renderJunit,
  renderHtml,
  renderProm,
  BenchResultSchema,
  CheckResultSchema,
  CompareResultSchema,
  InfoResultSchema,
  MethodsResultSchema,
  OrderResultSchema,
  PvclockResultSchema,
  ReportSchema,
  WarpResultSchema,
  type AnyResult,
  type BenchOptions,
  type BenchResult,
  type BenchRun,
  type CaptureOptions,
  type CaptureOutcome,
  type CheckOptions,
  type CheckResult,
  type CompareOptions,
  type CompareResult,
  type Hooks,
  type InfoOptions,
  type InfoResult,
  type JunitOptions,
  type MethodsOptions,
  type MethodsResult,
  type OrderOptions,
  type OrderResult,
  type Progress,
  type PvclockOptions,
  type PvclockResult,
  type ReportResult,
  type Verdict,
  type WarpOptions,
  type WarpResult,
} from './api.js';
export { BENCH_DEFAULT_METHODS } from './commands/bench.js';
export { WARP_DEFAULT_METHODS } from './commands/warp.js';
export { ORDER_DEFAULT_METHODS } from './commands/order.js';
export { COMPARE_DEFAULT_METHODS, COMPARE_DEFAULT_WARP_METHODS } from './commands/compare.js';
export { recoverJournal, type Recovery } from './clocksource/recovery.js';
export { describeRecovery } from './findings/recovery.js';

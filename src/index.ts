// index.ts: the library API. No printing, no process.exit: results are typed
// objects and errors are typed classes (src/errors.ts). The runner functions
// (bench, warp, compare, check, pvclock, info, methods), the report functions
// and the schemas come from ./api.ts; the single reads from ./primitives.ts.
export * from './primitives.js';
export { CLOCKS, CLOCK_NAMES, type ClockName } from './clocks.js';
export { METHODS, type MethodSpec, type Contract } from './methods.js';
export { ClocklabError, UsageError, UnsupportedError, CheckFailed } from './errors.js';
export {
  bench,
  warp,
  compare,
  check,
  pvclock,
  info,
  methods,
  assertPassed,
  parseReport,
  renderText,
  renderMarkdown,
  renderJunit,
  renderHtml,
  BenchResultSchema,
  CheckResultSchema,
  CompareResultSchema,
  InfoResultSchema,
  MethodsResultSchema,
  PvclockResultSchema,
  ReportSchema,
  WarpResultSchema,
  type AnyResult,
  type BenchOptions,
  type BenchProgress,
  type BenchResult,
  type BenchRun,
  type CheckOptions,
  type CheckProgress,
  type CheckResult,
  type CompareOptions,
  type CompareProgress,
  type CompareResult,
  type InfoResult,
  type JunitOptions,
  type MethodList,
  type MethodsResult,
  type PvclockOptions,
  type PvclockResult,
  type ReportResult,
  type WarpOptions,
  type WarpProgress,
  type WarpResult,
} from './api.js';
export { DEFAULT_METHOD_IDS } from './runners/bench.js';
export { DEFAULT_WARP_METHODS } from './runners/warp.js';
export { DEFAULT_COMPARE_METHODS, DEFAULT_COMPARE_WARP_METHODS } from './runners/compare.js';
export { recoverJournal, describeRecovery, type Recovery } from './clocksource/switch.js';

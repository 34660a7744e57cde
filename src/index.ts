// index.ts: the library API. No printing, no process.exit: results are typed
// objects and errors are typed classes (src/errors.ts). The runner functions
// (one a command: src/commands/index.ts), the report functions and the schemas are
// ./api.ts's, re-exported whole so the list exists once; the single reads come
// from ./primitives.ts.
export * from './primitives.js';
export { CLOCKS, CLOCK_NAMES, type ClockName } from './clocks.js';
export { METHODS, type MethodSpec, type Contract } from './methods.js';
export { ClocklabError, UsageError, UnsupportedError, AddonUnavailable, CheckFailed, Interrupted } from './errors.js';
export * from './api.js';
export { BENCH_DEFAULT_METHODS } from './commands/bench.js';
export { WARP_DEFAULT_METHODS } from './commands/warp.js';
export { ORDER_DEFAULT_METHODS } from './commands/order.js';
export { COMPARE_DEFAULT_METHODS, COMPARE_DEFAULT_WARP_METHODS } from './commands/compare.js';
export { recoverJournal, type Recovery } from './clocksource/recovery.js';
export { describeRecovery } from './findings/recovery.js';

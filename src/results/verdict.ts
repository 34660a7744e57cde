// verdict.ts: whether a result passed, as the command that made it judges it
// (src/commands/<name>.ts verdict()). The CLI's exit code, assertPassed and
// every report's heading read this one value.

/** Whether a result passed, and what failed. */
export interface Verdict {
  passed: boolean;
  /** One line per thing that failed, e.g. `a method that must be monotonic went backwards: rdtscp`. */
  failures: string[];
}

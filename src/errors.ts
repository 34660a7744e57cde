// errors.ts: the ways a request can fail, as classes the CLI maps to exit codes
// (src/cli/main.ts: UsageError 2, UnsupportedError 3, CheckFailed 1). The
// library throws them; it never prints or exits.

/** Base class of every error clocklab throws on purpose. */
export class ClocklabError extends Error {
  override name = 'ClocklabError';
}

/** Bad input: an unknown name, a malformed list, a number out of range. Exit 2. */
export class UsageError extends ClocklabError {
  override name = 'UsageError';
}

/** The machine cannot do what was asked: not x86, an instruction the CPU
 * lacks, no permission, no such clocksource. Exit 3. */
export class UnsupportedError extends ClocklabError {
  override name = 'UnsupportedError';
}

/** A check failed: a warp where none may be, a regression. Exit 1. */
export class CheckFailed extends ClocklabError {
  override name = 'CheckFailed';
  /** The result that failed, when there is one (the library's
   * assertPassed sets it): the report is still there to render. */
  readonly result: unknown;
  constructor(message: string, options: { result?: unknown } = {}) {
    super(message);
    this.result = options.result;
  }
}

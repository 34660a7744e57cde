// errors.ts: the ways a request can fail, as classes the CLI maps to exit codes
// (src/cli/main.ts: UsageError 2, UnsupportedError 3, CheckFailed 1,
// Interrupted 130). The library throws them; it never prints or exits.

/** Base class of every error clocklab throws on purpose. */
export class ClocklabError extends Error {
  override name = 'ClocklabError';
}

/** `{name}` in a usage message names an option: the library shows the
 * option's name, the CLI the flag it maps it to (src/cli/flags.ts). */
const OPTION_REF = /\{([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)\}/g;

/** Fills a usage template's `{option}` references with `name(option)`. */
export function renderTemplate(template: string, name: (option: string) => string): string {
  return template.replace(OPTION_REF, (_m, option: string) => name(option));
}

/** An error whose message may name options as `{option}`: the library
 * shows each option's name, the CLI the flag it maps it to. */
export class OptionNamingError extends ClocklabError {
  override name = 'OptionNamingError';
  /** The message with its option references unfilled. */
  readonly template: string;
  constructor(template: string) {
    super(renderTemplate(template, (o) => o));
    this.template = template;
  }
  /** The message with each option named by `name`. */
  describe(name: (option: string) => string): string {
    return renderTemplate(this.template, name);
  }
}

/** Bad input: an unknown name, a malformed list, a number out of range. Exit 2. */
export class UsageError extends OptionNamingError {
  override name = 'UsageError';
}

/** The machine cannot do what was asked: not x86, an instruction the CPU
 * lacks, no permission, no such clocksource. Exit 3. */
export class UnsupportedError extends OptionNamingError {
  override name = 'UnsupportedError';
}

/** The native addon is not there for this machine (no prebuild fits and
 * none was built). Exit 3, with how to build it. */
export class AddonUnavailable extends UnsupportedError {
  override name = 'AddonUnavailable';
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

/** The run was interrupted (Ctrl-C, or an AbortSignal the CLI aborts on
 * SIGINT): not bad usage. What had to be restored was restored. Exit 130,
 * the shell's 128 + SIGINT. */
export class Interrupted extends ClocklabError {
  override name = 'Interrupted';
}

// command.ts (cli): what the CLI adds to a command (src/commands/): its flags,
// its help, where its result goes, and anything it prints while running.
// main.ts wires every one of them the same way.
import type { COMMANDS, CommandName } from '../commands/index.js';
import type { FlagSpec } from './flags.js';

type Commands = typeof COMMANDS;
/** The result type of command N. */
export type ResultOf<N extends CommandName> = Awaited<ReturnType<Commands[N]['run']>>;
/** Command N's options, parsed. */
export type OptionsOf<N extends CommandName> = Parameters<Commands[N]['run']>[0];
/** What command N's run takes besides its options. */
export type DepsOf<N extends CommandName> = NonNullable<Parameters<Commands[N]['run']>[1]>;

export interface CliCommand<N extends CommandName> {
  name: N;
  /** The long description under `clocklab <name> --help`. */
  description: string;
  /** argv -> options, one row per flag (tested on its own: test/flags.test.ts). */
  flags: readonly FlagSpec[];
  /** Positional arguments, in order: `capture DIR`. Each sets an option as typed. */
  args?: ReadonlyArray<{ name: string; option: string; help: string }>;
  /** More help after the flags: output format, exit codes. */
  after?: string;
  /** `report`: --json and --out (report files); `json`: --json only; `text`: neither. */
  output: 'report' | 'json' | 'text';
  /** The text report on stdout, for a result. */
  text(result: ResultOf<N>): string;
  /** Hooks that print while the command runs (bench's run lines), given
   * stdout's writer and a pause for the progress bar; with --json, none. */
  live?(options: OptionsOf<N>, write: (text: string) => void, pauseProgress: () => void): Partial<DepsOf<N>>;
}

export function defineCli<N extends CommandName>(c: CliCommand<N>): CliCommand<N> {
  return c;
}

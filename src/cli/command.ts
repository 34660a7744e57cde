// command.ts (cli): what the CLI adds to a command (src/commands/): its flags,
// its help, where its result goes, and anything it prints while running.
// main.ts wires every one of them the same way.
import type { z } from 'zod';
import type { COMMANDS, CommandName } from '../commands/index.js';
import type { FlagSpec } from './flags.js';

type Commands = typeof COMMANDS;
/** Command N's options as the library takes them (its schema's input). */
export type InputOf<N extends CommandName> = z.input<Commands[N]['options']>;

/** A key of T, or `key.part` where the key also takes an object of parts
 * (`selfTest.skewCycles`, `warp.durationSeconds`): what a flag may set. */
type OptionPath<T> = {
  [K in keyof T & string]-?: K | PartsOf<K, Exclude<T[K], undefined>>;
}[keyof T & string];
type PartsOf<K extends string, P> = P extends readonly unknown[] ? never : P extends (...args: never[]) => unknown ? never : P extends object ? `${K}.${keyof P & string}` : never;

/** A flag row of command N: the option it sets is one the command's schema
 * has, so a row naming an option the schema lost (or misspelt) does not compile. */
export type FlagOf<N extends CommandName> = FlagSpec & { option: OptionPath<InputOf<N>>; nameOption?: OptionPath<InputOf<N>> };
/** An argument of command N (`capture DIR`), checked the same way. */
export interface ArgOf<N extends CommandName> {
  name: string;
  option: OptionPath<InputOf<N>>;
  help: string;
}
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
  flags: ReadonlyArray<FlagOf<N>>;
  /** Positional arguments, in order: `capture DIR`. Each sets an option as typed. */
  args?: ReadonlyArray<ArgOf<N>>;
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

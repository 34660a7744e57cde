// command.ts: what a command is. One object per command (src/commands/<name>.ts)
// holds its options schema (defaults, bounds, messages), how it runs, and how
// its result is judged. The library (src/api.ts) and the CLI (src/cli/) are two
// doors onto it: both parse through `options`, call `run`, read `verdict`.
import type { z } from 'zod';
import type { Binding } from '../native/binding.js';
import type { ProbeInputs } from '../probes/machine.js';
import type { Verdict } from '../results/verdict.js';
import type { Progress } from '../runners/progress.js';

export type { Verdict };

/** The verdict of a result with nothing to judge (info, methods, restore). */
export function passed(): Verdict {
  return { passed: true, failures: [] };
}

/** What a run may be given besides its options: the machine to measure (tests
 * inject faults at these inputs), and the caller's signal and progress. */
export interface RunDeps {
  binding?: Binding;
  inputs?: ProbeInputs;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** A command. `Ret` is what run returns: the result, or a promise of it
 * (info and methods answer at once, so the library keeps them synchronous). */
export interface Command<Name extends string, Schema extends z.ZodType, Ret, Deps extends RunDeps = RunDeps> {
  name: Name;
  /** One line: the question the command answers. */
  summary: string;
  /** The options, with defaults and bounds; the library's input type is its input. */
  options: Schema;
  run(options: z.output<Schema>, deps?: Deps): Ret;
  verdict(result: Awaited<Ret>): Verdict;
}

/** Typed identity: checks a command object against the shape above. */
export function defineCommand<Name extends string, Schema extends z.ZodType, Ret, Deps extends RunDeps = RunDeps>(
  command: Command<Name, Schema, Ret, Deps>,
): Command<Name, Schema, Ret, Deps> {
  return command;
}

// methods.ts (command): which ways of reading time can this machine run, and
// why not? A list, not a measurement: its verdict always passes.
import { z } from 'zod';
import type { MethodsResultT } from '../results/methods.js';
import { runMethods } from '../runners/methods.js';
import { replayInputs } from '../probes/replay.js';
import { defineCommand, passed, type RunDeps } from './command.js';
import { folder } from './options.js';

export const methodsOptions = z.strictObject({
  /** A capture (`clocklab capture DIR`) to replay instead of this machine. */
  machine: folder().optional(),
});

export type MethodsInput = z.input<typeof methodsOptions>;

export const methods = defineCommand({
  name: 'methods',
  summary: 'every way of reading time, and whether it runs here',
  options: methodsOptions,
  run(o, deps: RunDeps = {}): MethodsResultT {
    return runMethods(o.machine === undefined ? deps : { ...deps, inputs: replayInputs(o.machine) });
  },
  verdict: passed,
});

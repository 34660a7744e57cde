// methods.ts (command): which ways of reading time can this machine run, and
// why not? A list, not a measurement: its verdict always passes.
import { z } from 'zod';
import type { MethodsResultT } from '../results/methods.js';
import { runMethods } from '../runners/methods.js';
import { defineCommand, passed, type RunDeps } from './command.js';

export const methodsOptions = z.strictObject({});

export const methods = defineCommand({
  name: 'methods',
  summary: 'every way of reading time, and whether it runs here',
  options: methodsOptions,
  run(_o, deps: RunDeps = {}): MethodsResultT {
    return runMethods(deps);
  },
  verdict: passed,
});

// info.ts (command): what are this machine's clocks made of? Probes only;
// nothing to judge, so its verdict always passes.
import { z } from 'zod';
import type { InfoResultT } from '../results/info.js';
import { runInfo } from '../runners/info.js';
import { replayInputs } from '../probes/replay.js';
import { defineCommand, passed, type RunDeps } from './command.js';
import { folder } from './options.js';

export const infoOptions = z.strictObject({
  /** A capture (`clocklab capture DIR`) to replay instead of this machine. */
  machine: folder().optional(),
});

export type InfoInput = z.input<typeof infoOptions>;

export const info = defineCommand({
  name: 'info',
  summary: "what this machine's clocks are made of",
  options: infoOptions,
  run(o, deps: RunDeps = {}): InfoResultT {
    return runInfo(o.machine === undefined ? deps : { ...deps, inputs: replayInputs(o.machine) });
  },
  verdict: passed,
});

// info.ts (command): what are this machine's clocks made of? Probes only;
// nothing to judge, so its verdict always passes.
import { z } from 'zod';
import type { InfoResultT } from '../results/info.js';
import { runInfo } from '../runners/info.js';
import { defineCommand, passed, type RunDeps } from './command.js';

export const infoOptions = z.strictObject({});

export const info = defineCommand({
  name: 'info',
  summary: "what this machine's clocks are made of",
  options: infoOptions,
  run(_o, deps: RunDeps = {}): InfoResultT {
    return runInfo(deps);
  },
  verdict: passed,
});

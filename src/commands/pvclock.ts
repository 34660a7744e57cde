// pvclock.ts (command): what does the KVM pvclock page say? Its options, run
// and verdict, once, for the library and the CLI.
import { z } from 'zod';
import type { PvclockResultT } from '../results/pvclock.js';
import { runPvclockAsync } from '../runners/pvclock.js';
import { defineCommand, type RunDeps } from './command.js';
import { seconds, wholeNumber } from './options.js';

export const PVCLOCK_DEFAULTS = { windowMs: 500 } as const;

export const pvclockOptions = z.strictObject({
  /** Milliseconds over which pvclock's rate is compared with CLOCK_MONOTONIC(_RAW). */
  windowMs: wholeNumber(10, 60_000).default(PVCLOCK_DEFAULTS.windowMs),
  /** Also poll every vCPU's record this long in native code, counting version changes and torn reads. */
  watchSeconds: seconds(86_400).optional(),
});

/** pvclock's options as the library and the CLI give them. */
export type PvclockInput = z.input<typeof pvclockOptions>;

export interface PvclockDeps extends RunDeps {
  /** Bytes standing in for the page's records (tests inject torn or disagreeing records). */
  pageBytes?: Uint8Array;
}

export const pvclock = defineCommand({
  name: 'pvclock',
  summary: 'the KVM pvclock page per vCPU, and whether the vCPUs agree',
  options: pvclockOptions,
  run(o, deps: PvclockDeps = {}): Promise<PvclockResultT> {
    return runPvclockAsync({ ...o, ...deps });
  },
  verdict(result) {
    const torn = result.watch?.counts.reduce((s, c) => s + c.tornReads, 0) ?? 0;
    return torn === 0 ? { passed: true, failures: [] } : { passed: false, failures: [`${torn} torn pvclock read(s) in ${result.watch?.seconds ?? 0} s`] };
  },
});

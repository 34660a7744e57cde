// compare.ts (command): which clocksource should this machine use? Its
// options, run and verdict, once, for the library and the CLI.
import { z } from 'zod';
import { phraseCompare } from '../findings/phrase.js';
import type { CompareResultT } from '../results/compare.js';
import { runCompare, type BenchRunner, type WarpRunner } from '../runners/compare.js';
import type { SwitchContext } from '../clocksource/sysfs.js';
import { defineCommand, type RunDeps } from './command.js';
import { applyGate, regressionFailure } from '../regression/decide.js';
import { cpuList, cpuNumber, flag, gateFields, loopCount, methodList, nameList, runCount, runnerMethods, seconds, wholeNumber } from './options.js';

/** The clocks whose cost depends on the clocksource, their system-call
 * twin, and rdtscp and lfence_rdtsc as controls that do not (their ratio
 * shows the noise; lfence_rdtsc where CPUID hides RDTSCP). Those this machine
 * cannot run are skipped and said so. */
export const COMPARE_DEFAULT_METHODS = ['monotonic', 'realtime', 'monotonic_raw', 'boottime', 'sys_monotonic', 'gettimeofday', 'rdtscp', 'lfence_rdtsc'] as const;
/** compare's warp part by default: clocks that must not go backwards, and the
 * TSC reads (those that cannot be read here skipped). */
export const COMPARE_DEFAULT_WARP_METHODS = ['monotonic', 'realtime', 'rdtscp', 'lfence_rdtsc'] as const;

/** compare's documented bounds, lower than bench's (runs and loops repeat
 * for every clocksource and round, each switch held for the whole bench):
 * the same pieces as bench's, kept at the bounds test/doors.test.ts pins. */
const COMPARE_MAX_LOOPS = 1_000_000_000;
const COMPARE_MAX_RUNS = 1000;

export const COMPARE_DEFAULTS = { loops: 2_000_000, runs: 5, rounds: 2, cpu: 0, warpDurationSeconds: 1 } as const;

const warpPart = z
  .strictObject({
    methods: methodList(undefined, COMPARE_DEFAULT_WARP_METHODS).prefault('default'),
    /** Default: every online CPU. */
    cpus: cpuList().optional(),
    durationSeconds: seconds(3600).default(COMPARE_DEFAULTS.warpDurationSeconds),
  });

export const compareOptions = z
  .strictObject({
    /** Measure only the current clocksource, never switching (no root needed). */
    currentOnly: flag().default(false),
    /** Clocksources to compare; default every available one. */
    clocksources: nameList().optional(),
    methods: methodList(undefined, COMPARE_DEFAULT_METHODS).prefault('default'),
    /** Reads per timed run. */
    loops: loopCount(COMPARE_MAX_LOOPS).default(COMPARE_DEFAULTS.loops),
    /** Timed runs per method, clocksource and round. */
    runs: runCount(COMPARE_MAX_RUNS).default(COMPARE_DEFAULTS.runs),
    /** Rounds over the clocksources in ABBA order. */
    rounds: wholeNumber(1, 100).default(COMPARE_DEFAULTS.rounds),
    /** The CPU the timed loops run on. */
    cpu: cpuNumber().default(COMPARE_DEFAULTS.cpu),
    /** Also run the warp check on each clocksource: true for its defaults, or the parts to change. */
    warp: z
      .union([flag(), warpPart])
      .prefault(false)
      .transform((w) => (w === false ? null : w === true ? warpPart.parse({}) : w)),
    ...gateFields('compare'),
  })
;

/** compare's options as the library and the CLI give them. */
export type CompareInput = z.input<typeof compareOptions>;
/** compare's options parsed: defaults filled, what runCompare takes. */
export type CompareSettings = z.output<typeof compareOptions>;

export interface CompareDeps extends RunDeps {
  /** Stand-in runners and sysfs (tests). */
  runBench?: BenchRunner;
  runWarp?: WarpRunner;
  switchContext?: Partial<SwitchContext>;
}

export const compare = defineCommand({
  name: 'compare',
  summary: 'each clocksource in turn, measured side by side',
  options: compareOptions,
  async run(o, deps: CompareDeps = {}): Promise<CompareResultT> {
    return applyGate(phraseCompare(await runCompare({ ...o, ...runnerMethods(o.methods), warp: o.warp && { ...o.warp, ...runnerMethods(o.warp.methods) }, ...deps })), o);
  },
  verdict(result) {
    const failures: string[] = [];
    const warped = result.runs.filter((x) => x.warp?.verdict === 'failed').map((x) => x.clocksource);
    if (warped.length > 0) failures.push(`a method that must be monotonic went backwards on ${[...new Set(warped)].join(', ')}`);
    if (!result.restored) failures.push(`the clocksource was not restored to '${result.originalClocksource}'`);
    const regression = regressionFailure(result);
    if (regression !== null) failures.push(regression);
    return { passed: failures.length === 0, failures };
  },
});

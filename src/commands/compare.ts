// compare.ts (command): which clocksource should this machine use? Its
// options, run and verdict, once, for the library and the CLI.
import { z } from 'zod';
import { phraseCompare } from '../findings/phrase.js';
import type { CompareResultT } from '../results/compare.js';
import { runCompare, type BenchRunner, type WarpRunner } from '../runners/compare.js';
import type { SwitchContext } from '../clocksource/sysfs.js';
import { defineCommand, type RunDeps } from './command.js';
import { applyGate, regressionFailure } from '../regression/decide.js';
import { cpuList, flag, gateFields, methodList, nameList, seconds, wholeNumber } from './options.js';

/** The clocks whose cost depends on the clocksource, their system-call
 * twin, and rdtscp and lfence_rdtsc as controls that do not (their ratio
 * shows the noise; lfence_rdtsc where CPUID hides RDTSCP). Those this machine
 * cannot run are skipped and said so. */
export const COMPARE_DEFAULT_METHODS = ['monotonic', 'realtime', 'monotonic_raw', 'boottime', 'sys_monotonic', 'gettimeofday', 'rdtscp', 'lfence_rdtsc'] as const;
/** compare's warp part by default: clocks that must not go backwards, and the
 * TSC reads (those that cannot be read here skipped). */
export const COMPARE_DEFAULT_WARP_METHODS = ['monotonic', 'realtime', 'rdtscp', 'lfence_rdtsc'] as const;

export const COMPARE_DEFAULTS = { loops: 2_000_000, runs: 5, rounds: 2, cpu: 0, warpDurationSeconds: 1 } as const;

const warpPart = z.strictObject({
  methods: methodList(undefined, COMPARE_DEFAULT_WARP_METHODS).prefault('default'),
  /** Default: every online CPU. */
  cpus: cpuList().optional(),
  durationSeconds: seconds(3600).default(COMPARE_DEFAULTS.warpDurationSeconds),
});

export const compareOptions = z.strictObject({
    /** Measure only the current clocksource, never switching (no root needed). */
    currentOnly: flag().default(false),
    /** Clocksources to compare; default every available one. */
    clocksources: nameList().optional(),
    methods: methodList(undefined, COMPARE_DEFAULT_METHODS).prefault('default'),
    /** Reads per timed run. */
    loops: wholeNumber(1, 1_000_000_000).default(COMPARE_DEFAULTS.loops),
    /** Timed runs per method, clocksource and round. */
    runs: wholeNumber(1, 1000).default(COMPARE_DEFAULTS.runs),
    /** Rounds over the clocksources in ABBA order. */
    rounds: wholeNumber(1, 100).default(COMPARE_DEFAULTS.rounds),
    /** The CPU the timed loops run on. */
    cpu: wholeNumber(0, 4095).default(COMPARE_DEFAULTS.cpu),
    /** Also run the warp check on each clocksource: true for its defaults, or the parts to change. */
    warp: z
      .union([flag(), warpPart])
      .prefault(false)
      .transform((w) => (w === false ? null : w === true ? warpPart.parse({}) : w)),
    ...gateFields('compare'),
  });

export type CompareCommandOptions = z.input<typeof compareOptions>;

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
    const result = await runCompare({
      clocksources: o.clocksources ?? null,
      currentOnly: o.currentOnly,
      methods: o.methods.specs,
      skipUnavailable: o.methods.by !== 'name',
      loops: o.loops,
      runs: o.runs,
      rounds: o.rounds,
      cpu: o.cpu,
      warp: o.warp ? { methods: o.warp.methods.specs, skipUnavailable: o.warp.methods.by !== 'name', cpus: o.warp.cpus ?? null, durationSeconds: o.warp.durationSeconds } : null,
      ...deps,
    });
    return applyGate(phraseCompare(result), o);
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

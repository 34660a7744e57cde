// warp.ts (command): does any way of reading time go backwards across CPUs?
// Its options, run and verdict, once, for the library and the CLI.
import { z } from 'zod';
import type { WarpResultT } from '../results/warp.js';
import { phraseWarp } from '../findings/phrase.js';
import { isWarpCheckable, runWarp } from '../runners/warp.js';
import { defineCommand, type RunDeps } from './command.js';
import { cpuList, cpuNumber, flag, methodList, runnerMethods, seconds, show } from './options.js';

/** What `clocklab warp` checks when no methods are named: the clocks that
 * must be monotonic, the ordered TSC reads, plain RDTSC and a wall clock;
 * those this machine cannot read are skipped and said so. */
export const WARP_DEFAULT_METHODS = ['monotonic', 'monotonic_raw', 'boottime', 'rdtscp', 'lfence_rdtsc', 'mfence_rdtsc', 'rdtsc', 'realtime'] as const;

export const WARP_DEFAULTS = { durationSeconds: 10, selfTestDurationSeconds: 2, skewCycles: 100_000 } as const;

/** At most a day of one method: longer is a typo. */
const MAX_WARP_SECONDS = 86_400;

const skewCycles = z.custom<number>((v) => typeof v === 'number' && Number.isSafeInteger(v) && v !== 0, {
  error: (i) => `must be a non-zero whole number of cycles, got ${show(i.input)}`,
});

const selfTestPart = z.strictObject({
  /** Cycles the skewed CPU's reads are lowered by. */
  skewCycles: skewCycles.default(WARP_DEFAULTS.skewCycles),
  /** The CPU skewed; default the second CPU checked. */
  skewCpu: cpuNumber().nullable().default(null),
});

export const warpOptions = z
  .strictObject({
  /** Methods to check, 'all' (every method with a warp contract) or 'default'
   * (WARP_DEFAULT_METHODS); a method named that cannot be read here is refused. */
  methods: methodList(isWarpCheckable, WARP_DEFAULT_METHODS).prefault('default'),
  /** CPUs to check on; default every online CPU this process may run on. */
  cpus: cpuList().optional(),
  /** Seconds each method runs, on all CPUs at once (default 10, 2 with selfTest). */
  durationSeconds: seconds(MAX_WARP_SECONDS).optional(),
  /** Also estimate the TSC offset of every CPU pair. */
  offsets: flag().default(false),
  /** Each CPU pair in turn, for its share of the duration, so every pair gets samples. */
  pairs: flag().default(false),
  /** Prove the checker: skew one CPU's reads of an internal ordered TSC read
   * (RDTSCP, or LFENCE;RDTSC and getcpu where CPUID hides RDTSCP) and check
   * that the warp found has that size and CPU pair. */
  selfTest: z
    .union([flag(), selfTestPart])
    .prefault(false)
    .transform((st) => (st === false ? null : st === true ? selfTestPart.parse({}) : st)),
  });

/** warp's options as the library and the CLI give them. */
export type WarpInput = z.input<typeof warpOptions>;
/** warp's options parsed: defaults filled, what runWarp takes. */
export type WarpSettings = z.output<typeof warpOptions>;

export const warp = defineCommand({
  name: 'warp',
  summary: 'does any way of reading time go backwards across CPUs?',
  options: warpOptions,
  async run(o, deps: RunDeps = {}): Promise<WarpResultT> {
    return phraseWarp(await runWarp({
      ...o,
      ...runnerMethods(o.methods),
      // A default across two options (see bench.ts): the self-test is short.
      durationSeconds: o.durationSeconds ?? (o.selfTest ? WARP_DEFAULTS.selfTestDurationSeconds : WARP_DEFAULTS.durationSeconds),
      ...deps,
    }));
  },
  // The run judged (result.verdict: the self-test's, else whether a method
  // that must be monotonic went backwards, runners/warp.ts); this says why.
  verdict(result) {
    if (result.verdict === 'held') return { passed: true, failures: [] };
    if (result.selfTest) return { passed: false, failures: [`the self-test failed: ${result.selfTest.reason}`] };
    const warped = result.methods.filter((m) => m.status === 'measured' && m.verdict === 'failed').map((m) => m.method);
    return { passed: false, failures: [`a method that must be monotonic went backwards: ${warped.join(', ')}`] };
  },
});

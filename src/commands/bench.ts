// bench.ts (command): what does one read of each method cost here? Its
// options, run and verdict, once, for the library and the CLI.
import { z } from 'zod';
import type { BenchResultT, BenchRunT } from '../results/bench.js';
import { runBench } from '../runners/bench.js';
import { defineCommand, type RunDeps } from './command.js';
import { onlineCpus } from '../probes/cpus.js';
import type { ReportResultT } from '../results/report.js';
import { applyGate, regressionFailure, toConfirm } from '../regression/decide.js';
import { baselineList } from '../regression/samples.js';
import { cpuNumber, flag, gateFields, loopCount, methodList, runCount, runnerMethods, seconds } from './options.js';

/** The default method set: TSC reads against the vDSO clocks, coarse and
 * raw, and the price of leaving the vDSO (a raw syscall). Those this machine
 * cannot run (rdtscp where CPUID hides it) are skipped and said so. */
export const BENCH_DEFAULT_METHODS = [
  'rdtsc',
  'rdtscp',
  'lfence_rdtsc',
  'monotonic',
  'realtime',
  'monotonic_raw',
  'monotonic_coarse',
  'sys_monotonic',
  'gettimeofday',
] as const;

/** A duration is per method; an hour of one method is already a soak test. */
export const MAX_DURATION_SECONDS = 3600;

export const BENCH_DEFAULTS = { loops: 10_000_000, runs: 10, warmup: true } as const;

export const benchOptions = z
  .strictObject({
    /** Methods to time, in order, 'all', or 'default' (BENCH_DEFAULT_METHODS):
     * with 'all' and the default, what this machine cannot run is recorded as
     * unsupported; a method named that cannot run is refused. */
    methods: methodList(undefined, BENCH_DEFAULT_METHODS).prefault('default'),
    /** Reads per timed run. */
    loops: loopCount().default(BENCH_DEFAULTS.loops),
    /** Timed runs per method (default 10, unless durationSeconds is given). */
    runs: runCount().optional(),
    /** Instead of runs: repeat each method for this many seconds. */
    durationSeconds: seconds(MAX_DURATION_SECONDS).optional(),
    /** The CPU to pin the measuring thread to; default the baseline's (when gated against a bench baseline run on a CPU online here), else the CPU it is on. */
    cpu: cpuNumber().optional(),
    /** An uncounted warm-up run before each method. */
    warmup: flag().default(BENCH_DEFAULTS.warmup),
    ...gateFields('bench'),
  })
  .superRefine((o, ctx) => {
    if (o.runs !== undefined && o.durationSeconds !== undefined) ctx.addIssue({ code: 'custom', path: [], message: 'give {runs} or {durationSeconds}, not both' });
  });

/** bench's options as the library and the CLI give them. */
export type BenchInput = z.input<typeof benchOptions>;
/** bench's options parsed: defaults filled, what runBench takes. */
export type BenchSettings = z.output<typeof benchOptions>;

/** Gated against a bench baseline, the CPU it ran on, where this machine has
 * it online: like is compared with like, since each vCPU of a guest runs on
 * a host core of its own, loaded and clocked by the host as it sees fit.
 * null: the CPU the thread is on. */
function baselineCpu(baseline: ReportResultT | readonly ReportResultT[] | undefined): number | null {
  const first = baseline === undefined ? undefined : baselineList(baseline)[0];
  if (first?.command !== 'bench') return null;
  return onlineCpus().includes(first.options.cpu) ? first.options.cpu : null;
}

export interface BenchDeps extends RunDeps {
  /** Called as each timed run finishes, with its figures (the CLI prints the run line). */
  onRun?: (method: string, run: BenchRunT) => void;
}

export const bench = defineCommand({
  name: 'bench',
  summary: 'what each way of reading time costs (ns/loop, native loops)',
  options: benchOptions,
  async run(o, deps: BenchDeps = {}): Promise<BenchResultT> {
    // runs defaults by durationSeconds: a default across two options, which
    // the schema (a z.object, whose fields the CLI's flag rows are checked
    // against) cannot hold without becoming a pipe.
    const plan = { ...o, ...runnerMethods(o.methods), runs: o.durationSeconds !== undefined ? null : (o.runs ?? BENCH_DEFAULTS.runs), durationSeconds: o.durationSeconds ?? null };
    // The CPU by default is the machine's question (which CPUs are online),
    // so it is answered here, not in the schema.
    const result = await runBench({ ...plan, cpu: o.cpu ?? baselineCpu(o.baseline), ...deps });
    const gated = applyGate(result, o);
    const suspects = toConfirm(gated.gate);
    if (suspects.length === 0) return gated;
    // A method's runs are one block of consecutive seconds. A burst of load
    // on the other CPU shifts every run of a block alike (seen here: realtime
    // +39% in every run of one block, the next bench normal), which no
    // interval over one block can see. So a block that looks regressed is
    // measured again, on the same CPU, and both must show it
    // (src/regression/decide.ts, compareToBaseline).
    const { onRun: _printed, ...quiet } = deps;
    const again = await runBench({ ...plan, methods: plan.methods.filter((m) => suspects.includes(m.id)), cpu: result.options.cpu, ...quiet });
    const confirmations = new Map(again.methods.flatMap((m) => (m.status === 'measured' ? [[m.method, m.runs] as const] : [])));
    return applyGate(result, o, confirmations);
  },
  verdict(result) {
    const regression = regressionFailure(result);
    return regression === null ? { passed: true, failures: [] } : { passed: false, failures: [regression] };
  },
});

// tsc.ts (command): may a program read the TSC here, and at what rate? Its
// options, run and verdict, once, for the library and the CLI.
import { z } from 'zod';
import type { TscResultT } from '../results/tsc.js';
import { runTscRate, TSC_DEFAULTS, TSC_DURATION_MAX, TSC_DURATION_MIN, TSC_SELF_TEST } from '../runners/tsc/run.js';
import { replayInputs } from '../probes/replay.js';
import { defineCommand, type RunDeps } from './command.js';
import { cpuList, flag, folder, secondsFrom } from './options.js';

export { TSC_DEFAULTS };

export const tscOptions = z.strictObject({
  /** CPUs to measure on; default every online CPU this process may run on. */
  cpus: cpuList().optional(),
  /** Seconds in all, split evenly over the CPUs, measured in turn. */
  durationSeconds: secondsFrom(TSC_DURATION_MIN, TSC_DURATION_MAX).default(TSC_DEFAULTS.durationSeconds),
  /** Measure the CPUs' TSC offsets (warp's ping-pong). */
  offsets: flag().default(TSC_DEFAULTS.offsets),
  /** Run order's load->read litmus for a plain RDTSC on the first two CPUs. */
  fence: flag().default(TSC_DEFAULTS.fence),
  /** Plant +100 ppm on the second CPU measured; it must be found there alone. */
  selfTest: flag().default(false),
  /** A capture (`clocklab capture DIR`) to replay: its claims alone, nothing measured. */
  machine: folder().optional(),
});

/** tsc's options as the library and the CLI give them. */
export type TscInput = z.input<typeof tscOptions>;

export const tsc = defineCommand({
  name: 'tsc',
  summary: 'may a program read the TSC here, and at what rate?',
  options: tscOptions,
  run(o, deps: RunDeps = {}): Promise<TscResultT> {
    const inputs = o.machine === undefined ? deps.inputs : replayInputs(o.machine);
    return runTscRate({
      cpus: o.cpus ?? null,
      durationSeconds: o.durationSeconds,
      offsets: o.offsets,
      fence: o.fence,
      selfTest: o.selfTest ? TSC_SELF_TEST : null,
      ...deps,
      ...(inputs ? { inputs } : {}),
    });
  },
  // The runner gathered the evidence (runners/tsc/judge.ts); a replay
  // measured nothing and fails only on what a capture shows (not invariant).
  verdict(result) {
    const failures: string[] = [];
    if (result.selfTest && !result.selfTest.passed) {
      const m = result.selfTest.measured;
      failures.push(`the self-test planted ${result.selfTest.plantedPpm} ppm on cpu ${result.selfTest.cpu} and measured ${m ? `${m.ppm.toFixed(3)} ppm (±${m.halfWidthPpm.toFixed(3)})` : 'nothing'}${result.selfTest.others.some((x) => x.planted) ? ', or found it on another CPU' : ''}`);
    }
    const v = result.verdict;
    const measured = result.rates.length > 0;
    if (!v.invariant.invariant) failures.push('the TSC is not invariant (CPUID 0x80000007 EDX[8] clear, and not both constant_tsc and nonstop_tsc)');
    if (v.everyCpuSameRate === false) failures.push("the CPUs' TSCs tick at different rates");
    if (v.offsets.beyondBound === true) failures.push(`the CPUs' TSCs are offset beyond the bound (largest ${v.offsets.largest?.offsetCycles.toFixed(0) ?? '?'} cycles, cpu ${v.offsets.largest?.cpuA ?? '?'} -> ${v.offsets.largest?.cpuB ?? '?'})`);
    if (measured && !v.usable && failures.length === 0) failures.push('no rate could be measured');
    return { passed: failures.length === 0, failures };
  },
});

// run.ts: may a program read the TSC here, and at what rate? Measures the
// rate per CPU against CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC and
// CLOCK_REALTIME (./sample.ts, ./fit.ts), sets every claimed frequency
// beside it (src/probes/tsc-claims.ts), measures the CPUs' offsets
// (./offsets.ts) and gathers the verdict's evidence (./judge.ts). Returns a
// TscResult; never prints.
import { UnsupportedError, UsageError } from '../../errors.js';
import { TSC_SELF_TEST_PPM } from '../../findings/tsc-thresholds.js';
import { loadBinding, type Binding, type NativeTimex } from '../../native/binding.js';
import { onlineCpus, requireOnline } from '../../probes/cpus.js';
import { probeMachine, realInputs, type ProbeInputs } from '../../probes/machine.js';
import { PVCLOCK_FLAGS, pvclockPageOf } from '../../probes/pvclock.js';
import { tscAuxOf } from '../../probes/tsc-aux.js';
import { readTscClaims } from '../../probes/tsc-claims.js';
import { SCHEMA_VERSION } from '../../results/common.js';
import { tscAuxFindings } from '../tsc-aux.js';
import type { MachineT } from '../../results/common.js';
import type { TscCpuRateT, TscResultT } from '../../results/tsc.js';
import type { RunnerContext } from '../progress.js';
import { fitCpu, judgeTscRate, type TscEvidence, type TscJudgement } from './judge.js';
import { tscFence } from './fence.js';
import { tscOffsets } from './offsets.js';
import { sampleCpus, type Plant } from './sample.js';

/** What a `clocklab tsc` run measures. One type for the command, the
 * library and (short) check's tsc item. */
export interface TscOptions {
  /** CPUs to measure on; null = every online CPU this process may run on. */
  cpus: readonly number[] | null;
  /** Seconds in all, split evenly over the CPUs, measured in turn. */
  durationSeconds: number;
  /** Measure the CPUs' TSC offsets (warp's ping-pong, about half a second a pair). */
  offsets: boolean;
  /** Run order's load->read litmus for a plain RDTSC on the first two CPUs (./fence.ts). */
  fence: boolean;
  /** Scale one CPU's TSC values by `ppm` and check that exactly that is
   * found, on that CPU alone. cpu null: the second CPU measured. */
  selfTest: { ppm: number; cpu: number | null } | null;
}

export interface TscRunOptions extends TscOptions, RunnerContext {
  binding?: Binding;
  inputs?: ProbeInputs;
  /** Samples of each clock per CPU (default TSC_POINTS). */
  points?: number;
  /** Reads per sample, the narrowest kept (default TSC_TRIES). */
  tries?: number;
}

/** Defaults: 4 s over all CPUs; 9 samples a clock a CPU (start, 7 between,
 * end: enough degrees of freedom for Student's t to be near the normal's);
 * 1000 reads a sample, the narrowest kept (about 40 us of reads here, where
 * the narrowest bracket settles within the first few hundred). */
export const TSC_DEFAULTS = { durationSeconds: 4, offsets: true, fence: true, points: 9, tries: 1000 } as const;
/** Bounds of durationSeconds: at least 0.1 s a run (a shorter span has an
 * interval wider than the claims it is set beside), at most an hour. */
export const TSC_DURATION_MIN = 0.1;
export const TSC_DURATION_MAX = 3600;

function validate(options: TscRunOptions, online: readonly number[], allowed: readonly number[]): { cpus: number[]; points: number; tries: number } {
  const d = options.durationSeconds;
  if (!Number.isFinite(d) || d < TSC_DURATION_MIN || d > TSC_DURATION_MAX) {
    throw new UsageError(`{durationSeconds} must be from ${TSC_DURATION_MIN} to ${TSC_DURATION_MAX} seconds; got ${d}`);
  }
  const points = options.points ?? TSC_DEFAULTS.points;
  const tries = options.tries ?? TSC_DEFAULTS.tries;
  if (!Number.isInteger(points) || points < 3 || points > 10_000) throw new UsageError(`{points} must be an integer from 3 to 10000; got ${points}`);
  if (!Number.isInteger(tries) || tries < 1 || tries > 1_000_000) throw new UsageError(`{tries} must be an integer from 1 to 1000000; got ${tries}`);
  const cpus = options.cpus === null ? online.filter((c) => allowed.includes(c)) : [...new Set(options.cpus)].sort((a, b) => a - b);
  if (cpus.length === 0) throw new UsageError("no CPU to measure on: none of the online CPUs is in this process's affinity");
  for (const c of cpus) if (!Number.isInteger(c) || c < 0) throw new UsageError(`{cpus}: ${c} is not a CPU number`);
  requireOnline(cpus, online);
  const barred = cpus.filter((c) => !allowed.includes(c));
  if (barred.length > 0) throw new UnsupportedError(`CPU ${barred.join(',')} is online but this process may not run there (its CPU affinity is ${allowed.join(',')})`);
  if (options.selfTest) {
    const { ppm, cpu } = options.selfTest;
    if (cpus.length < 2) throw new UsageError('the self-test ({selfTest}) needs at least two CPUs ({cpus}): a planted rate shows only against another CPU');
    if (cpu !== null && !cpus.includes(cpu)) throw new UsageError(`the self-test plants its rate on CPU ${cpu} ({selfTest.cpu}), which is not among the CPUs measured (${cpus.join(',')})`);
    if (!Number.isFinite(ppm) || ppm === 0 || Math.abs(ppm) > 10_000) throw new UsageError(`{selfTest.ppm} must be non-zero, within +-10000; got ${ppm}`);
  }
  return { cpus, points, tries };
}

function readTimex(binding: Binding, inputs: ProbeInputs): NativeTimex | null {
  if (inputs.replay) return inputs.replay.timex;
  try {
    return binding.adjtimex();
  } catch {
    return null;
  }
}

/** What the machine says before anything is measured: the claims, the
 * flags, the kernel's view, TSC_AUX, adjtimex. A replay reads it all from
 * its capture. */
function machineEvidence(binding: Binding, inputs: ProbeInputs): { machine: MachineT; evidence: Omit<TscEvidence, 'rates' | 'offsets' | 'fence' | 'selfTest'> } {
  const facts = probeMachine(inputs);
  const page = pvclockPageOf(binding, inputs);
  const tscAux = tscAuxOf(inputs, binding);
  return {
    machine: facts.machine,
    evidence: {
      claims: readTscClaims(inputs, page),
      flags: facts.machine.tscFlags,
      clocksources: facts.machine.clocksources,
      withheld: facts.machine.kernelView?.tsc.withheld ?? null,
      pvclockStable: page.state === 'readable' ? (page.vcpu0.flags & PVCLOCK_FLAGS.TSC_STABLE) !== 0 : null,
      tscAux,
      auxFindings: tscAuxFindings(tscAux, facts.machine),
      timex: readTimex(binding, inputs),
    },
  };
}

function resultOf(startedAt: string, machine: MachineT, options: TscResultT['options'], rates: TscCpuRateT[], judged: TscJudgement): TscResultT {
  const { claims, pooled, daemon, verdict, selfTest, findings } = judged;
  return { schema: SCHEMA_VERSION, command: 'tsc', startedAt, machine, options, claims, rates, pooled, daemon, verdict, selfTest, findings };
}

export async function runTscRate(options: TscRunOptions): Promise<TscResultT> {
  const binding = options.binding ?? loadBinding();
  if (!binding.isX86) throw new UnsupportedError(`clocklab tsc needs an x86 CPU; this is ${process.arch}`);
  const inputs = options.inputs ?? realInputs(binding);
  if (inputs.replay) return replayTsc(binding, inputs, options);
  const online = onlineCpus(inputs.source);
  const { cpus, points, tries } = validate(options, online, binding.getAffinity());
  const selfTest = options.selfTest ? { ppm: options.selfTest.ppm, cpu: options.selfTest.cpu ?? (cpus[1] as number) } : null;

  const startedAt = new Date().toISOString();
  const { machine, evidence } = machineEvidence(binding, inputs);

  const pairSteps = (options.offsets && cpus.length > 1 ? 1 : 0) + (options.fence && cpus.length > 1 ? 1 : 0);
  const total = cpus.length + pairSteps;
  const report = (done: number, label: string): void => options.onProgress?.({ done, total, unit: 'steps', label });
  report(0, `rate on cpu ${cpus[0]}`);
  // A plant scales about one TSC value for the whole run, so the planted
  // CPU's rate is exactly (1 + ppm/1e6) times its true one.
  const plant: Plant | null = selfTest ? { cpu: selfTest.cpu, ppb: Math.round(selfTest.ppm * 1000), base: binding.rdtsc() } : null;
  const samples = sampleCpus(binding, {
    cpus,
    perCpuMs: (options.durationSeconds * 1000) / cpus.length,
    points,
    tries,
    plant,
    ...(options.signal ? { signal: options.signal } : {}),
    onCpu: (done) => report(done, done < cpus.length ? `rate on cpu ${cpus[done]}` : options.offsets ? 'offsets' : 'fence'),
  });
  const offsets = options.offsets && cpus.length > 1 ? await tscOffsets(binding, cpus, options.signal) : null;
  if (offsets) report(cpus.length + 1, 'fence');
  const fence = options.fence && cpus.length > 1 ? await tscFence(binding, inputs, cpus, options.signal) : null;
  report(total, 'done');

  const rates = samples.map(fitCpu);
  const judged = judgeTscRate({ ...evidence, rates, offsets, fence, selfTest });
  const recorded = { cpus, durationSeconds: options.durationSeconds, points, tries, offsets: options.offsets, fence: options.fence, selfTest, machine: null };
  return resultOf(startedAt, machine, recorded, rates, judged);
}

/** A capture replayed: what it says without measuring (the claims, the
 * flags, the kernel's view, TSC_AUX where it was captured); no rate, so no
 * claim is judged and the verdict is not `usable`. */
function replayTsc(binding: Binding, inputs: ProbeInputs, options: TscRunOptions): TscResultT {
  const dir = inputs.replay?.dir ?? '';
  if (options.selfTest) throw new UsageError(`the self-test ({selfTest}) measures this machine; a replay of ${dir} has nothing to measure`);
  const startedAt = new Date().toISOString();
  const { machine, evidence } = machineEvidence(binding, inputs);
  const judged = judgeTscRate({ ...evidence, rates: [], offsets: null, fence: null, selfTest: null });
  const cpus = [...(options.cpus ?? onlineCpus(inputs.source))];
  return resultOf(startedAt, machine, { cpus, durationSeconds: 0, points: 0, tries: 0, offsets: false, fence: false, selfTest: null, machine: dir }, [], judged);
}

/** The self-test's options: the planted 100 ppm on the second CPU measured. */
export const TSC_SELF_TEST = { ppm: TSC_SELF_TEST_PPM, cpu: null } as const;

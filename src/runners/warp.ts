// warp.ts: does any way of reading time go backwards across CPUs, and by how
// much do the CPUs' TSCs disagree? Measures and returns a WarpResult; never
// prints.
//
// Each method runs for durationSeconds on every CPU at once (or, with
// `pairs`, on each pair of CPUs in turn: ./pair-schedule.ts), one pinned
// worker per CPU (./warp-pool.ts), passing one baton in native code
// (native/warp.cc, a descendant of arch/x86/kernel/tsc_sync.c
// check_tsc_warp()). Every result says what it could not have seen
// (detectionOf()).
import { UnsupportedError, UsageError } from '../errors.js';
import type { RunnerContext } from './progress.js';
import { finding } from '../findings/codes.js';
import { METHODS, type MethodSpec } from '../methods.js';
import { methodAvailability, orderedTscRead, requireAvailable } from '../probes/availability.js';
import { nativeIndex } from '../probes/native-method.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { onlineCpus, requireOnline } from '../probes/cpus.js';
import { startDisturbance } from '../probes/disturbance.js';
import { probeMachine, realInputs, type ProbeInputs } from '../probes/machine.js';
import { tscFrequency } from '../probes/tscfreq.js';
import type { FindingT } from '../results/common.js';
import type {
  TscOffsetT,
  WarpHandoffsT,
  WarpMethodResultT,
  WarpResultRawT,
  WarpResultT,
  WarpVerdictT,
} from '../results/warp.js';
import { WarpPool, WarpState } from './warp-pool.js';
import { pairSchedule } from './pair-schedule.js';
import { measureOffsets } from './offsets.js';
import { judgeSelfTest, skewedRead } from './warp-self-test.js';
import { detectionOf } from './warp-detection.js';

/** What a warp run checks. One type: the warp command, compare's warp part
 * and check's warp part all pass this. */
export interface WarpPlan {
  methods: readonly MethodSpec[];
  /** CPUs to check on; null or absent = every online CPU this process may run on. */
  cpus?: readonly number[] | null | undefined;
  /** Seconds each method runs, on all CPUs at once. */
  durationSeconds: number;
  offsets: boolean;
  /** Skew skewCpu's reads of the internal skewed_rdtscp method by skewCycles
   * and check that method alone: proves the checker finds a known warp.
   * skewCpu null: the second CPU checked. */
  selfTest: { skewCycles: number; skewCpu: number | null } | null;
  /** Each CPU pair in turn (./pair-schedule.ts) rather than all CPUs at once. */
  pairs?: boolean;
  /** Record a method this machine cannot read as unsupported, with the
   * reason, instead of refusing the run (UnsupportedError): for a command's
   * defaults and 'all'. Default false: a method asked for by name must run. */
  skipUnavailable?: boolean;
}

export interface WarpRunOptions extends WarpPlan, RunnerContext {
  binding?: Binding;
  /** Probe inputs (files, CPUID); tests inject a machine without constant_tsc here. */
  inputs?: ProbeInputs;
  /** Run each CPU's part on a native thread the addon starts, not a Node
   * worker (~40 ms of CPU fewer a worker); this thread blocks for each run,
   * so only for short ones (check --light's). Not with offsets or pairs. */
  nativeThreads?: boolean;
}

export { SKEWED_RDTSCP, SKEWED_LFENCE_RDTSC, skewedRead } from './warp-self-test.js';

/** Methods whose contract a warp check can test. */
export function isWarpCheckable(m: MethodSpec): boolean {
  return m.contract === 'monotonic' || m.contract === 'may-step' || m.contract === 'unordered';
}

const PROGRESS_MS = 200;

const u64 = (v: bigint): string => BigInt.asUintN(64, v).toString();

function validate(options: WarpRunOptions, online: readonly number[], allowed: readonly number[], maxSlots: number): number[] {
  // By default every online CPU this process may run on (a cpuset or
  // taskset can exclude some; a worker could not pin there).
  const cpus = options.cpus == null ? online.filter((c) => allowed.includes(c)) : [...new Set(options.cpus)].sort((a, b) => a - b);
  if (cpus.length === 0) throw new UsageError('no CPU to check on: none of the online CPUs is in this process\'s affinity');
  requireOnline(cpus, online);
  const barred = cpus.filter((c) => !allowed.includes(c));
  if (barred.length > 0) {
    throw new UnsupportedError(`CPU ${barred.join(',')} is online but this process may not run there (its CPU affinity is ${allowed.join(',')}: a cpuset or taskset)`);
  }
  if (cpus.length > maxSlots) throw new UsageError(`at most ${maxSlots} CPUs can be checked at once; ${cpus.length} were named`);
  if (options.selfTest) {
    const { skewCpu } = options.selfTest;
    if (cpus.length < 2) throw new UsageError('the self-test ({selfTest}) needs at least two CPUs ({cpus}): a skew of one CPU shows only against another');
    if (skewCpu !== null && !cpus.includes(skewCpu)) throw new UsageError(`the self-test skews CPU ${skewCpu} ({selfTest.skewCpu}), which is not among the CPUs checked (${cpus.join(',')})`);
  }
  return cpus;
}

/** Why a method cannot be warp-checked here, or null when it can: its
 * contract first (not comparable across CPUs), then whether this machine can
 * read it at all (src/probes/availability.ts, the one place that decides). */
function unsupportedReason(binding: Binding, m: MethodSpec): string | null {
  if (m.contract === 'per-thread') return `${m.id} is the CPU time of one thread or process; it is not comparable across CPUs, so it is not warp-checked`;
  if (m.contract === 'not-time') return `${m.id} reads a CPU number, not time; it is not warp-checked`;
  const a = methodAvailability(binding, m);
  return a.available ? null : `${m.id} cannot be read here: ${a.reason}`;
}

/** The verdict a method's warps earn under its contract on this machine. */
function verdictFor(contract: string, warps: number): WarpVerdictT {
  if (warps === 0) return 'held';
  return contract === 'monotonic' ? 'failed' : 'finding';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function runWarp(options: WarpRunOptions): Promise<WarpResultRawT> {
  const binding = options.binding ?? loadBinding();
  if (!binding.isX86) throw new UnsupportedError(`clocklab warp needs an x86 CPU; this is ${process.arch}`);
  const layout = binding.warpLayout;
  const inputs = options.inputs ?? realInputs(binding);
  const online = onlineCpus(inputs.source);
  const cpus = validate(options, online, binding.getAffinity(), layout.maxSlots);
  // The self-test's CPU defaults to the second CPU checked.
  const selfTest = options.selfTest ? { skewCycles: options.selfTest.skewCycles, skewCpu: options.selfTest.skewCpu ?? cpus[1] ?? 0 } : null;
  const skewed = skewedRead(binding);
  const methods = selfTest ? [skewed] : [...options.methods];
  // Named methods must run; per-thread and CPU-number methods are recorded
  // as not warp-checked whichever way they were chosen.
  if (!selfTest && options.skipUnavailable !== true) requireAvailable(binding, methods.filter(isWarpCheckable));
  const offsetsMethod = selfTest ? skewed.id : orderedTscRead(binding);

  const startedAt = new Date().toISOString();
  const facts = probeMachine(inputs);
  const constantTsc = facts.machine.tscFlags.constant_tsc;
  // Found only when a warp in cycles needs converting: where no CPUID leaf
  // gives it, finding it is a 100 ms measurement (probes/tscfreq.ts), most
  // of what a short run (check --light) would otherwise cost.
  let tscHz: number | null | undefined;
  const toNs = (amount: bigint, unit: 'cycles' | 'ns'): number => {
    if (unit === 'ns') return Number(amount);
    tscHz ??= tscFrequency(binding, facts.cpuid, facts.hypervisor)?.hz ?? null;
    return tscHz ? (Number(amount) * 1e9) / tscHz : Number.NaN;
  };
  const findings: FindingT[] = [];
  const results: WarpMethodResultT[] = [];
  let offsets: TscOffsetT[] | null = null;

  if (cpus.length === 1) findings.push(finding('WARP_ONE_CPU', 'info', { cpu: cpus[0] ?? 0 }));

  const disturbance = startDisturbance(inputs.source);
  // An already-aborted signal starts no worker at all.
  options.signal?.throwIfAborted();
  if (options.nativeThreads && (options.offsets || options.pairs)) throw new Error('nativeThreads runs the warp alone: not with offsets or pairs');
  const pool = await WarpPool.start(cpus, options.nativeThreads ? { nativeThreads: binding } : {});
  try {
    if (selfTest) {
      for (const c of cpus) binding.setTscSkew(c, c === selfTest.skewCpu ? selfTest.skewCycles : 0);
    }
    for (const m of methods) {
      options.signal?.throwIfAborted();
      const why = selfTest ? null : unsupportedReason(binding, m);
      if (why !== null) {
        results.push({ method: m.id, status: 'unsupported', reason: why });
        continue;
      }
      // A method that needs a constant TSC promises monotonic reads across
      // CPUs only where the TSCs tick together.
      // In the self-test the warps are planted: expected, so not a failure.
      let contract: string = selfTest ? 'self-test' : m.contract;
      if (m.requires.includes('constant_tsc') && !constantTsc) {
        contract = 'unordered';
        findings.push(finding('WARP_NO_CONSTANT_TSC', 'warn', { method: m.id }));
      }
      const unit = m.unit === 'cycles' ? 'cycles' : 'ns';
      results.push(await checkMethod(binding, pool, cpus, m, contract, unit, options, toNs, results.length, methods.length * options.durationSeconds));
    }
    if (options.offsets) {
      options.signal?.throwIfAborted();
      offsets = await measureOffsets(binding, pool, cpus, offsetsMethod, options.signal);
    }
  } finally {
    if (selfTest) for (const c of cpus) binding.setTscSkew(c, 0);
    await pool.close();
  }

  for (const r of results) {
    if (r.status !== 'measured') continue;
    const idle = r.readsPerCpu.filter((x) => x.reads === 0).map((x) => x.cpu);
    if (idle.length > 0) findings.push(finding('WARP_IDLE_CPU', 'warn', { method: r.method, cpus: idle.join(',') }));
    const unmet = (r.handoffMatrix ?? []).filter((p) => p.handoffs === 0);
    if (cpus.length > 1 && unmet.length > 0 && idle.length === 0) {
      findings.push(finding('WARP_PAIRS_UNCOMPARED', 'warn', { method: r.method, pairs: unmet.map((p) => `${p.fromCpu}->${p.toCpu}`).join(','), count: unmet.length }));
    }
    if (r.warps === 0 || !r.largest) continue;
    const args = {
      method: r.method,
      warps: r.warps,
      amount: r.largest.amount,
      unit: r.unit,
      amountNs: Math.round(r.largest.amountNs * 10) / 10,
      fromCpu: r.largest.fromCpu,
      toCpu: r.largest.toCpu,
    };
    if (r.verdict === 'failed' && !selfTest) findings.push(finding('WARP_MONOTONIC', 'fail', args));
    else if (r.contract === 'unordered') findings.push(finding('WARP_UNORDERED', 'info', args));
    else if (r.contract === 'may-step') findings.push(finding('WARP_MAY_STEP', 'warn', args));
  }

  const selfTestResult = selfTest ? { method: skewed.id, ...judgeSelfTest(selfTest, results[0]) } : null;
  const failed = selfTestResult ? !selfTestResult.passed : results.some((r) => r.status === 'measured' && r.verdict === 'failed');
  const raw: WarpResultRawT = {
    schema: 'clocklab/1',
    command: 'warp',
    startedAt,
    machine: facts.machine,
    options: {
      methods: methods.map((m) => m.id),
      cpus,
      durationSeconds: options.durationSeconds,
      offsets: options.offsets,
      selfTest: selfTest !== null,
      pairs: options.pairs === true,
    },
    methods: results,
    offsets,
    ...(options.offsets ? { offsetsMethod } : {}),
    verdict: failed ? 'failed' : 'held',
    disturbance: disturbance.finish(cpus),
    findings,
    selfTest: selfTestResult,
  };
  return raw;
}

interface Round {
  groups: number[][];
  seconds: number;
}

async function checkMethod(
  binding: Binding,
  pool: WarpPool,
  cpus: readonly number[],
  m: MethodSpec,
  contract: string,
  unit: 'cycles' | 'ns',
  options: WarpRunOptions,
  toNs: (amount: bigint, unit: 'cycles' | 'ns') => number,
  before: number,
  totalSeconds: number,
): Promise<WarpMethodResultT> {
  const layout = binding.warpLayout;
  const methodIndex = nativeIndex(binding, m.id);
  const rounds: Round[] =
    options.pairs && cpus.length > 2
      ? pairSchedule(cpus, options.durationSeconds).map((r) => ({ groups: r.pairs.map((p) => [...p]), seconds: r.seconds }))
      : [{ groups: [[...cpus]], seconds: options.durationSeconds }];
  let live: Array<{ group: number[]; state: WarpState }> = [];
  let doneReads = 0;
  const liveReads = (): number => live.reduce((sum, l) => sum + l.group.reduce((s2, _c, slot) => s2 + l.state.slotReads(slot), 0), 0);
  const t0 = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  // Seconds over all methods: this one starts after `before` methods' worth.
  const report = (seconds: number, count: number): void =>
    options.onProgress?.({
      done: before * options.durationSeconds + seconds,
      total: totalSeconds,
      unit: 'seconds',
      label: `${m.id} ${seconds.toFixed(1)}/${options.durationSeconds} s, ${count.toLocaleString('en-US')} reads`,
    });
  const timer = options.onProgress ? setInterval(() => report(Math.min(elapsed(), options.durationSeconds), doneReads + liveReads()), PROGRESS_MS) : null;

  const readsOf = new Map<number, number>(cpus.map((c) => [c, 0]));
  const handoffsOf = new Map<string, WarpHandoffsT>();
  for (const a of cpus) for (const b of cpus) if (a !== b) handoffsOf.set(`${a},${b}`, { fromCpu: a, toCpu: b, handoffs: 0, smallestStep: null });
  const warpPairs: Array<{ fromCpu: number; toCpu: number; warps: number; largest: string }> = [];
  const buckets: number[] = new Array<number>(layout.gapBuckets).fill(0);
  let warps = 0;
  let handoffs = 0;
  let best: { amount: bigint; before: bigint; after: bigint; fromCpu: number; toCpu: number } | null = null;
  try {
    for (const round of rounds) {
      options.signal?.throwIfAborted();
      const durationMs = Math.max(1, Math.round(round.seconds * 1000));
      live = round.groups.map((group) => ({ group, state: new WarpState(binding) }));
      await Promise.all(
        live.map(({ group, state }) =>
          pool.run(
            group.map((cpu, slot) => ({ cpu, job: { kind: 'warp', state: state.view, methodIndex, slot, slots: group.length, durationMs } })),
            state,
            options.signal,
          ),
        ),
      );
      for (const { group, state } of live) {
        group.forEach((cpu, slot) => {
          readsOf.set(cpu, (readsOf.get(cpu) ?? 0) + state.slotReads(slot));
          handoffs += state.slotHandoffs(slot);
          state.gapBuckets(slot).forEach((n, b) => (buckets[b] = (buckets[b] ?? 0) + n));
        });
        group.forEach((from, i) =>
          group.forEach((to, j) => {
            // (cpu, cpu) holds only a warp of one CPU against itself.
            const p = state.pair(i, j);
            const h = i === j ? undefined : handoffsOf.get(`${from},${to}`);
            if (h) {
              h.handoffs += p.handoffs;
              if (p.minGap !== null) h.smallestStep = Math.min(h.smallestStep ?? Number.POSITIVE_INFINITY, Number(p.minGap));
            }
            if (p.warps > 0) {
              const prior = warpPairs.find((w) => w.fromCpu === from && w.toCpu === to);
              if (prior) {
                prior.warps += p.warps;
                if (p.largest > BigInt(prior.largest)) prior.largest = p.largest.toString();
              } else warpPairs.push({ fromCpu: from, toCpu: to, warps: p.warps, largest: p.largest.toString() });
            }
          }),
        );
        const w = Number(state.word(layout.warps));
        warps += w;
        const amount = BigInt.asUintN(64, state.word(layout.maxAmount));
        if (w > 0 && (best === null || amount > best.amount)) {
          best = {
            amount,
            before: state.word(layout.maxBefore),
            after: state.word(layout.maxAfter),
            fromCpu: group[Number(state.word(layout.maxFrom))] ?? -1,
            toCpu: group[Number(state.word(layout.maxTo))] ?? -1,
          };
        }
      }
      doneReads = [...readsOf.values()].reduce((a, b) => a + b, 0);
      live = [];
    }
  } finally {
    if (timer) clearInterval(timer);
  }
  const seconds = elapsed();
  const readsPerCpu = cpus.map((cpu) => ({ cpu, reads: readsOf.get(cpu) ?? 0 }));
  const total = readsPerCpu.reduce((s, x) => s + x.reads, 0);
  report(options.durationSeconds, total);
  warpPairs.sort((a, b) => a.fromCpu - b.fromCpu || a.toCpu - b.toCpu);
  const largest =
    best !== null
      ? {
          fromCpu: best.fromCpu,
          toCpu: best.toCpu,
          amount: best.amount.toString(),
          amountNs: toNs(best.amount, unit),
          before: u64(best.before),
          after: u64(best.after),
        }
      : null;
  const handoffMatrix = [...handoffsOf.values()];
  return {
    method: m.id,
    status: 'measured',
    contract,
    unit,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    reads: total,
    readsPerSecond: seconds > 0 ? Math.round(total / seconds) : 0,
    readsPerCpu,
    warps,
    largest,
    pairs: warpPairs,
    verdict: verdictFor(contract, warps),
    handoffs,
    handoffsPerSecond: seconds > 0 ? Math.round(handoffs / seconds) : 0,
    handoffMatrix,
    detection: detectionOf(handoffMatrix, buckets, warps, (a) => toNs(BigInt(Math.round(a)), unit)),
  };
}

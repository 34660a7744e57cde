// order.ts: is each way of reading time ordered after an earlier load, and
// after an earlier store, as the manuals promise? Runs the litmus tests of
// native/order.cc on pinned CPU pairs and returns an OrderResult; never
// prints.
//
// Each (method, pattern) runs for durationSeconds, split over every pair of
// the CPUs and both directions. A violation no larger than the pair's TSC
// offset bound (native/offsets.cc offset_ping()) could be the offset alone, so
// only violations beyond it are evidence.
import { UnsupportedError, UsageError } from '../errors.js';
import { finding } from '../findings/codes.js';
import { METHODS, type MethodSpec } from '../methods.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { methodAvailability, orderedTscRead, requireAvailable } from '../probes/availability.js';
import { onlineCpus, requireOnline } from '../probes/cpus.js';
import { startDisturbance } from '../probes/disturbance.js';
import { probeMachine, realInputs, type ProbeInputs } from '../probes/machine.js';
import { nativeIndex } from '../probes/native-method.js';
import { tscFrequency } from '../probes/tscfreq.js';
import type { FindingT } from '../results/common.js';
import type { OrderPairT, OrderPatternT, OrderResultRawT, OrderSelfTestRawT, OrderTestT } from '../results/order.js';
import type { RunnerContext } from './progress.js';
import { WarpPool, WarpState } from './warp-pool.js';
import { measureOffsets } from './offsets.js';

export interface OrderPlan {
  methods: readonly MethodSpec[];
  patterns: readonly OrderPatternT[];
  /** CPUs whose pairs are tested; null or absent = every online CPU this process may run on. */
  cpus?: readonly number[] | null | undefined;
  /** Seconds per method and pattern, split over the pairs and both directions. */
  durationSeconds: number;
  /** Run an ordered read in the wrong order instead, which must be caught. */
  selfTest: boolean;
  /** Record a method this machine cannot read as unsupported instead of
   * refusing the run (UnsupportedError): for the defaults and 'all'. */
  skipUnavailable?: boolean;
}

export interface OrderRunOptions extends OrderPlan, RunnerContext {
  binding?: Binding;
  inputs?: ProbeInputs;
}

/** Methods with an order promise to test: the TSC reads, the vDSO's clocks, the pvclock readers. */
export function isOrderTestable(m: MethodSpec): boolean {
  return m.order !== undefined;
}

/** How the reports write a pattern. */
export function patternName(p: OrderPatternT): string {
  return p === 'load-read' ? 'load->read' : 'store->read';
}

const PATTERN_CODE: Record<OrderPatternT, number> = { 'load-read': 0, 'store-read': 1 };
const PROGRESS_MS = 200;

function validate(options: OrderRunOptions, online: readonly number[], allowed: readonly number[]): number[] {
  const cpus = options.cpus == null ? online.filter((c) => allowed.includes(c)) : [...new Set(options.cpus)].sort((a, b) => a - b);
  requireOnline(cpus, online);
  const barred = cpus.filter((c) => !allowed.includes(c));
  if (barred.length > 0) throw new UnsupportedError(`CPU ${barred.join(',')} is online but this process may not run there (its CPU affinity is ${allowed.join(',')})`);
  if (cpus.length < 2) {
    const why = `a pair needs two CPUs: the order tests read on one CPU and compare on another, and ${cpus.length === 0 ? 'no CPU' : `only CPU ${cpus.join(',')}`} is available`;
    throw new UnsupportedError(why);
  }
  return cpus;
}

/** Every unordered pair, in order. */
function pairsOf(cpus: readonly number[]): Array<[number, number]> {
  return cpus.flatMap((a, i) => cpus.slice(i + 1).map((b): [number, number] => [a, b]));
}

interface Side {
  samples: number;
  violations: number;
  beyond: number;
  worst: { amount: number; fromCpu: number; toCpu: number; boundCycles: number } | null;
}

export async function runOrder(options: OrderRunOptions): Promise<OrderResultRawT> {
  const binding = options.binding ?? loadBinding();
  if (!binding.isX86) throw new UnsupportedError(`clocklab order needs an x86 CPU; this is ${process.arch}`);
  const inputs = options.inputs ?? realInputs(binding);
  const online = onlineCpus(inputs.source);
  const untestable = options.methods.filter((m) => !isOrderTestable(m)).map((m) => m.id);
  if (untestable.length > 0) {
    throw new UsageError(
      `${untestable.join(', ')} ${untestable.length === 1 ? 'has' : 'have'} no order promise to test ({methods}); testable: ${METHODS.filter(isOrderTestable).map((m) => m.id).join(', ')}`,
    );
  }
  const cpus = validate(options, online, binding.getAffinity());
  // The offset bound and the self-test use the best ordered read CPUID offers.
  const selfMethod = orderedTscRead(binding);
  if (!options.selfTest && options.skipUnavailable !== true) requireAvailable(binding, options.methods);
  const methods = options.selfTest ? METHODS.filter((m) => m.id === selfMethod) : [...options.methods];
  const patterns = options.selfTest ? (['load-read', 'store-read'] as const) : options.patterns;

  const startedAt = new Date().toISOString();
  const facts = probeMachine(inputs);
  const tscHz = tscFrequency(binding, facts.cpuid, facts.hypervisor)?.hz ?? null;
  const cyclesToNs = (c: number): number => (tscHz ? (c * 1e9) / tscHz : Number.NaN);
  const findings: FindingT[] = [];
  const tests: OrderTestT[] = [];
  const pairList = pairsOf(cpus);
  const disturbance = startDisturbance(inputs.source);
  options.signal?.throwIfAborted();
  const pool = await WarpPool.start(cpus);
  const pairs: OrderPairT[] = [];
  const selfCounts: OrderSelfTestRawT['patterns'] = [];
  try {
    // The offset bound of each pair, with the best ordered read there is.
    const offsets = await measureOffsets(binding, pool, cpus, selfMethod, options.signal);
    for (const [a, b] of pairList) {
      const o = offsets.find((x) => x.cpuA === a && x.cpuB === b);
      if (!o) findings.push(finding('ORDER_NO_OFFSET', 'warn', { cpuA: a, cpuB: b }));
      pairs.push({
        cpuA: a,
        cpuB: b,
        offsetCycles: o?.offsetCycles ?? null,
        errorCycles: o?.errorCycles ?? null,
        boundCycles: o ? Math.ceil(Math.abs(o.offsetCycles) + o.errorCycles) : 0,
      });
    }
    const runs = methods.length * patterns.length;
    let done = 0;
    for (const m of methods) {
      for (const pattern of patterns) {
        options.signal?.throwIfAborted();
        const a = methodAvailability(binding, m);
        if (!a.available) {
          tests.push({ method: m.id, pattern, status: 'unsupported', reason: `${m.id} cannot be read here: ${a.reason}` });
          done++;
          continue;
        }
        const unit = m.unit === 'cycles' ? 'cycles' : 'ns';
        const t0 = process.hrtime.bigint();
        const timer = options.onProgress
          ? setInterval(() => {
              const s = Number(process.hrtime.bigint() - t0) / 1e9;
              options.onProgress?.({
                done: (done + Math.min(1, s / options.durationSeconds)) * options.durationSeconds,
                total: runs * options.durationSeconds,
                unit: 'seconds',
                label: `${m.id} ${patternName(pattern)}`,
              });
            }, PROGRESS_MS)
          : null;
        let side: Side;
        try {
          side = await runTest(binding, pool, m, pattern, unit, pairs, options, cyclesToNs);
        } finally {
          if (timer) clearInterval(timer);
        }
        done++;
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (options.selfTest) {
          selfCounts.push({ pattern, samples: side.samples, violations: side.violations, beyondBound: side.beyond });
          continue;
        }
        const promised = pattern === 'load-read' ? (m.order?.load ?? false) : (m.order?.store ?? false);
        const source = m.order?.source ?? '';
        const verdict = side.samples === 0 ? 'no-samples' : side.beyond === 0 ? 'held' : promised ? 'failed' : 'allowed';
        const toNs = (x: number): number => (unit === 'ns' ? x : cyclesToNs(x));
        const boundNs = cyclesToNs(Math.max(0, ...pairs.map((p) => p.boundCycles)));
        tests.push({
          method: m.id,
          pattern,
          status: 'measured',
          unit,
          promised,
          source,
          samples: side.samples,
          violations: side.violations,
          beyondBound: side.beyond,
          worst: side.worst ? { ...side.worst, amountNs: toNs(side.worst.amount) } : null,
          boundNs,
          durationSeconds: Math.round(seconds * 1000) / 1000,
          verdict,
        });
        const args = { method: m.id, pattern: patternName(pattern) };
        const worst = side.worst;
        if (verdict === 'no-samples') findings.push(finding('ORDER_NO_SAMPLES', 'warn', args));
        else if (verdict === 'held' && side.violations > 0) {
          findings.push(finding('ORDER_WITHIN_BOUND', 'info', { ...args, violations: side.violations, samples: side.samples, boundNs: Math.round(boundNs * 10) / 10 }));
        } else if (worst && (verdict === 'allowed' || verdict === 'failed')) {
          const common = { ...args, beyond: side.beyond, samples: side.samples, worst: worst.amount, unit, worstNs: Math.round(toNs(worst.amount) * 10) / 10, source };
          if (verdict === 'allowed') findings.push(finding('ORDER_ALLOWED', 'info', common));
          else findings.push(finding('ORDER_FORBIDDEN', 'fail', { ...common, fromCpu: worst.fromCpu, toCpu: worst.toCpu }));
        }
      }
    }
  } finally {
    await pool.close();
  }

  const selfTest = options.selfTest ? judgeSelfTest(selfMethod, selfCounts) : null;
  const failed = selfTest ? !selfTest.passed : tests.some((t) => t.status === 'measured' && t.verdict === 'failed');
  return {
    schema: 'clocklab/1',
    command: 'order',
    startedAt,
    machine: facts.machine,
    options: { methods: methods.map((m) => m.id), patterns: [...patterns], cpus, durationSeconds: options.durationSeconds, selfTest: options.selfTest },
    pairs,
    offsetMethod: selfMethod,
    tests,
    verdict: failed ? 'failed' : 'held',
    selfTest,
    disturbance: disturbance.finish(cpus),
    findings,
  };
}

/** One method and pattern over every pair, both directions, each for its share. */
async function runTest(
  binding: Binding,
  pool: WarpPool,
  m: MethodSpec,
  pattern: OrderPatternT,
  unit: 'cycles' | 'ns',
  pairs: readonly OrderPairT[],
  options: OrderRunOptions,
  cyclesToNs: (c: number) => number,
): Promise<Side> {
  const layout = binding.orderLayout;
  const methodIndex = nativeIndex(binding, m.id);
  const directions = pairs.flatMap((p) => [
    { from: p.cpuA, to: p.cpuB, bound: p.boundCycles },
    { from: p.cpuB, to: p.cpuA, bound: p.boundCycles },
  ]);
  const durationMs = Math.max(1, Math.round((options.durationSeconds * 1000) / directions.length));
  const side: Side = { samples: 0, violations: 0, beyond: 0, worst: null };
  for (const d of directions) {
    options.signal?.throwIfAborted();
    const state = new WarpState(binding);
    // The bound in the method's unit: the clocks in ns come from the same TSCs.
    const bound = unit === 'cycles' ? d.bound : Math.ceil(cyclesToNs(d.bound));
    state.set(layout.bound, BigInt(Number.isFinite(bound) ? bound : 0));
    const job = { kind: 'order' as const, state: state.view, methodIndex, pattern: PATTERN_CODE[pattern], wrongOrder: options.selfTest, durationMs };
    await pool.run(
      [
        { cpu: d.from, job: { ...job, observer: false } },
        { cpu: d.to, job: { ...job, observer: true } },
      ],
      state,
      options.signal,
    );
    side.samples += Number(state.word(layout.samples));
    side.violations += Number(state.word(layout.violations));
    side.beyond += Number(state.word(layout.beyond));
    const worst = Number(state.word(layout.worst));
    if (worst > 0 && (side.worst === null || worst > side.worst.amount)) side.worst = { amount: worst, fromCpu: d.from, toCpu: d.to, boundCycles: d.bound };
  }
  return side;
}

function judgeSelfTest(method: string, patterns: OrderSelfTestRawT['patterns']): OrderSelfTestRawT {
  const missed = patterns.filter((p) => p.beyondBound === 0).map((p) => patternName(p.pattern));
  const passed = missed.length === 0 && patterns.length > 0;
  const counts = patterns.map((p) => `${patternName(p.pattern)} ${p.beyondBound.toLocaleString('en-US')} of ${p.samples.toLocaleString('en-US')} beyond the offset bound`).join('; ');
  return {
    method,
    patterns,
    passed,
    finding: passed ? finding('ORDER_SELF_TEST_FOUND', 'info', { method, counts }) : finding('ORDER_SELF_TEST_MISSED', 'fail', { method, patterns: missed.join(',') }),
  };
}

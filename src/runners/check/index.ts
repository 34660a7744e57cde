// check: is this machine's time healthy? Gathers short evidence (a few
// hundred ms of bench, a warp run, the pvclock page, the kernel log, the TSC
// flags) and judges each with the pure functions of judge.ts. Never prints.
import { findMethod, type MethodSpec } from '../../methods.js';
import { methodAvailability } from '../../probes/availability.js';
import { loadBinding, type Binding } from '../../native/binding.js';
import { startDisturbance } from '../../probes/disturbance.js';
import { probeMachine, realInputs, type ProbeInputs } from '../../probes/machine.js';
import { UnsupportedError } from '../../errors.js';
import type { BenchResultT } from '../../results/bench.js';
import { finding } from '../../findings/codes.js';
import { phraseWarp } from '../../findings/phrase.js';
import type { CheckItemRawT, CheckItemT, CheckResultRawT, CheckResultT } from '../../results/check.js';
import type { MachineT } from '../../results/common.js';
import type { PvclockResultT } from '../../results/pvclock.js';
import { readTimesync, type TimesyncFacts } from '../../probes/timesync.js';
import { pvclockNsAt, pvclockTscHz } from '../../probes/capture-format.js';
import { flagNames, pvclockPageOf } from '../../probes/pvclock.js';
import { KERNEL_LOG_PATH } from '../../probes/source.js';
import type { WarpResultT } from '../../results/warp.js';
import { tscAuxOf, type TscAuxFacts } from '../../probes/tsc-aux.js';
import type { FindingT } from '../../results/common.js';
import type { RunnerContext } from '../progress.js';
import { syscallCostFinding } from '../syscall-cost.js';
import { tscAuxFindings } from '../tsc-aux.js';
import { withTscAux } from './tsc-aux.js';
import { runBench } from '../bench.js';
import { runPvclock } from '../pvclock.js';
import { runWarp } from '../warp.js';
import { forkFinding, nestedFinding } from '../clock-decisions.js';
import {
  judgeClocksource,
  judgeDisturbance,
  judgePvclock,
  judgeTimesync,
  judgeTsc,
  judgeVdso,
  judgeWarp,
  recommendFromTsc,
  type Recommendation,
  type CheckJudgement,
} from './judge.js';

/** Where each piece of evidence comes from. The defaults measure this
 * machine; a test replaces one to inject a fault, and the judging that
 * follows is the same code. */
export interface Collectors {
  bench(machine: MachineT): Promise<BenchResultT>;
  warp(machine: MachineT, methods: MethodSpec[], secondsEach: number): Promise<WarpResultT>;
  /** null when there is no readable pvclock page: no kvm-clock, or never used since boot. */
  pvclock(machine: MachineT): PvclockResultT | null;
  /** The kernel log (dmesg), or null where it cannot be read. */
  kernelLog(): string | null;
  /** The kernel's NTP state, the time daemons running, the PTP clocks. */
  timesync(): TimesyncFacts;
  /** RDTSCP and RDPID tried in a forked child on every CPU (src/probes/tsc-aux.ts); null where not asked. */
  tscAux(): TscAuxFacts | null;
}

/**
 * How much evidence each check gathers. `full` is the gate after a snapshot
 * restore; `light` is for a fleet's timer every few minutes: every check is
 * kept, the costly ones (bench loops, the warp spin on every CPU, the pvclock
 * watch) sample briefly. bench/check-light.ts measures what a light run costs.
 */
export interface CheckProfile {
  benchLoops: number;
  benchRuns: number;
  /** Default seconds of the warp part in all, when the caller gives none. */
  warpSeconds: number;
  /** Besides monotonic: also rdtscp, the clocksource's reader and plain rdtsc.
   * Light checks monotonic alone: it is what programs read, through the
   * clocksource's reader, and in ns; a method counted in TSC cycles needs
   * the TSC frequency for its detection limit, a 100 ms measurement where no
   * CPUID leaf gives it (src/probes/tscfreq.ts). */
  warpAllReaders: boolean;
  /** Warp runs per method at most this long run on the addon's own threads,
   * not Node workers: starting a worker costs ~40 ms of CPU, four times
   * light's 10 ms run; longer runs keep workers, so an interrupt is seen at
   * once (src/runners/warp-pool.ts). */
  warpNativeThreadsUpToSeconds: number;
  pvclockWindowMs: number;
  pvclockWatchSeconds: number;
  /** Try RDTSCP and RDPID in a forked child (the tsc check's TSC_AUX): two
   * forks cost ~8 ms of CPU here (parent ~2.4, children ~5.6), more than a
   * light check can spend on it, so light leaves it out. */
  tscAux: boolean;
}

export const CHECK_PROFILES = {
  full: { benchLoops: 100_000, benchRuns: 5, warpSeconds: 2, warpAllReaders: true, warpNativeThreadsUpToSeconds: 0, pvclockWindowMs: 200, pvclockWatchSeconds: 0.5, tscAux: true },
  light: { benchLoops: 10_000, benchRuns: 3, warpSeconds: 0.01, warpAllReaders: false, warpNativeThreadsUpToSeconds: 0.1, pvclockWindowMs: 20, pvclockWatchSeconds: 0.01, tscAux: false },
} as const satisfies Record<string, CheckProfile>;

export interface CheckRunOptions extends RunnerContext {
  /** Seconds of the warp part in all (split between its methods); default the profile's. */
  warpSeconds?: number | undefined;
  /** The light profile (CHECK_PROFILES.light). */
  light?: boolean;
  strict: boolean;
  /** The recommendation of a stored `clocklab compare`, and the file it came from. */
  recommendation?: { from: string; value: Recommendation } | null;
  binding?: Binding;
  inputs?: ProbeInputs;
  collect?: Partial<Collectors>;
}

/** The method through which the vDSO reads the current clocksource: tsc uses
 * rdtsc_ordered() (RDTSCP where present, else LFENCE;RDTSC,
 * arch/x86/include/asm/tsc.h), kvm-clock the pvclock page of vCPU 0. */
export function clocksourceReader(clocksource: string | null, rdtscp: boolean): string | null {
  if (clocksource === 'tsc') return rdtscp ? 'rdtscp' : 'lfence_rdtsc';
  if (clocksource === 'kvm-clock') return 'pvclock_vdso';
  return null;
}

function realCollectors(binding: Binding, inputs: ProbeInputs, profile: CheckProfile, signal: AbortSignal | undefined): Collectors {
  const spec = (id: string): MethodSpec => {
    const m = findMethod(id);
    if (!m) throw new Error(`unreachable: method ${id} is not registered`);
    return m;
  };
  return {
    bench: (machine) =>
      runBench({
        methods: ['monotonic', 'realtime', 'sys_monotonic'].map(spec),
        loops: profile.benchLoops,
        runs: profile.benchRuns,
        durationSeconds: null,
        cpu: machine.onlineCpus[0] ?? 0,
        warmup: true,
        ratioIntervals: false,
        binding,
        ...(signal ? { signal } : {}),
      }),
    warp: (_machine, methods, secondsEach) =>
      // No self-test here: typing the run as a result adds no prose.
      runWarp({
        methods,
        cpus: null,
        durationSeconds: secondsEach,
        offsets: false,
        selfTest: null,
        binding,
        inputs,
        nativeThreads: secondsEach <= profile.warpNativeThreadsUpToSeconds,
        ...(signal ? { signal } : {}),
      }).then(phraseWarp),
    pvclock: () => {
      // Whether a page exists is the page's own answer (and the kernel's
      // clocksource), never a CPUID signature: under PVM user-space CPUID
      // shows the outer hypervisor while the kernel runs on kvm-clock.
      // runPvclock opens the page itself (probing it in a forked child) and
      // says UnsupportedError where it cannot be read: one probe, not two.
      try {
        return runPvclock({ binding, inputs, windowMs: profile.pvclockWindowMs, watchSeconds: profile.pvclockWatchSeconds, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (err instanceof UnsupportedError) return null;
        throw err;
      }
    },
    kernelLog: () => inputs.source.read(KERNEL_LOG_PATH),
    timesync: () => readTimesync(binding, inputs.source),
    tscAux: () => (profile.tscAux ? tscAuxOf(inputs, binding) : null),
  };
}

/** The pvclock evidence of a replayed capture: its records as a pvclock
 * result, judged by the same judgePvclock. No watch and no rates: those
 * measure. The records agree where each gives the same ns at vCPU 0's TSC. */
export function pvclockOfCapture(machine: MachineT, inputs: ProbeInputs, binding: Binding): PvclockResultT | null {
  const page = pvclockPageOf(binding, inputs);
  if (page.state !== 'readable') return null;
  const records = page.records ?? [{ vcpu: 0, record: page.vcpu0, tsc: 0n }];
  const first = records[0];
  if (!first) return null;
  const commonTsc = first.tsc;
  const r0 = first.record;
  const ns0 = pvclockNsAt(r0, commonTsc);
  const differing = new Set<string>();
  let maxNsDifference = 0;
  for (const { record: r } of records) {
    for (const k of ['tscTimestamp', 'systemTimeNs', 'mul', 'shift', 'flags'] as const) if (r[k] !== r0[k]) differing.add(k);
    const d = Number(pvclockNsAt(r, commonTsc) - ns0);
    if (Math.abs(d) > Math.abs(maxNsDifference)) maxNsDifference = d;
  }
  const stableBit = (r0.flags & 1) !== 0;
  const current = machine.clocksources.current;
  const loc = page.location;
  return {
    schema: 'clocklab/1',
    command: 'pvclock',
    startedAt: new Date().toISOString(),
    machine,
    options: { windowMs: 0, watchSeconds: null },
    page: { address: `0x${loc.address.toString(16)}`, mapping: loc.mapping, offsetBytes: loc.offsetBytes, verifiedLayout: loc.verifiedLayout, detail: loc.detail },
    records: records.map(({ vcpu, record: r }) => ({
      vcpu,
      version: r.version,
      tscTimestamp: r.tscTimestamp.toString(),
      systemTimeNs: r.systemTimeNs.toString(),
      mul: r.mul,
      shift: r.shift,
      flags: r.flags,
      flagNames: flagNames(r.flags),
      tscHz: pvclockTscHz(r.mul, r.shift),
      nsAtCommonTsc: pvclockNsAt(r, commonTsc).toString(),
    })),
    agreement: { sameParameters: differing.size === 0, differingFields: [...differing], commonTsc: commonTsc.toString(), maxNsDifference },
    clocks: [],
    vdso: { currentClocksource: current, stableBit, pageInUse: current === 'kvm-clock' && stableBit },
    watch: null,
    disturbance: { cpus: [], loadAverageBefore: [0, 0, 0], stealNs: 0, stealPercent: 0, clocksourceBefore: current, clocksourceAfter: current },
    findings: [],
  };
}

/** A replay's evidence: every file from the capture, nothing measured. */
function replayCollectors(binding: Binding, inputs: ProbeInputs): Collectors {
  const notMeasured = (): never => {
    throw new Error('unreachable: a replay measures nothing');
  };
  const timex = inputs.replay?.timex ?? null;
  return {
    bench: notMeasured,
    warp: notMeasured,
    pvclock: (machine) => pvclockOfCapture(machine, inputs, binding),
    kernelLog: () => inputs.source.read(KERNEL_LOG_PATH),
    // From the capture's rdtscp-probe.txt only: a replay runs nothing here.
    tscAux: () => (inputs.tscAux ? tscAuxOf(inputs, binding) : null),
    timesync: () =>
      readTimesync(
        {
          adjtimex: () => {
            if (timex === null) throw new Error('the capture has no adjtimex file');
            return timex;
          },
        },
        inputs.source,
      ),
  };
}

export async function runCheck(options: CheckRunOptions): Promise<CheckResultRawT> {
  const profile: CheckProfile = options.light ? CHECK_PROFILES.light : CHECK_PROFILES.full;
  const warpSeconds = options.warpSeconds ?? profile.warpSeconds;
  const binding = options.binding ?? loadBinding();
  const inputs = options.inputs ?? realInputs(binding);
  const replay = inputs.replay ?? null;
  const collect: Collectors = { ...(replay ? replayCollectors(binding, inputs) : realCollectors(binding, inputs, profile, options.signal)), ...options.collect };
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const kernelLog = collect.kernelLog();
  const { machine } = probeMachine(inputs, kernelLog);
  const disturbance = startDisturbance(inputs.source);
  const checks: CheckItemRawT[] = [];
  const names: Array<CheckItemT['name']> = ['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'timesync', 'disturbance'];
  const run = async (name: CheckItemT['name'], judge: () => CheckJudgement | Promise<CheckJudgement>): Promise<void> => {
    options.signal?.throwIfAborted();
    options.onProgress?.({ done: checks.length, total: names.length, unit: 'steps', label: name });
    const started = performance.now();
    const v = await judge();
    checks.push({ name, ...v, elapsedMs: Math.round(performance.now() - started) });
  };

  const findings: FindingT[] = [];
  // A replay judges what the capture's files say; what must be measured is skipped.
  const notMeasured = (): CheckJudgement => ({
    status: 'skipped',
    findings: [finding('CHECK_REPLAY_NOT_MEASURED', 'info', { dir: replay?.dir ?? '' })],
    evidence: { replayOf: replay?.dir ?? null },
  });
  await run('vdso', async () => {
    if (replay) return notMeasured();
    const bench = await collect.bench(machine);
    // What a read that leaves the vDSO costs here, from the same run's medians.
    const cost = syscallCostFinding(bench.methods);
    if (cost) findings.push(cost);
    return judgeVdso(bench, machine.clocksources.current);
  });
  await run('warp', async () => {
    if (replay) return notMeasured();
    const reader = clocksourceReader(machine.clocksources.current, binding.features().rdtscp);
    const ids = profile.warpAllReaders ? ['monotonic', 'rdtscp', ...(reader ? [reader] : []), 'rdtsc'] : ['monotonic'];
    // What this machine cannot read (rdtscp where CPUID hides it) is left
    // out: the warp runner refuses a method it is given that cannot run.
    const methods = [...new Set(ids)].flatMap((id) => {
      const m = findMethod(id);
      return m && methodAvailability(binding, m).available ? [m] : [];
    });
    return judgeWarp(await collect.warp(machine, methods, warpSeconds / methods.length));
  });
  await run('tsc', () => {
    const tscAux = collect.tscAux();
    findings.push(...tscAuxFindings(tscAux, machine));
    return withTscAux(judgeTsc(machine, kernelLog), tscAux);
  });
  let pvclockTimes: bigint[] = [];
  await run('pvclock', () => {
    const p = collect.pvclock(machine);
    const cs = machine.clocksources;
    const kvmClock = cs.available.includes('kvm-clock') || cs.current === 'kvm-clock';
    const evidence = { clocksource: cs.current, kvmClockOffered: kvmClock, hypervisor: machine.kernelView?.hypervisor.kernelSays ?? machine.hypervisor?.signature ?? null };
    if (p === null) {
      // No kvm-clock at all: no page to expect. With kvm-clock, the page
      // is backed once it has been the clocksource (vclock_was_used()).
      const f = !kvmClock ? finding('CHECK_PVCLOCK_NOT_KVM', 'info', {}) : cs.current === 'kvm-clock' ? finding('CHECK_PVCLOCK_UNREADABLE', 'info', { clocksource: cs.current, state: 'not readable' }) : finding('CHECK_PVCLOCK_NO_PAGE', 'info', {});
      return { status: 'skipped', findings: [f], evidence };
    }
    pvclockTimes = p.records.map((r) => BigInt(r.systemTimeNs));
    return judgePvclock(p);
  });
  await run('clocksource', () => {
    return judgeClocksource(machine, options.recommendation?.value ?? recommendFromTsc(machine));
  });
  // ptp_kvm needs KVM's PTP hypercall, which KVM-family hosts offer: judged
  // by the kernel's clock (kvm-clock), not by a CPUID signature.
  const kvmFamily = machine.clocksources.available.includes('kvm-clock') || machine.clocksources.current === 'kvm-clock';
  await run('timesync', () => judgeTimesync(collect.timesync(), kvmFamily));
  const d = disturbance.finish(machine.onlineCpus);
  await run('disturbance', () => (replay ? notMeasured() : judgeDisturbance(d)));

  const statuses = new Set(checks.map((c) => c.status));
  const verdict = statuses.has('fail') ? 'unhealthy' : statuses.has('warn') ? 'warnings' : 'healthy';
  const raw: CheckResultRawT = {
    schema: 'clocklab/1',
    command: 'check',
    startedAt,
    machine,
    options: {
      warpSeconds,
      strict: options.strict,
      compareFile: options.recommendation?.from ?? null,
      ...(options.light ? { light: true } : {}),
    },
    checks,
    verdict,
    elapsedMs: Math.round(performance.now() - t0),
    disturbance: d,
    // The kernel's view beside the checks (a nested hypervisor, a VM fork),
    // then what the TSC_AUX probe and the bench found.
    findings: [nestedFinding(machine), forkFinding(machine.kernelView, pvclockTimes), ...findings].filter((f): f is NonNullable<typeof f> => f !== null),
  };
  return raw;
}

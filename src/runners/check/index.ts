// check: is this machine's time healthy? Gathers short evidence (a few
// hundred ms of bench, a warp run, the pvclock page, the kernel log, the TSC
// flags) and judges each with the pure functions of judge.ts. Never prints.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { findMethod, type MethodSpec } from '../../methods.js';
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
import type { RunnerContext } from '../progress.js';
import { runBench } from '../bench.js';
import { runPvclock } from '../pvclock.js';
import { runWarp } from '../warp.js';
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
  type Verdict,
} from './judge.js';

/** Where each piece of evidence comes from. The defaults measure this
 * machine; a test replaces one to inject a fault, and the judging that
 * follows is the same code. */
export interface Collectors {
  bench(machine: MachineT): Promise<BenchResultT>;
  warp(machine: MachineT, methods: MethodSpec[], secondsEach: number): Promise<WarpResultT>;
  /** null when there is no pvclock page: not KVM, or never used since boot. */
  pvclock(machine: MachineT): PvclockResultT | null;
  /** The kernel log (dmesg), or null where it cannot be read. */
  kernelLog(): string | null;
  /** The kernel's NTP state, the time daemons running, the PTP clocks. */
  timesync(): TimesyncFacts;
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
}

export const CHECK_PROFILES = {
  full: { benchLoops: 100_000, benchRuns: 5, warpSeconds: 2, warpAllReaders: true, warpNativeThreadsUpToSeconds: 0, pvclockWindowMs: 200, pvclockWatchSeconds: 0.5 },
  light: { benchLoops: 10_000, benchRuns: 3, warpSeconds: 0.01, warpAllReaders: false, warpNativeThreadsUpToSeconds: 0.1, pvclockWindowMs: 20, pvclockWatchSeconds: 0.01 },
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

/**
 * The kernel log, as dmesg(1) reads it but without starting it (spawning
 * dmesg cost ~13 ms of CPU a light check): /dev/kmsg opened non-blocking
 * returns one record per read(2), from the oldest still buffered, and EAGAIN
 * at the end (Documentation/ABI/testing/dev-kmsg). Records are
 * "prio,seq,usec,flags;message"; the judge looks for words in the message.
 * null where it cannot be read (dmesg_restrict without CAP_SYSLOG: EPERM).
 */
export function readKernelLog(): string | null {
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  // A record is at most 1 KiB of text plus its continuation lines (printk's
  // PRINTKRB_RECORD_MAX); a read into a smaller buffer fails with EINVAL.
  const buf = Buffer.alloc(16 * 1024);
  const records: string[] = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        // EPIPE: records were overwritten while reading; the next read goes on from the oldest left.
        if (code === 'EPIPE') continue;
        return null;
      }
      if (n === 0) break;
      records.push(buf.toString('utf8', 0, n));
    }
  } finally {
    closeSync(fd);
  }
  return records.join('');
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
    pvclock: (machine) => {
      if (machine.hypervisor?.signature !== 'KVMKVMKVM') return null;
      // runPvclock opens the page itself (probing it in a forked child) and
      // says UnsupportedError where it cannot be read: one probe, not two.
      try {
        return runPvclock({ binding, inputs, windowMs: profile.pvclockWindowMs, watchSeconds: profile.pvclockWatchSeconds, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (err instanceof UnsupportedError) return null;
        throw err;
      }
    },
    kernelLog: readKernelLog,
    timesync: () => readTimesync(binding, inputs.source),
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
  const { machine } = probeMachine(inputs);
  const disturbance = startDisturbance(inputs.source);
  const checks: CheckItemRawT[] = [];
  const names: Array<CheckItemT['name']> = ['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'timesync', 'disturbance'];
  const run = async (name: CheckItemT['name'], judge: () => Verdict | Promise<Verdict>): Promise<void> => {
    options.signal?.throwIfAborted();
    options.onProgress?.({ done: checks.length, total: names.length, unit: 'steps', label: name });
    const started = performance.now();
    const v = await judge();
    checks.push({ name, ...v, elapsedMs: Math.round(performance.now() - started) });
  };

  // A replay judges what the capture's files say; what must be measured is skipped.
  const notMeasured = (): Verdict => ({
    status: 'skipped',
    findings: [finding('CHECK_REPLAY_NOT_MEASURED', 'info', { dir: replay?.dir ?? '' })],
    evidence: { replayOf: replay?.dir ?? null },
  });
  await run('vdso', async () => (replay ? notMeasured() : judgeVdso(await collect.bench(machine), machine.clocksources.current)));
  await run('warp', async () => {
    if (replay) return notMeasured();
    const reader = clocksourceReader(machine.clocksources.current, binding.features().rdtscp);
    const ids = profile.warpAllReaders ? ['monotonic', 'rdtscp', ...(reader ? [reader] : []), 'rdtsc'] : ['monotonic'];
    const methods = [...new Set(ids)].flatMap((id) => {
      const m = findMethod(id);
      return m ? [m] : [];
    });
    return judgeWarp(await collect.warp(machine, methods, warpSeconds / methods.length));
  });
  await run('tsc', () => judgeTsc(machine, collect.kernelLog()));
  await run('pvclock', () => {
    const p = collect.pvclock(machine);
    if (p === null) {
      const code = machine.hypervisor?.signature === 'KVMKVMKVM' ? 'CHECK_PVCLOCK_NO_PAGE' : 'CHECK_PVCLOCK_NOT_KVM';
      return { status: 'skipped', findings: [finding(code, 'info', {})], evidence: { hypervisor: machine.hypervisor?.signature ?? null } };
    }
    return judgePvclock(p);
  });
  await run('clocksource', () => {
    return judgeClocksource(machine, options.recommendation?.value ?? recommendFromTsc(machine));
  });
  await run('timesync', () => judgeTimesync(collect.timesync(), machine.hypervisor?.signature === 'KVMKVMKVM'));
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
    findings: [],
  };
  return raw;
}

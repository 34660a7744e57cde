// pvclock.ts: what does the KVM pvclock page say right now, do the vCPUs'
// records agree, how does pvclock time run against CLOCK_MONOTONIC and
// MONOTONIC_RAW, and (watching) does a reader ever see a record change under
// an unchanged version? Returns a result; never prints.
import { CLOCKS } from '../clocks.js';
import { UnsupportedError } from '../errors.js';
import { finding } from '../findings/codes.js';
import { nativeIndex } from '../probes/native-method.js';
import { rdtscpAuxNamesThisCpu } from '../probes/tsc-aux.js';
import type { RunnerContext } from './progress.js';
import { loadBinding, type Binding, type NativePvclockRecord } from '../native/binding.js';
import { startDisturbance } from '../probes/disturbance.js';
import { probeMachine, realInputs, type ProbeInputs } from '../probes/machine.js';
import { flagNames, openPvclockPage, pvclockUnavailableMessage } from '../probes/pvclock.js';
import type { FindingT } from '../results/common.js';
import type { PvclockClockComparisonT, PvclockRecordFieldsT, PvclockRecordT, PvclockResultT, PvclockWatchT } from '../results/pvclock.js';

export interface PvclockRunOptions extends RunnerContext {
  binding?: Binding;
  /** Probe inputs; tests inject a maps text here. */
  inputs?: ProbeInputs;
  /** Bytes standing in for the page when the records are read (tests inject
   * a clear stable bit or vCPUs that disagree here); the page itself is
   * still located, and the rates are still measured on it. */
  pageBytes?: Uint8Array;
  /** The window over which rates against the Linux clocks are measured. */
  windowMs?: number;
  /** Watch the records for this long (null: no watch). */
  watchSeconds?: number | null | undefined;
}

const EOPNOTSUPP = 95;

/** The fields of a native record, with 64-bit values as decimal strings. */
function fields(r: NativePvclockRecord): PvclockRecordFieldsT {
  return {
    version: r.version,
    tscTimestamp: r.tscTimestamp.toString(),
    systemTimeNs: r.systemTimeNs.toString(),
    mul: r.mul,
    shift: r.shift,
    flags: r.flags,
  };
}

const sameFields = (a: NativePvclockRecord, b: NativePvclockRecord): boolean =>
  a.tscTimestamp === b.tscTimestamp && a.systemTimeNs === b.systemTimeNs && a.mul === b.mul && a.shift === b.shift && a.flags === b.flags;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isErrno(err: unknown, errno: number): boolean {
  return err instanceof Error && (err as Error & { errno?: unknown }).errno === errno;
}

/**
 * pvclock against a Linux clock: the offset at the start of a window and
 * the rate difference over it, each end the tightest native
 * clock/pvclock/clock triple (so the N-API call is not in the bracket).
 */
export function compareWithClocks(binding: Binding, windowMs: number, methods: readonly ('pvclock_vdso' | 'pvclock_rdtscp')[]): PvclockClockComparisonT[] {
  const clocks = ['monotonic', 'monotonic_raw'] as const;
  const combos = methods.flatMap((method) => clocks.map((clock) => ({ method, clock, index: nativeIndex(binding, method), id: CLOCKS[clock] })));
  const tries = 200;
  const start = combos.map((c) => binding.pvclockPair(c.index, c.id, tries));
  sleepMs(windowMs);
  const end = combos.map((c) => binding.pvclockPair(c.index, c.id, tries));
  return combos.map((c, i) => {
    const s = start[i];
    const e = end[i];
    if (!s || !e) throw new Error('unreachable: one pair per combination');
    const mid = (p: { beforeNs: bigint; afterNs: bigint }): bigint => (p.beforeNs + p.afterNs) / 2n;
    const clockElapsed = Number(mid(e) - mid(s));
    const pvElapsed = Number(e.valueNs - s.valueNs);
    return {
      clock: c.clock,
      method: c.method,
      offsetNs: Number(s.valueNs - mid(s)),
      windowNs: clockElapsed,
      rateDiffPpm: ((pvElapsed - clockElapsed) / clockElapsed) * 1e6,
      bracketNs: Math.max(Number(s.afterNs - s.beforeNs), Number(e.afterNs - e.beforeNs)),
    };
  });
}

export interface WatchOptions {
  /** Records to poll (vCPU 0 .. nrecords-1). */
  nrecords: number;
  seconds: number;
  /** A test's stand-in for the page; the page set by pvclockSetPage otherwise. */
  source?: Uint8Array;
  /** Between chunks: the signal ends the watch with its reason. */
  signal?: AbortSignal;
  onProgress?: RunnerContext['onProgress'];
  /** Seconds polled per native call; between calls the signal is checked
   * and progress reported. Default 1. */
  chunkSeconds?: number;
}

/**
 * Polls every record in native code, a second at a time so a progress bar
 * can move. Between seconds it re-reads the records: a record whose fields
 * changed across that gap under the same version counts as torn too, and a
 * version that moved counts as a change.
 */
export function watchPvclock(binding: Binding, options: WatchOptions): PvclockWatchT {
  const steps = watchSteps(binding, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** watchPvclock that lets the event loop run between chunks, so an abort
 * from a timer or another callback lands within one chunk. */
export async function watchPvclockAsync(binding: Binding, options: WatchOptions): Promise<PvclockWatchT> {
  const steps = watchSteps(binding, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The watch, one native chunk per step. */
function* watchSteps(binding: Binding, options: WatchOptions): Generator<void, PvclockWatchT, void> {
  const { nrecords, seconds } = options;
  const chunkSeconds = options.chunkSeconds ?? 1;
  const counts = Array.from({ length: nrecords }, (_, vcpu) => ({
    vcpu,
    polls: 0,
    versionChanges: 0,
    oddReads: 0,
    tornReads: 0,
    firstVersion: -1,
    lastVersion: -1,
  }));
  const torn: PvclockWatchT['torn'] = [];
  const t0 = binding.clockGettime(CLOCKS.monotonic);
  const at = (ns: bigint): number => Number(ns - t0) / 1e9;
  let prev = binding.pvclockRead(options.source, nrecords).records;
  let done = 0;
  while (done < seconds) {
    options.signal?.throwIfAborted();
    const chunk = Math.min(chunkSeconds, seconds - done);
    const w = binding.pvclockWatch(options.source, nrecords, chunk, 1000);
    for (const [i, c] of w.counts.entries()) {
      const acc = counts[i];
      if (!acc) continue;
      acc.polls += c.polls;
      acc.oddReads += c.oddReads;
      acc.tornReads += c.tornReads;
      acc.versionChanges += c.versionChanges;
      if (c.polls > c.oddReads) {
        if (acc.firstVersion < 0) acc.firstVersion = c.firstVersion;
        else if (acc.lastVersion !== c.firstVersion) acc.versionChanges++;
        acc.lastVersion = c.lastVersion;
      }
    }
    for (const t of w.torn) {
      if (torn.length < 1000) torn.push({ monotonicNs: t.monotonicNs.toString(), atSeconds: at(t.monotonicNs), vcpu: t.vcpu, version: t.version, before: fields(t.before), after: fields(t.after) });
    }
    const now = binding.pvclockRead(options.source, nrecords).records;
    for (const [i, r] of now.entries()) {
      const p = prev[i];
      const acc = counts[i];
      if (!p || !acc || p.version !== r.version || sameFields(p, r)) continue;
      acc.tornReads++;
      const ns = binding.clockGettime(CLOCKS.monotonic);
      if (torn.length < 1000) torn.push({ monotonicNs: ns.toString(), atSeconds: at(ns), vcpu: i, version: r.version, before: fields(p), after: fields(r) });
    }
    prev = now;
    done += chunk;
    options.onProgress?.({ done, total: seconds, unit: 'seconds', label: `watching ${done.toFixed(0)}/${seconds} s` });
    if (done < seconds) yield;
  }
  return { seconds, counts, torn };
}

export function runPvclock(options: PvclockRunOptions = {}): PvclockResultT {
  const begun = beginPvclock(options);
  const watch = begun.watchOptions ? watchPvclock(begun.binding, begun.watchOptions) : null;
  return finishPvclock(begun, watch);
}

/** runPvclock whose watch yields to the event loop every quarter second, so
 * `signal` can end it from a timer and a progress callback can repaint. */
export async function runPvclockAsync(options: PvclockRunOptions = {}): Promise<PvclockResultT> {
  const begun = beginPvclock(options);
  const watch = begun.watchOptions ? await watchPvclockAsync(begun.binding, { ...begun.watchOptions, chunkSeconds: 0.25 }) : null;
  return finishPvclock(begun, watch);
}

/** Everything before the watch: the page, the records, their agreement, the
 * rates against the Linux clocks. */
function beginPvclock(options: PvclockRunOptions) {
  options.signal?.throwIfAborted();
  const binding = options.binding ?? loadBinding();
  const inputs = options.inputs ?? realInputs(binding);
  if (!inputs.cpuid) throw new UnsupportedError(`the pvclock page is an x86 paravirtual-clock feature; this is ${process.arch}`);
  const startedAt = new Date().toISOString();
  const disturbance = startDisturbance(inputs.source);
  const facts = probeMachine(inputs);
  const page = openPvclockPage(binding, inputs.source);
  if (page.state !== 'readable') throw new UnsupportedError(pvclockUnavailableMessage(page, facts.machine.clocksources));
  const findings: FindingT[] = [];
  const loc = page.location;
  if (!loc.verifiedLayout) findings.push(finding('PVCLOCK_LAYOUT_UNVERIFIED', 'info', { detail: loc.detail }));

  const nrecords = Math.max(...page.vcpus) + 1;
  const read = binding.pvclockRead(options.pageBytes, nrecords);
  const records: PvclockRecordT[] = read.records.flatMap((r, vcpu) =>
    page.vcpus.includes(vcpu)
      ? [{ vcpu, ...fields(r), flagNames: flagNames(r.flags), tscHz: binding.pvclockTscHz(r.mul, r.shift), nsAtCommonTsc: r.nsAtTsc.toString() }]
      : [],
  );
  const r0 = read.records[0];
  if (!r0) throw new Error('unreachable: vCPU 0 was read when the page was opened');
  const differing = new Set<string>();
  let maxNsDifference = 0;
  for (const r of read.records) {
    if (r.mul === 0) continue;
    for (const k of ['tscTimestamp', 'systemTimeNs', 'mul', 'shift', 'flags'] as const) if (r[k] !== r0[k]) differing.add(k);
    const d = Number(r.nsAtTsc - r0.nsAtTsc);
    if (Math.abs(d) > Math.abs(maxNsDifference)) maxNsDifference = d;
  }
  const agreement = { sameParameters: differing.size === 0, differingFields: [...differing], commonTsc: read.tsc.toString(), maxNsDifference };
  if (differing.size > 0 || maxNsDifference !== 0) {
    findings.push(finding('PVCLOCK_RECORDS_DISAGREE', 'warn', { fields: [...differing].join(', ') || 'none', maxNsDifference }));
  }
  const stableBit = (r0.flags & 1) !== 0;
  if (!stableBit) findings.push(finding('PVCLOCK_STABLE_BIT_CLEAR', 'warn', {}));
  if (records.some((r) => r.flagNames.includes('GUEST_STOPPED'))) findings.push(finding('PVCLOCK_GUEST_STOPPED', 'info', {}));
  const current = facts.machine.clocksources.current;
  const vdso = { currentClocksource: current, stableBit, pageInUse: current === 'kvm-clock' && stableBit };
  if (!vdso.pageInUse) findings.push(finding('PVCLOCK_PAGE_NOT_IN_USE', 'info', { clocksource: current ?? 'unknown', stableBit }));

  const methods: Array<'pvclock_vdso' | 'pvclock_rdtscp'> = [];
  if (stableBit) methods.push('pvclock_vdso');
  // The rdtscp-based reader picks its record by TSC_AUX: where that is not
  // the CPU it would read another vCPU's record, or fail past the page.
  if (binding.features().rdtscp && rdtscpAuxNamesThisCpu(binding) !== false) methods.push('pvclock_rdtscp');
  const windowMs = options.windowMs ?? 500;
  let clocks: PvclockClockComparisonT[] = [];
  try {
    clocks = compareWithClocks(binding, windowMs, methods);
  } catch (err) {
    // The stable bit can clear between the read above and the window.
    if (!isErrno(err, EOPNOTSUPP)) throw err;
    findings.push(finding('PVCLOCK_STABLE_BIT_CLEAR', 'warn', {}));
  }

  const watchOptions: WatchOptions | null =
    options.watchSeconds != null
      ? {
          nrecords,
          seconds: options.watchSeconds,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        }
      : null;
  const runOptions = { windowMs, watchSeconds: options.watchSeconds ?? null };
  return { binding, startedAt, facts, page, loc, records, agreement, clocks, vdso, findings, watchOptions, runOptions, disturbance };
}

function finishPvclock(begun: ReturnType<typeof beginPvclock>, watch: PvclockWatchT | null): PvclockResultT {
  const { startedAt, facts, page, loc, records, agreement, clocks, vdso, findings, runOptions } = begun;
  // The reads run on one unpinned thread, so steal is counted over every CPU.
  const disturbance = begun.disturbance.finish(facts.machine.onlineCpus);
  if (watch) {
    watch.counts = watch.counts.filter((c) => page.vcpus.includes(c.vcpu));
    const tornReads = watch.counts.reduce((a, c) => a + c.tornReads, 0);
    const oddReads = watch.counts.reduce((a, c) => a + c.oddReads, 0);
    if (tornReads > 0) findings.push(finding('PVCLOCK_TORN_READ', 'fail', { tornReads, seconds: watch.seconds }));
    if (oddReads > 0) findings.push(finding('PVCLOCK_ODD_READS', 'info', { oddReads }));
  }

  return {
    schema: 'clocklab/1',
    command: 'pvclock',
    startedAt,
    machine: facts.machine,
    options: runOptions,
    page: { address: `0x${loc.address.toString(16)}`, mapping: loc.mapping, offsetBytes: loc.offsetBytes, verifiedLayout: loc.verifiedLayout, detail: loc.detail },
    records,
    agreement,
    clocks,
    vdso,
    watch,
    disturbance,
    findings,
  };
}

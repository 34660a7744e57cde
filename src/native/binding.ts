// binding.ts: the native addon, typed, and loaded once per thread.
//
// node-gyp-build looks in build/Release, then build/Debug, then
// prebuilds/<platform>-<arch>/ of the package root (../paths.ts finds it from
// tsc's dist/, the CLI bundle and src/ alike).
import { AddonUnavailable } from '../errors.js';
import { packageRequire, packageRoot } from '../paths.js';

/** What one rdtscp returns: the TSC and IA32_TSC_AUX, decoded as Linux sets it. */
export interface RdtscpRead {
  tsc: bigint;
  aux: number;
  cpu: number;
  node: number;
}

export interface CpuidRegs {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

export interface CpuFeatures {
  rdtscp: boolean;
  rdpid: boolean;
  sse2: boolean;
}

export interface NativeClock {
  name: string;
  id: number;
}

/** A page a native read needs set up before its first read (method_page,
 * native/methods.h); a probe opens it (src/probes/native-method.ts). */
export type NativePage = 'pvclock';

export interface NativeMethod {
  name: string;
  /** Linux clock id for clock_gettime methods, else -1. */
  clockId: number;
  /** The CPU features the read executes (kind_table, native/methods.h). */
  needs: string[];
  /** The page the read needs set up first, or null. */
  page: NativePage | null;
}

export interface LoopTiming {
  /** CLOCK_MONOTONIC nanoseconds around the loop. */
  elapsedNs: number;
  /** TSC cycles around the loop. */
  tscDelta: bigint;
}

/** Word offsets (in 64-bit words from the aligned base) of the warp state,
 * as native/warp.h lays it out. */
export interface WarpLayout {
  lock: number;
  last: number;
  lastSlot: number;
  warps: number;
  maxAmount: number;
  maxBefore: number;
  maxAfter: number;
  maxFrom: number;
  maxTo: number;
  arrived: number;
  stop: number;
  abort: number;
  error: number;
  offLo: number;
  offHi: number;
  offSamples: number;
  /** First per-slot line; slot i is at slots + i * slotWords. */
  slots: number;
  slotReads: number;
  slotDone: number;
  slotWords: number;
  /** Pair matrix: (from, to) at pairs + (from * maxSlots + to) * pairWords; word 0 count, 1 largest. */
  pairs: number;
  pairWords: number;
  maxSlots: number;
  /** The baton: the slot whose turn it is to read. */
  turn: number;
  /** Per slot: reads whose previous value another slot stored. */
  slotHandoffs: number;
  /** Words of a pair: warps, largest warp, hand-offs, smallest forward step (-1: none). */
  pairWarps: number;
  pairLargest: number;
  pairHandoffs: number;
  pairMinGap: number;
  /** Per slot, gapBuckets counts of hand-off steps by power of two, from gaps + slot * gapBuckets. */
  gaps: number;
  gapBuckets: number;
}

/** Word offsets of what an order litmus test counted (native/order.h). */
export interface OrderLayout {
  samples: number;
  violations: number;
  beyond: number;
  worst: number;
  worstObserver: number;
  worstOther: number;
  /** Input: the pair's offset bound in the method's unit. */
  bound: number;
  published: number;
}

/** One pvclock record as native/pvclock.cc reads it (struct pvclock_vcpu_time_info). */
export interface NativePvclockRecord {
  version: number;
  tscTimestamp: bigint;
  systemTimeNs: bigint;
  /** tsc_to_system_mul */
  mul: number;
  /** tsc_shift, signed */
  shift: number;
  flags: number;
}

export interface NativePvclockRead {
  /** One ordered TSC read after the records. */
  tsc: bigint;
  /** Each record, with the ns it gives for `tsc`. */
  records: Array<NativePvclockRecord & { nsAtTsc: bigint }>;
}

/** clock, pvclock, clock: the tightest of several triples. */
export interface NativePvclockPair {
  beforeNs: bigint;
  valueNs: bigint;
  afterNs: bigint;
}

export interface NativePvclockWatch {
  counts: Array<{
    polls: number;
    versionChanges: number;
    oddReads: number;
    tornReads: number;
    firstVersion: number;
    lastVersion: number;
  }>;
  torn: Array<{
    monotonicNs: bigint;
    vcpu: number;
    version: number;
    before: NativePvclockRecord;
    after: NativePvclockRecord;
  }>;
}

/** adjtimex(2) with modes 0 (read-only): the kernel's NTP state. */
export interface NativeTimex {
  /** adjtimex's return: TIME_OK 0 ... TIME_ERROR 5, the clock not synchronised. */
  state: number;
  /** STA_* bits (include/uapi/linux/timex.h); STA_UNSYNC is 0x40. */
  status: number;
  /** Offset of the last update, ns. */
  offsetNs: number;
  maxErrorUs: number;
  estErrorUs: number;
  /** Frequency offset, ppm with a 16-bit fraction. */
  freqPpm16: number;
  taiSeconds: number;
}

/** One read of the TSC_AUX probe (native/tscaux.h), made in a forked child. */
export interface NativeTscAuxRead {
  /** The CPU the child pinned itself to. */
  cpu: number;
  /** 0, or the errno of pinning (the read then ran wherever the child was). */
  pinErrno: number;
  /** getcpu(2) just before and just after the read; -1 where it failed. */
  cpuBefore: number;
  cpuAfter: number;
  nodeAfter: number;
  /** TSC_AUX as the instruction returned it. */
  aux: number;
  /** RDTSCP's TSC; 0n for RDPID. */
  tsc: bigint;
}

export interface NativeTscAuxProbe {
  /** 0 when the child exited, else the signal that killed it (4 SIGILL). */
  signal: number;
  /** The reads completed, round by round, CPU by CPU. */
  reads: NativeTscAuxRead[];
  /** The read the signal interrupted: the CPU pinned and where getcpu saw the child. */
  faulted: { cpu: number; cpuBefore: number } | null;
}

/** One bracketed sample (native/tsc_rate.h): ordered TSC read, clock_gettime, ordered TSC read, the narrowest of its tries. */
export interface NativeTscClockSample {
  tscBefore: bigint;
  clockNs: bigint;
  tscAfter: bigint;
  /** getcpu(2) after the narrowest try. */
  cpu: number;
  /** The self-test's plant scaled this sample's TSC values. */
  planted: boolean;
  read: 'rdtscp' | 'lfence_rdtsc';
}

/** The addon's exports, exactly. Arguments are checked in TypeScript first. */
export interface Binding {
  readonly isX86: boolean;
  readonly clockTable: readonly NativeClock[];
  readonly methodTable: readonly NativeMethod[];
  rdtsc(): bigint;
  rdtscp(): RdtscpRead;
  lfenceRdtsc(): bigint;
  mfenceRdtsc(): bigint;
  rdpid(): number;
  getcpu(): { cpu: number; node: number };
  cpuid(leaf: number, subleaf: number): CpuidRegs;
  features(): CpuFeatures;
  /** Hide CPU features (bit 0 rdtscp, 1 rdpid, 2 sse2) to test the missing-instruction path. */
  maskFeatures(mask: number): void;
  clockGettime(id: number): bigint;
  clockGetres(id: number): bigint;
  clockGettimeSyscall(id: number): bigint;
  clockGetresSyscall(id: number): bigint;
  /** Microseconds since the epoch. */
  gettimeofday(): bigint;
  pinToCpu(cpu: number): void;
  setAffinity(cpus: number[]): void;
  getAffinity(): number[];
  methodRead(index: number): bigint;
  timedLoop(index: number, loops: number): LoopTiming;
  /** flock(fd, LOCK_EX | LOCK_NB): true when taken, false when another holds it. */
  tryLockExclusive(fd: number): boolean;
  /** Out-parameter of the hot reads below: [0] TSC_AUX after rdtscpOut, [1] the node after getcpuOut; [2] is clockGettimeOut's clock id (an input). */
  readonly out: Uint32Array;
  /** RDTSCP without building an object: writes the TSC to outTsc[0] and TSC_AUX to out[0]. */
  rdtscpOut(): void;
  /** getcpu(2) without building an object: returns the CPU, writes the node to out[1]. */
  getcpuOut(): number;
  /** Out-parameter of rdtscOut, rdtscpOut, lfenceRdtscOut and mfenceRdtscOut: the TSC read. */
  readonly outTsc: BigUint64Array;
  /** Out-parameter of clockGettimeOut: nanoseconds. */
  readonly outNs: BigInt64Array;
  /** The TSC reads, writing to outTsc[0] and returning nothing (cheaper than returning a BigInt through N-API). */
  rdtscOut(): void;
  lfenceRdtscOut(): void;
  mfenceRdtscOut(): void;
  /** clock_gettime of the clock id in out[2], writing ns to outNs[0]; throws like clockGettime. */
  clockGettimeOut(): void;
  /** Bytes to allocate for a warp state SharedArrayBuffer. */
  readonly WARP_STATE_BYTES: number;
  readonly warpLayout: WarpLayout;
  /** Element index of the first 64-byte-aligned word of the view. */
  warpBaseIndex(state: BigInt64Array): number;
  /** Runs the warp check on this (pinned) thread; blocks for the run. */
  warpRun(state: BigInt64Array, methodIndex: number, slot: number, slots: number, durationMs: number): void;
  /** The whole warp run, slot i on a native thread pinned to cpus[i]; blocks until all have ended. */
  warpRunThreads(state: BigInt64Array, methodIndex: number, cpus: number[], durationMs: number): void;
  /** One side of the offset ping-pong between two pinned threads. */
  warpPing(state: BigInt64Array, methodIndex: number, pinger: boolean, samples: number, budgetMs: number): void;
  /** The per-CPU offset skewed_rdtscp subtracts, process-wide. */
  setTscSkew(cpu: number, cycles: number): void;
  /** Word offsets of an order litmus test's counts in a warp state (native/order.h). */
  readonly orderLayout: OrderLayout;
  /** One side of an order litmus test (pattern 0 load->read, 1 store->read) on
   * this (pinned) thread; blocks for the run. */
  orderRun(state: BigInt64Array, methodIndex: number, pattern: number, observer: boolean, wrongOrder: boolean, durationMs: number): void;
  /** Bytes between pvclock records (64) and the records one page holds (64). */
  readonly pvclockStrideBytes: number;
  readonly pvclockMaxRecords: number;
  /** Loads one byte at `address` in a forked child: 0 when it worked, else the
   * signal that killed the child (7 SIGBUS, 11 SIGSEGV). */
  pvclockProbe(address: bigint): number;
  /** Sets the page the pvclock methods read (probing it first; throws with
   * errno EFAULT when it faults). 0n clears it. */
  pvclockSetPage(address: bigint): void;
  /** The page the pvclock methods read, 0n when none is set. */
  pvclockPageAddress(): bigint;
  /** Reads `nrecords` records from the page set, or from `source` (a test's bytes). */
  pvclockRead(source: Uint8Array | undefined, nrecords: number): NativePvclockRead;
  /** pvclock_scale_delta(): ((delta shifted) * mul) >> 32 with a 128-bit product. */
  pvclockScale(delta: bigint, mul: number, shift: number): bigint;
  /** TSC Hz implied by mul/shift (pvclock_tsc_khz() without the rounding to kHz). */
  pvclockTscHz(mul: number, shift: number): number;
  pvclockPair(methodIndex: number, clockId: number, tries: number): NativePvclockPair;
  /** Polls every record for `seconds` in native code. */
  pvclockWatch(source: Uint8Array | undefined, nrecords: number, seconds: number, maxEvents?: number): NativePvclockWatch;
  /** adjtimex(2) modes 0: reads the NTP state, changes nothing. */
  adjtimex(): NativeTimex;
  /** Executes RDTSCP (0) or RDPID (1) in a forked child, never in this
   * process, `rounds` times on each CPU of `cpus` (pinned in turn). */
  tscAuxProbe(instruction: 0 | 1, cpus: number[], rounds: number): NativeTscAuxProbe;
  /** CLOCK_MONOTONIC ns taken by a chain of `adds` dependent register adds, one core cycle each (native/coreclock.h). */
  addChainNs(adds: number): number;
  /** The narrowest of `tries` bracketed samples of clock `clockId` on this
   * (pinned) thread. With a plant, a sample taken on `plantCpu` has its TSC
   * values scaled by (1 + plantPpb / 1e9) about `plantBase` (the self-test). */
  tscClockSample(clockId: number, tries: number, plantCpu?: number, plantPpb?: number, plantBase?: bigint): NativeTscClockSample;
}

/** Bits for Binding.maskFeatures, as native/cpuid.h numbers them. */
export const FEATURE_BITS = { rdtscp: 1, rdpid: 2, sse2: 4 } as const;

let loaded: Binding | undefined;

/** Loads the addon (once per thread) or throws an error that says what to do. */
export function loadBinding(): Binding {
  if (loaded) return loaded;
  // node-gyp-build is CommonJS with a dynamic require of the addon: it stays
  // outside the CLI bundle and is required from the package's node_modules.
  const nodeGypBuild = packageRequire('node-gyp-build') as (dir: string) => unknown;
  try {
    loaded = nodeGypBuild(packageRoot()) as Binding;
  } catch (err) {
    // Braces would read as option references in the message's template.
    const why = (err instanceof Error ? err.message : String(err)).replace(/[{}]/g, '');
    throw new AddonUnavailable(
      `the native addon could not be loaded (${why}).\n` +
        'No prebuilt addon fits this machine, and npm blocks dependency install scripts, so it was not built.\n' +
        'Build it from source (needs python3, make and g++): ' +
        '`npm install-scripts approve clocklab && npm rebuild clocklab`',
    );
  }
  return loaded;
}

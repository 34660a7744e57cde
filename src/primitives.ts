// primitives.ts: single reads for the library API, each checked in TypeScript
// before it goes down to the addon, with native failures turned into
// clocklab's typed errors.
import { CLOCKS, MAX_CLOCK_ID, isClockName, type ClockName } from './clocks.js';
import { UnsupportedError, UsageError } from './errors.js';
import { loadBinding, type Binding, type CpuidRegs, type RdtscpRead } from './native/binding.js';
import { decodeNativeError } from './native/errors.js';
import { onlineCpus, requireOnline } from './probes/cpus.js';

export type { CpuidRegs, RdtscpRead } from './native/binding.js';

/** A native failure as a clocklab error. `what` is built only on failure. */
function translate(err: unknown, what?: string): unknown {
  const e = decodeNativeError(err);
  if (e?.kind === 'cpu') return new UnsupportedError(e.message);
  if (e?.kind === 'errno' && what !== undefined) return new UnsupportedError(`${what}: ${e.message}`);
  return err;
}

/** Runs a native call, turning its coded errors into clocklab errors. */
function native<T>(call: () => T, what?: string): T {
  try {
    return call();
  } catch (err) {
    throw translate(err, what);
  }
}

// The hot single reads below call the binding directly, with no closure
// (not even in a catch: a captured parameter costs a context allocation per
// call) and no string built per call: bench/api.ts times them against
// process.hrtime.bigint() and the npm rdtsc package.
// The addon's exports object is in dictionary mode (many properties, set
// from C++), so every property load is a hash lookup: the hot functions and
// out-parameter arrays are copied into one plain object once.
interface Hot {
  rdtscOut: () => void;
  lfenceRdtscOut: () => void;
  mfenceRdtscOut: () => void;
  rdtscpOut: () => void;
  getcpuOut: () => number;
  gettimeofday: () => bigint;
  clockGettimeOut: () => void;
  out: Uint32Array;
  outTsc: BigUint64Array;
  outNs: BigInt64Array;
}

// Loaded once, when this module is imported: V8 folds the loads from a
// module-level const into each read, where a lazily set variable cost ~2 ns
// a read (bench/api.ts). Where the addon cannot load, each hot read throws
// the load's own error when called, as loadBinding() would.
const HOT: Hot = loadHot();

function loadHot(): Hot {
  let b: Binding;
  try {
    b = loadBinding();
  } catch (err) {
    const fail = (): never => {
      throw err;
    };
    return {
      rdtscOut: fail, lfenceRdtscOut: fail, mfenceRdtscOut: fail, rdtscpOut: fail, getcpuOut: fail, gettimeofday: fail, clockGettimeOut: fail,
      out: new Uint32Array(4), outTsc: new BigUint64Array(1), outNs: new BigInt64Array(1),
    };
  }
  return {
    rdtscOut: b.rdtscOut,
    lfenceRdtscOut: b.lfenceRdtscOut,
    mfenceRdtscOut: b.mfenceRdtscOut,
    rdtscpOut: b.rdtscpOut,
    getcpuOut: b.getcpuOut,
    gettimeofday: b.gettimeofday,
    clockGettimeOut: b.clockGettimeOut,
    out: b.out,
    outTsc: b.outTsc,
    outNs: b.outNs,
  };
}

/** Resolves a clock given by name or Linux id. */
export function clockId(clock: ClockName | number): number {
  if (typeof clock === 'number') {
    if (!Number.isInteger(clock) || clock < 0 || clock > MAX_CLOCK_ID) {
      throw new UsageError(`clock id ${clock} is out of range: Linux clock ids run 0-${MAX_CLOCK_ID}`);
    }
    return clock;
  }
  if (typeof clock !== 'string' || !isClockName(clock)) {
    throw new UsageError(`unknown clock '${String(clock)}'; known clocks: ${Object.keys(CLOCKS).join(', ')}`);
  }
  return CLOCKS[clock];
}

/** RDTSC: the time stamp counter, unordered. */
export function rdtsc(): bigint {
  try {
    const h = HOT;
    h.rdtscOut();
    return h.outTsc[0] ?? 0n;
  } catch (err) {
    throw translate(err);
  }
}

/** RDTSCP: the TSC and IA32_TSC_AUX, decoded as Linux sets it ((node << 12) | cpu). */
export function rdtscp(): RdtscpRead {
  try {
    const h = HOT;
    h.rdtscpOut();
    const tsc = h.outTsc[0] ?? 0n;
    const aux = h.out[0] ?? 0;
    return { tsc, aux, cpu: aux & 0xfff, node: aux >>> 12 };
  } catch (err) {
    throw translate(err);
  }
}

/** LFENCE;RDTSC: the TSC, read after earlier instructions completed. */
export function lfenceRdtsc(): bigint {
  try {
    const h = HOT;
    h.lfenceRdtscOut();
    return h.outTsc[0] ?? 0n;
  } catch (err) {
    throw translate(err);
  }
}

/** MFENCE;RDTSC. */
export function mfenceRdtsc(): bigint {
  try {
    const h = HOT;
    h.mfenceRdtscOut();
    return h.outTsc[0] ?? 0n;
  } catch (err) {
    throw translate(err);
  }
}

/** RDPID: the CPU number Linux keeps in TSC_AUX. */
export function rdpid(): number {
  return native(() => loadBinding().rdpid()) & 0xfff;
}

/** getcpu(2): the CPU and NUMA node this thread runs on now. */
export function getcpu(): { cpu: number; node: number } {
  try {
    const h = HOT;
    const cpu = h.getcpuOut();
    return { cpu, node: h.out[1] ?? 0 };
  } catch (err) {
    throw translate(err);
  }
}

/** CPUID(leaf, subleaf). */
export function cpuid(leaf: number, subleaf = 0): CpuidRegs {
  for (const [name, v] of [['leaf', leaf], ['subleaf', subleaf]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new UsageError(`cpuid ${name} must be an integer from 0 to 0xffffffff, got ${String(v)}`);
    }
  }
  return native(() => loadBinding().cpuid(leaf, subleaf));
}

let lastName = 'monotonic';
let lastId: number = CLOCKS.monotonic;

/** clock_gettime(clock) through libc (the vDSO where the kernel allows), in ns. */
export function clockGettime(clock: ClockName | number): bigint {
  // The last name asked for is remembered: comparing it is one pointer
  // compare, where a keyed load on CLOCKS goes megamorphic once a process
  // has asked for several names (bench/api.ts: ~9 ns a read). Other known
  // names (own entries of CLOCKS are numbers, inherited ones like 'toString'
  // are not) and in-range ids take the fast path too; anything else goes to
  // clockId for its UsageError.
  let id: number;
  if (typeof clock === 'number' && Number.isInteger(clock) && clock >= 0 && clock <= MAX_CLOCK_ID) id = clock;
  else if (clock === lastName) id = lastId;
  else {
    const byName: unknown = typeof clock === 'string' ? (CLOCKS as Record<string, unknown>)[clock] : undefined;
    id = typeof byName === 'number' ? byName : clockId(clock);
    if (typeof clock === 'string') {
      lastName = clock;
      lastId = id;
    }
  }
  try {
    const h = HOT;
    h.out[2] = id;
    h.clockGettimeOut();
    return h.outNs[0] ?? 0n;
  } catch (err) {
    // The name is built here, not in a closure: a closure over `clock` would
    // make V8 allocate a context on every call (measured: ~7 ns a read).
    throw translate(err, `clock_gettime(${String(clock)})`);
  }
}

/** clock_getres(clock) through libc, in ns. Throws for a clock the kernel lacks. */
export function clockGetres(clock: ClockName | number): bigint {
  const id = clockId(clock);
  // The vDSO answers clock_getres for ids the kernel does not have (e.g. the
  // AUX clocks on 6.17+), so existence is decided by clock_gettime.
  if (!clockExists(id)) throw new UnsupportedError(`clock ${clock} is not available on this kernel`);
  return native(() => loadBinding().clockGetres(id), `clock_getres(${clock})`);
}

/** Whether the kernel has the clock: clock_gettime succeeds on it. */
export function clockExists(clock: ClockName | number): boolean {
  const id = clockId(clock);
  try {
    loadBinding().clockGettime(id);
    return true;
  } catch {
    return false;
  }
}

/** gettimeofday(2): microseconds since the epoch. */
export function gettimeofday(): bigint {
  return HOT.gettimeofday();
}

/** Restricts the calling thread to one online CPU. */
export function pinToCpu(cpu: number): void {
  if (typeof cpu !== 'number' || !Number.isInteger(cpu) || cpu < 0) {
    throw new UsageError(`cpu must be a non-negative integer, got ${String(cpu)}`);
  }
  requireOnline([cpu], onlineCpus());
  native(() => loadBinding().pinToCpu(cpu), `pin to CPU ${cpu}`);
}

/** Restricts the calling thread to the given online CPUs (undoes a pin). */
export function setAffinity(cpus: readonly number[]): void {
  requireOnline(cpus, onlineCpus());
  native(() => loadBinding().setAffinity([...cpus]), 'set affinity');
}

/** The CPUs the calling thread may run on. */
export function getAffinity(): number[] {
  return loadBinding().getAffinity();
}

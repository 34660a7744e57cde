// primitives.ts: single reads for the library API, each checked in TypeScript
// before it goes down to the addon, with native failures turned into
// clocklab's typed errors.
import { CLOCKS, MAX_CLOCK_ID, isClockName, type ClockName } from './clocks.js';
import { UnsupportedError, UsageError } from './errors.js';
import { loadBinding, type CpuidRegs, type RdtscpRead } from './native/binding.js';
import { onlineCpus, requireOnline } from './probes/cpus.js';

export type { CpuidRegs, RdtscpRead } from './native/binding.js';

interface NativeError {
  code?: unknown;
  errno?: unknown;
  message: string;
}

/** Runs a native call, turning its coded errors into clocklab errors. */
function native<T>(call: () => T, what?: string): T {
  try {
    return call();
  } catch (err) {
    const e = err as NativeError;
    if (e.code === 'ERR_CLOCKLAB_CPU_FEATURE' || e.code === 'ERR_CLOCKLAB_NOT_X86') {
      throw new UnsupportedError(e.message);
    }
    if (e.code === 'ERR_CLOCKLAB_ERRNO' && what !== undefined) throw new UnsupportedError(`${what}: ${e.message}`);
    throw err;
  }
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
  return native(() => loadBinding().rdtsc());
}

/** RDTSCP: the TSC and IA32_TSC_AUX, decoded as Linux sets it ((node << 12) | cpu). */
export function rdtscp(): RdtscpRead {
  return native(() => loadBinding().rdtscp());
}

/** LFENCE;RDTSC: the TSC, read after earlier instructions completed. */
export function lfenceRdtsc(): bigint {
  return native(() => loadBinding().lfenceRdtsc());
}

/** MFENCE;RDTSC. */
export function mfenceRdtsc(): bigint {
  return native(() => loadBinding().mfenceRdtsc());
}

/** RDPID: the CPU number Linux keeps in TSC_AUX. */
export function rdpid(): number {
  return native(() => loadBinding().rdpid()) & 0xfff;
}

/** getcpu(2): the CPU and NUMA node this thread runs on now. */
export function getcpu(): { cpu: number; node: number } {
  return native(() => loadBinding().getcpu());
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

/** clock_gettime(clock) through libc (the vDSO where the kernel allows), in ns. */
export function clockGettime(clock: ClockName | number): bigint {
  const id = clockId(clock);
  return native(() => loadBinding().clockGettime(id), `clock_gettime(${clock})`);
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
  return loadBinding().gettimeofday();
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

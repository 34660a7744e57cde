// availability.ts: can this machine run a method, and if not, why not?
//
// Decided by the addon itself: one read through binding.methodRead, which
// first checks the CPUID bit of every instruction the method executes
// (method_requires() in native/methods.h, enforced in native/napi/args.cc, so
// a masked or missing feature is an error, never SIGILL), and for clocks asks
// clock_gettime, the call that decides whether the kernel has a clock:
// clock_getres through the vDSO answers even for ids the kernel lacks
// (measured on a KVM guest, kernel 6.18; test/clocks.test.ts checks it).
import { constants } from 'node:os';
import { UnsupportedError } from '../errors.js';
import type { MethodSpec } from '../methods.js';
import { nativeIndex } from './native-method.js';
import type { Binding } from '../native/binding.js';

export type Availability =
  | { available: true }
  | {
      available: false;
      /** One sentence: what is missing, e.g. the instruction and its CPUID bit. */
      reason: string;
      /** Which kind of lack: the CPU, the kernel, or the addon. */
      cause: 'cpu' | 'kernel' | 'addon';
    };

interface NativeError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

function errnoName(errno: number): string {
  const hit = Object.entries(constants.errno).find(([, v]) => v === errno);
  return hit ? hit[0] : `errno ${errno}`;
}

/** What the method reads, for messages: clock_gettime(CLOCK_TAI), getcpu(2) ... */
function what(spec: MethodSpec): string {
  return spec.description.replace(/ \(tick resolution\)$/, '');
}

/** Whether `spec` can run here; never throws for a lack of the machine. */
export function methodAvailability(binding: Binding, spec: MethodSpec): Availability {
  if (!binding.isX86 && spec.path === 'cpu') {
    return { available: false, reason: `${spec.id} needs an x86 CPU; this is ${process.arch}`, cause: 'cpu' };
  }
  let index: number;
  try {
    index = nativeIndex(binding, spec.id);
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err), cause: 'addon' };
  }
  try {
    binding.methodRead(index);
    return { available: true };
  } catch (err) {
    const e = (typeof err === 'object' && err !== null ? err : {}) as NativeError;
    const message = typeof e.message === 'string' ? e.message : String(err);
    if (e.code === 'ERR_CLOCKLAB_CPU_FEATURE' || e.code === 'ERR_CLOCKLAB_NOT_X86') {
      return { available: false, reason: message, cause: 'cpu' };
    }
    if (e.code === 'ERR_CLOCKLAB_ERRNO' && typeof e.errno === 'number') {
      const name = errnoName(e.errno);
      const lacks = e.errno === constants.errno.EINVAL ? ': the kernel does not have this clock' : '';
      return { available: false, reason: `${what(spec)} fails with ${name}${lacks}`, cause: 'kernel' };
    }
    throw err;
  }
}

/** Refuses a method asked for by name that this machine cannot run (exit 3),
 * naming it and why: the instruction and its CPUID bit, or the errno. A
 * survey (a command's defaults, 'all') records such a method as skipped
 * instead, and runs the rest. */
export function requireAvailable(binding: Binding, specs: readonly MethodSpec[]): void {
  for (const spec of specs) {
    const a = methodAvailability(binding, spec);
    if (!a.available) throw new UnsupportedError(`${spec.id}: ${a.reason}`);
  }
}

/** The ordered TSC read clocklab times its own checks with (the warp
 * self-test, --offsets, order's offset bound, the benches under bench/):
 * RDTSCP where CPUID offers it, else LFENCE;RDTSC, the two the kernel's
 * rdtsc_ordered() chooses between (arch/x86/include/asm/msr.h). Never RDTSCP
 * where CPUID hides it: it may execute anyway (a PVM guest under bhyve) and
 * its TSC_AUX then names another machine's CPU. */
export function orderedTscRead(binding: Binding): 'rdtscp' | 'lfence_rdtsc' {
  return binding.features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';
}

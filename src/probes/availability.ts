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
import type { MethodSpec } from '../methods.js';
import { nativeIndex } from './native-method.js';
import type { Binding } from '../native/binding.js';
import type { CpuidFn } from './cpuid.js';
import type { ProbeInputs } from './machine.js';

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

/** The instructions behind a method's CPU requirements, and their CPUID bits
 * (native/cpuid.h feature_table; Intel SDM Vol. 2A, CPUID). */
const REPLAY_FEATURES = {
  rdtscp: { bit: 'CPUID.80000001H:EDX[27]', has: (c: CpuidFn) => ((c(0x80000001, 0).edx >>> 27) & 1) === 1 && c(0x80000000, 0).eax >>> 0 >= 0x80000001 },
  rdpid: { bit: 'CPUID.(EAX=7,ECX=0):ECX[22]', has: (c: CpuidFn) => ((c(7, 0).ecx >>> 22) & 1) === 1 && c(0, 0).eax >>> 0 >= 7 },
  sse2: { bit: 'CPUID.01H:EDX[26]', has: (c: CpuidFn) => ((c(1, 0).edx >>> 26) & 1) === 1 },
} as const;

/** The clock a clock method reads, by its id in src/clocks.ts. */
function clockOf(spec: MethodSpec): string | null {
  if (spec.id === 'gettimeofday' || spec.id === 'time') return 'realtime';
  if (spec.path === 'cpu' || spec.id === 'getcpu') return null;
  return spec.id.replace(/^sys_/, '');
}

/**
 * Whether `spec` could run on a replayed capture: its instructions' CPUID
 * bits from cpuid.txt (the checks the addon makes before a read, with its
 * wording), the clock from clocks.txt, the pvclock page from pvclock.txt.
 * Runs nothing. `caveat` where the capture did not record the answer.
 */
export function replayAvailability(spec: MethodSpec, inputs: ProbeInputs, pvclockReadable: boolean | string): Availability & { caveat?: string } {
  const cpuid = inputs.cpuid;
  if (spec.path === 'cpu' && !cpuid) return { available: false, reason: `${spec.id} needs an x86 CPU; the capture is not of one`, cause: 'cpu' };
  if (cpuid) {
    for (const r of spec.requires) {
      if (r !== 'rdtscp' && r !== 'rdpid' && r !== 'sse2') continue;
      const f = REPLAY_FEATURES[r];
      if (!f.has(cpuid)) {
        const instr = r === 'sse2' ? (spec.id.includes('mfence') ? 'mfence' : 'lfence') : r;
        return { available: false, reason: `${instr} is not available on this CPU (${f.bit} is clear)`, cause: 'cpu' };
      }
    }
  }
  if (spec.requires.includes('pvclock') && pvclockReadable !== true) {
    return { available: false, reason: `${spec.id} needs the pvclock page (${typeof pvclockReadable === 'string' ? pvclockReadable : 'not readable in the capture'})`, cause: 'addon' };
  }
  const clock = clockOf(spec);
  if (clock === null) return { available: true };
  const clocks = inputs.replay?.clocks ?? null;
  if (clocks === null) return { available: true, caveat: 'taken as present: the capture has no clocks.txt (every Linux since 3.10 has this clock)' };
  const c = clocks.find((x) => x.name === clock);
  if (!c) return { available: true, caveat: `a replay: the capture's clocks.txt does not list ${clock}` };
  return c.available ? { available: true } : { available: false, reason: `${what(spec)} fails with ${c.error ?? 'an error'} (in the capture)`, cause: 'kernel' };
}

// availability.ts: can this machine run a method, and if not, why not?
//
// Decided by the addon itself: one read through binding.methodRead, which
// first runs the preparer (method_prepare() in native/methods.h, enforced in
// native/napi/args.cc Prepare()): it checks the CPUID bit of every
// instruction the method executes, so a masked or missing feature is an
// error, never SIGILL, and the page it reads. For clocks the read asks
// clock_gettime, the call that decides whether the kernel has a clock:
// clock_getres through the vDSO answers even for ids the kernel lacks
// (measured on a KVM guest, kernel 6.18; test/clocks.test.ts checks it).
import { constants } from 'node:os';
import { UnsupportedError } from '../errors.js';
import { formatCpuList } from '../cpulist.js';
import type { MethodSpec } from '../methods.js';
import { nativeIndex } from './native-method.js';
import type { Binding } from '../native/binding.js';
import { decodeNativeError } from '../native/errors.js';
import { realInputs, type ProbeInputs } from './machine.js';
import { auxMisleads, auxValues, TSC_AUX_CPUID_BIT, tscAuxOf, type TscAuxFacts } from './tsc-aux.js';
import type { CpuidFn } from './cpuid.js';

export type Availability =
  | { available: true }
  | {
      available: false;
      /** One sentence: what is missing, e.g. the instruction and its CPUID bit. */
      reason: string;
      /** Which kind of lack: the CPU, the kernel, or the addon. */
      cause: 'cpu' | 'kernel' | 'addon';
    };

/** What the method reads, for messages: clock_gettime(CLOCK_TAI), getcpu(2) ... */
function what(spec: MethodSpec): string {
  return spec.description.replace(/ \(tick resolution\)$/, '');
}

/**
 * Why the rdtscp-based pvclock reader (the 2014 thread's proposal,
 * native/pvclock.h) must not run here, or null. It picks the record of the
 * CPU RDTSCP's TSC_AUX names; where TSC_AUX is not the CPU the thread runs
 * on, it reads another vCPU's record, or none.
 */
export function pvclockRdtscpRefusal(facts: TscAuxFacts | null): string | null {
  const f = facts?.rdtscp;
  if (!facts || !f || !auxMisleads(f)) return null;
  const how = f.namesCpu === 'never' ? 'never' : 'not always';
  const hidden = f.offered === false ? `; CPUID also hides RDTSCP (${TSC_AUX_CPUID_BIT.rdtscp} is clear)` : '';
  return `it picks its pvclock record by RDTSCP's TSC_AUX, which here reads ${auxValues(f)}, ${how} the CPU the thread runs on (CPUs ${formatCpuList(facts.cpus)}): it would read another vCPU's record${hidden}`;
}

/** Whether `spec` can run here; never throws for a lack of the machine.
 * `inputs`: the machine's probe inputs (their TSC_AUX seam decides the
 * rdtscp-based pvclock reader); this machine's by default. */
export function methodAvailability(binding: Binding, spec: MethodSpec, inputs?: ProbeInputs): Availability {
  if (!binding.isX86 && spec.path === 'cpu') {
    return { available: false, reason: `${spec.id} needs an x86 CPU; this is ${process.arch}`, cause: 'cpu' };
  }
  let index: number;
  try {
    index = nativeIndex(binding, spec.id);
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err), cause: 'addon' };
  }
  // Before its first read: where TSC_AUX misleads, even that read would take
  // another vCPU's record (or fail with ERANGE past the page).
  if (spec.requires.includes('pvclock') && spec.requires.includes('rdtscp')) {
    const why = pvclockRdtscpRefusal(tscAuxOf(inputs ?? realInputs(binding), binding));
    if (why !== null) return { available: false, reason: why, cause: 'cpu' };
  }
  try {
    binding.methodRead(index);
    return { available: true };
  } catch (err) {
    const e = decodeNativeError(err);
    if (e?.kind === 'cpu') return { available: false, reason: e.message, cause: 'cpu' };
    if (e?.kind === 'errno') {
      const lacks = e.errno === constants.errno.EINVAL ? ': the kernel does not have this clock' : '';
      return { available: false, reason: `${what(spec)} fails with ${e.name}${lacks}`, cause: 'kernel' };
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

/** What the TSC_AUX probe found of the instruction a method executes (rdtscp,
 * rdpid), for `clocklab methods`: hidden by CPUID yet executing, a TSC_AUX
 * that is not the CPU. null when there is nothing to say. */
export function tscAuxCaveat(spec: MethodSpec, facts: TscAuxFacts | null): string | null {
  if (!facts || (spec.id !== 'rdtscp' && spec.id !== 'rdpid')) return null;
  const f = facts[spec.id];
  const said: string[] = [];
  if (f.offered === false && f.executes === true) said.push('CPUID hides it, yet it executes (tried in a child process)');
  if (f.offered === true && f.executes === false) said.push(`CPUID offers it, yet it faults (${f.signal ?? 'a signal'}, in a child process)`);
  if (auxMisleads(f)) {
    const how = f.namesCpu === 'never' ? 'never' : 'not always';
    said.push(`TSC_AUX reads ${auxValues(f)}, ${how} the CPU it ran on (CPUs ${formatCpuList(facts.cpus)}): take the CPU number from getcpu(2)`);
  }
  return said.length === 0 ? null : said.join('; ');
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
export function replayAvailability(spec: MethodSpec, inputs: ProbeInputs, pvclockReadable: boolean | string, tscAux: TscAuxFacts | null): Availability & { caveat?: string } {
  const cpuid = inputs.cpuid;
  if (spec.path === 'cpu' && !cpuid) return { available: false, reason: `${spec.id} needs an x86 CPU; the capture is not of one`, cause: 'cpu' };
  // In the order methodAvailability decides, so a replay gives the live reason.
  if (spec.requires.includes('pvclock') && spec.requires.includes('rdtscp')) {
    const why = pvclockRdtscpRefusal(tscAux);
    if (why !== null) return { available: false, reason: why, cause: 'cpu' };
  }
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

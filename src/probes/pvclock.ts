// pvclock.ts: can this process read the KVM pvclock page, and what does it
// hold? Locates it (vvar.ts), probes it in a forked child (a load from an
// unbacked vclock page is a SIGBUS: vvar_vclock_fault(),
// arch/x86/entry/vdso/vma.c), then hands it to the addon and reads it.
import { UnsupportedError } from '../errors.js';
import type { Binding, NativePvclockRecord } from '../native/binding.js';
import type { CapturedPvclockRecord } from './capture-format.js';
import type { ProbeInputs } from './machine.js';
import { realSource, type Source } from './source.js';
import { locatePvclockPage, MAPS_PATH, type PvclockLocation } from './vvar.js';

/** Flag bits, arch/x86/include/asm/pvclock-abi.h. */
export const PVCLOCK_FLAGS = { TSC_STABLE: 1, GUEST_STOPPED: 2, COUNTS_FROM_ZERO: 4 } as const;
export type PvclockFlagName = keyof typeof PVCLOCK_FLAGS;

export function flagNames(flags: number): PvclockFlagName[] {
  return (Object.keys(PVCLOCK_FLAGS) as PvclockFlagName[]).filter((n) => (flags & PVCLOCK_FLAGS[n]) !== 0);
}

const SIGNALS: Record<number, string> = { 7: 'SIGBUS', 11: 'SIGSEGV' };

export type PvclockPage =
  | {
      state: 'readable';
      location: Extract<PvclockLocation, { found: true }>;
      /** vCPU numbers whose slot holds a record (tsc_to_system_mul != 0). */
      vcpus: number[];
      /** vCPU 0's record, read when the page was opened. */
      vcpu0: NativePvclockRecord;
      /** Every record present, with the TSC read after them (a replay's
       * come from pvclock.txt, each with its own read). */
      records?: CapturedPvclockRecord[];
    }
  | { state: 'faults'; location: Extract<PvclockLocation, { found: true }>; signal: string; reason: string }
  | { state: 'not-a-record'; location: Extract<PvclockLocation, { found: true }>; reason: string }
  | { state: 'absent'; location: Extract<PvclockLocation, { found: false }>; reason: string };

const hex = (a: bigint): string => `0x${a.toString(16)}`;

/** A record the kernel could have written: even version, a multiplier, a
 * shift pvclock_tsc_khz() can apply, and only known flag bits. */
export function recordLooksSane(r: NativePvclockRecord): boolean {
  return r.version % 2 === 0 && r.mul !== 0 && r.shift >= -31 && r.shift <= 31 && (r.flags & ~7) === 0;
}

/**
 * Finds, probes and opens the page: on success the addon's pvclock methods
 * read it. Never touches an address the forked probe has not read.
 */
export function openPvclockPage(binding: Binding, source: Source = realSource): PvclockPage {
  const location = locatePvclockPage(source);
  if (!location.found) return { state: 'absent', location, reason: location.reason };
  const signal = binding.pvclockProbe(location.address);
  if (signal !== 0) {
    const name = SIGNALS[signal] ?? `signal ${signal}`;
    const why =
      signal === 7
        ? 'the kernel backs it only once kvm-clock has been the clocksource since boot (vclock_was_used() in arch/x86/entry/vdso/vma.c)'
        : 'nothing readable is mapped there';
    return { state: 'faults', location, signal: name, reason: `loading ${hex(location.address)} (${location.detail}) raised ${name}: ${why}` };
  }
  binding.pvclockSetPage(location.address);
  const read = binding.pvclockRead(undefined, binding.pvclockMaxRecords);
  const all = read.records;
  const vcpu0 = all[0];
  if (!vcpu0 || !recordLooksSane(vcpu0)) {
    binding.pvclockSetPage(0n);
    return {
      state: 'not-a-record',
      location,
      reason: `the page at ${hex(location.address)} (${location.detail}) does not hold a pvclock record for vCPU 0 (version ${vcpu0?.version}, mul ${vcpu0?.mul}, shift ${vcpu0?.shift})`,
    };
  }
  const vcpus = all.flatMap((r, i) => (r.mul !== 0 ? [i] : []));
  const records = all.flatMap((r, vcpu) =>
    r.mul !== 0 ? [{ vcpu, record: { version: r.version, tscTimestamp: r.tscTimestamp, systemTimeNs: r.systemTimeNs, mul: r.mul, shift: r.shift, flags: r.flags }, tsc: read.tsc }] : [],
  );
  return { state: 'readable', location, vcpus, vcpu0, records };
}

/** The page the probe inputs give: a replay's from its capture, else the live one. */
export function pvclockPageOf(binding: Binding, inputs: Pick<ProbeInputs, 'source' | 'pvclock'>): PvclockPage {
  return inputs.pvclock ? inputs.pvclock() : openPvclockPage(binding, inputs.source);
}

/** What the kernel's clocksources say about the page, for the sentence:
 * whether a KVM-family clock (kvm-clock) is there at all. Decided from the
 * kernel's clocksources, never from a CPUID signature (under PVM user-space
 * CPUID shows the outer hypervisor while the kernel runs on kvm-clock). */
export interface PvclockContext {
  available: readonly string[];
  current: string | null;
}

/** The sentence for a page that cannot be read: what was looked for, where. */
export function pvclockUnavailableMessage(page: Exclude<PvclockPage, { state: 'readable' }>, clocks: PvclockContext | null): string {
  const kvmClock = clocks !== null && (clocks.available.includes('kvm-clock') || clocks.current === 'kvm-clock');
  const why =
    clocks === null
      ? ''
      : kvmClock
        ? clocks.current === 'kvm-clock'
          ? ''
          : ` kvm-clock is offered but the clocksource is ${clocks.current ?? 'unknown'}: the page is backed once kvm-clock has been in use.`
        : ` The kernel has no kvm-clock (clocksources: ${clocks.available.join(' ') || 'none'}), so no KVM-family pvclock page is expected.`;
  if (page.state === 'absent') {
    return `no pvclock page: looked for ${page.location.lookedFor} in ${page.location.lookedIn}: ${page.reason}.${why}`;
  }
  return `pvclock page not mapped: looked for it at ${page.location.detail} in ${MAPS_PATH}: ${page.reason}.${why}`;
}

/** Opens the page or throws UnsupportedError (exit 3) with the reason. */
export function requirePvclockPage(binding: Binding, source: Source = realSource, clocks: PvclockContext | null = null): Extract<PvclockPage, { state: 'readable' }> {
  const page = openPvclockPage(binding, source);
  if (page.state !== 'readable') throw new UnsupportedError(pvclockUnavailableMessage(page, clocks));
  return page;
}

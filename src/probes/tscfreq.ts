// tscfreq.ts: how fast does the TSC tick, and who says so?
//
// In order of authority: CPUID 0x15 (crystal ratio, Intel; SDM Vol. 2A),
// the hypervisor's timing leaf 0x40000010 (EAX = TSC kHz, where the VMM
// offers it), the KVM pvclock record's mul/shift (the host's own conversion,
// arch/x86/kernel/pvclock.c pvclock_tsc_khz(); supplied by the caller), CPUID
// 0x16 (nominal base MHz, which only approximates the TSC), and last a
// measurement against CLOCK_MONOTONIC_RAW.
import type { Binding } from '../native/binding.js';
import { CLOCKS } from '../clocks.js';
import type { CpuidFacts, HypervisorFacts } from './cpuid.js';

export interface TscFrequency {
  hz: number;
  source: 'cpuid-0x15' | 'cpuid-0x16' | 'hypervisor-0x40000010' | 'pvclock' | 'measured';
  detail: string;
}

/** Measures TSC Hz against CLOCK_MONOTONIC_RAW over about `windowMs`. */
export function measureTscHz(binding: Binding, windowMs = 100): TscFrequency {
  const raw = CLOCKS.monotonic_raw;
  const t0 = binding.clockGettime(raw);
  const c0 = binding.lfenceRdtsc();
  const until = t0 + BigInt(windowMs * 1e6);
  let t1 = t0;
  while (t1 < until) t1 = binding.clockGettime(raw);
  const c1 = binding.lfenceRdtsc();
  const hz = (Number(c1 - c0) * 1e9) / Number(t1 - t0);
  return { hz, source: 'measured', detail: `measured against CLOCK_MONOTONIC_RAW over ${windowMs} ms` };
}

/** The most authoritative TSC frequency on offer. `pvclockHz` comes from the
 * pvclock record where the page is readable. */
export function tscFrequency(
  binding: Binding,
  cpuid: CpuidFacts | null,
  hypervisor: HypervisorFacts | null,
  pvclockHz: number | null = null,
  /** false: never measure (a replay of a capture); null when nothing says. */
  measure = true,
): TscFrequency | null {
  if (!cpuid || (measure && !binding.isX86)) return null;
  const l15 = cpuid.leaf15;
  if (l15 && l15.crystalHz !== 0) {
    return {
      hz: (l15.crystalHz * l15.numerator) / l15.denominator,
      source: 'cpuid-0x15',
      detail: `crystal ${l15.crystalHz} Hz x ${l15.numerator}/${l15.denominator}`,
    };
  }
  if (hypervisor?.tscKhz) {
    return { hz: hypervisor.tscKhz * 1000, source: 'hypervisor-0x40000010', detail: `${hypervisor.tscKhz} kHz from the hypervisor's timing leaf` };
  }
  if (pvclockHz !== null) {
    return { hz: pvclockHz, source: 'pvclock', detail: "from the KVM pvclock record's tsc_to_system_mul and tsc_shift" };
  }
  if (cpuid.baseMhz !== null) {
    return { hz: cpuid.baseMhz * 1e6, source: 'cpuid-0x16', detail: `nominal base frequency ${cpuid.baseMhz} MHz` };
  }
  return measure ? measureTscHz(binding) : null;
}

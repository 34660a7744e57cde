// tsc-claims.ts: who says how fast the TSC ticks, and what does each say?
// Every claim on offer, each with its source and how finely it is stated,
// for `clocklab tsc` to set beside the measured rate. Pure parsing over text
// and CPUID facts; readTscClaims() gathers them through the probe inputs, so
// a replayed capture answers from its files.
import type { CpuidFacts, HypervisorFacts } from './cpuid.js';
import { readCpuidFacts, readHypervisorFacts } from './cpuid.js';
import { parseKernelLog } from './kernel-log.js';
import { pvclockTscHz } from './capture-format.js';
import type { ProbeInputs } from './machine.js';
import type { PvclockPage } from './pvclock.js';
import { KERNEL_LOG_PATH } from './source.js';

export type TscClaimSource =
  /** "tsc: Detected N MHz processor" with no separate TSC line: tsc_khz is
   * cpu_khz (arch/x86/kernel/tsc.c, determine_cpu_tsc_frequencies()). */
  | 'kernel-detected'
  /** "tsc: Detected N MHz TSC": printed where tsc_khz differs from cpu_khz
   * (same function); then the processor line is not the TSC's rate. */
  | 'kernel-detected-tsc'
  /** "tsc: Refined TSC clocksource calibration: N MHz" (tsc_refine_calibration_work()). */
  | 'kernel-refined'
  /** "vmware: TSC freq read from hypervisor : N MHz" (arch/x86/kernel/cpu/vmware.c, vmware_platform_setup()). */
  | 'kernel-vmware'
  /** CPUID 0x15: crystal Hz x EBX/EAX (Intel SDM Vol. 2A, CPUID leaf 15H). */
  | 'cpuid-0x15'
  /** CPUID 0x16 EAX: the processor's base MHz, a nominal figure (SDM Vol. 2A, leaf 16H). */
  | 'cpuid-0x16'
  /** CPUID 0x40000010 EAX: TSC kHz from the hypervisor's timing leaf (VMware's, also offered by KVM with its "vmware cpuid" quirk and by bhyve). */
  | 'hypervisor-0x40000010'
  /** The pvclock record's tsc_to_system_mul and tsc_shift (arch/x86/kernel/pvclock.c, pvclock_tsc_khz()). */
  | 'pvclock';

export interface TscClaim {
  source: TscClaimSource;
  hz: number;
  /** The claim's own rounding: half of it either way is within the claim
   * (1 kHz for the kernel's "%lu.%03lu MHz", 1 MHz for CPUID 0x16). */
  resolutionHz: number;
  /** How it was arrived at, in the source's terms. */
  detail: string;
}

/** The kernel's calibration the log names before its "Detected" line
 * (arch/x86/kernel/tsc.c: quick_pit_calibrate() "Fast TSC calibration using
 * PIT"; pit_hpet_ptimer_calibrate_cpu() "PIT calibration matches HPET|PMTIMER",
 * "using HPET|PMTIMER reference calibration"). */
function calibrationOf(message: string): string | null {
  if (/Fast TSC calibration using PIT/.test(message)) return 'fast PIT calibration';
  let m: RegExpExecArray | null;
  if ((m = /PIT calibration matches (\w+)/.exec(message))) return `PIT calibration, matched by ${m[1]}`;
  if ((m = /using (\w+) reference calibration/.exec(message))) return `${m[1]} reference calibration`;
  return null;
}

/** "2096.038" as the kernel prints it ("%lu.%03lu"): Hz, exactly. */
const mhzToHz = (whole: string, frac: string): number => Number(whole) * 1e6 + Number(frac.padEnd(3, '0')) * 1e3;

/** The kernel log's claims, in the order the log gives them. A later boot's
 * log holds one set; where a line repeats (a kexec, a resume) the last wins. */
export function kernelLogTscClaims(text: string | null): TscClaim[] {
  if (text === null) return [];
  let calibration: string | null = null;
  let processor: TscClaim | null = null;
  let tsc: TscClaim | null = null;
  let refined: TscClaim | null = null;
  let vmware: TscClaim | null = null;
  for (const { message } of parseKernelLog(text)) {
    calibration = calibrationOf(message) ?? calibration;
    let m: RegExpExecArray | null;
    if ((m = /tsc: Detected (\d+)\.(\d+) MHz processor/.exec(message))) {
      const how = calibration ?? 'no calibration named in the log (a CPUID, MSR or hypervisor figure)';
      processor = { source: 'kernel-detected', hz: mhzToHz(m[1] ?? '0', m[2] ?? '0'), resolutionHz: 1e3, detail: `"${message.trim()}": ${how}` };
    } else if ((m = /tsc: Detected (\d+)\.(\d+) MHz TSC/.exec(message))) {
      tsc = { source: 'kernel-detected-tsc', hz: mhzToHz(m[1] ?? '0', m[2] ?? '0'), resolutionHz: 1e3, detail: `"${message.trim()}": the TSC's rate, apart from the processor's` };
    } else if ((m = /Refined TSC clocksource calibration: (\d+)\.(\d+) MHz/.exec(message))) {
      refined = { source: 'kernel-refined', hz: mhzToHz(m[1] ?? '0', m[2] ?? '0'), resolutionHz: 1e3, detail: `"${message.trim()}": recalibrated against the HPET or ACPI PM timer over about a second` };
    } else if ((m = /vmware: TSC freq read from hypervisor : (\d+)\.(\d+) MHz/.exec(message))) {
      vmware = { source: 'kernel-vmware', hz: mhzToHz(m[1] ?? '0', m[2] ?? '0'), resolutionHz: 1e3, detail: `"${message.trim()}": VMware's hypervisor leaf, as the kernel read it` };
    }
  }
  // With a separate TSC line the processor line is cpu_khz, not the TSC's.
  return [tsc ?? processor, refined, vmware].filter((c): c is TscClaim => c !== null);
}

/** The CPUID claims: leaf 0x15 where it names its crystal, 0x16, and the
 * hypervisor's 0x40000010. */
export function cpuidTscClaims(cpuid: CpuidFacts | null, hypervisor: HypervisorFacts | null): TscClaim[] {
  const out: TscClaim[] = [];
  const l15 = cpuid?.leaf15 ?? null;
  // ECX 0: the crystal is not enumerated; the kernel then takes it from a
  // per-model table (native_calibrate_tsc(), arch/x86/kernel/tsc.c), which is
  // not a claim of the CPU's.
  if (l15 && l15.crystalHz !== 0) {
    out.push({
      source: 'cpuid-0x15',
      hz: (l15.crystalHz * l15.numerator) / l15.denominator,
      resolutionHz: l15.numerator / l15.denominator,
      detail: `crystal ${l15.crystalHz} Hz x ${l15.numerator}/${l15.denominator}`,
    });
  }
  if (cpuid?.baseMhz != null) {
    out.push({ source: 'cpuid-0x16', hz: cpuid.baseMhz * 1e6, resolutionHz: 1e6, detail: `base frequency ${cpuid.baseMhz} MHz: nominal, the TSC may differ by a part in a thousand` });
  }
  if (hypervisor?.tscKhz) {
    out.push({ source: 'hypervisor-0x40000010', hz: hypervisor.tscKhz * 1e3, resolutionHz: 1e3, detail: `${hypervisor.tscKhz} kHz in EAX of the hypervisor's timing leaf` });
  }
  return out;
}

/** The pvclock record's claim: the Hz its mul and shift convert from. Its
 * resolution is one step of mul (a 32-bit fraction). */
export function pvclockTscClaim(record: { mul: number; shift: number } | null): TscClaim | null {
  if (!record || record.mul === 0) return null;
  const hz = pvclockTscHz(record.mul, record.shift);
  return {
    source: 'pvclock',
    hz,
    resolutionHz: hz / (record.mul >>> 0),
    detail: `tsc_to_system_mul ${record.mul >>> 0}, tsc_shift ${record.shift}: 10^9 x 2^32 / mul, shifted back`,
  };
}

/** The record a readable page gives (vCPU 0's), else null. */
export function pvclockRecordOf(page: PvclockPage): { mul: number; shift: number } | null {
  return page.state === 'readable' ? page.vcpu0 : null;
}

/** Every claim the machine (or a replayed capture) makes. `page` is the
 * pvclock page as the caller opened it (src/probes/pvclock.ts pvclockPageOf);
 * null where it was not looked at. */
export function readTscClaims(inputs: Pick<ProbeInputs, 'source' | 'cpuid'>, page: PvclockPage | null): TscClaim[] {
  const cpuid = inputs.cpuid ? readCpuidFacts(inputs.cpuid) : null;
  const hypervisor = inputs.cpuid && cpuid ? readHypervisorFacts(inputs.cpuid, cpuid.hypervisorBit) : null;
  const pv = page ? pvclockTscClaim(pvclockRecordOf(page)) : null;
  return [...kernelLogTscClaims(inputs.source.read(KERNEL_LOG_PATH)), ...cpuidTscClaims(cpuid, hypervisor), ...(pv ? [pv] : [])];
}

/** How far a claim is from a rate, in ppm of the rate (claim above: positive). */
export function claimPpm(claimHz: number, rateHz: number): number {
  return (claimHz / rateHz - 1) * 1e6;
}

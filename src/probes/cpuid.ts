// cpuid.ts: what the CPU and the hypervisor say about themselves through
// CPUID (Intel SDM Vol. 2A, CPUID; AMD APM Vol. 3, Appendix E; KVM's leaves in
// Documentation/virt/kvm/x86/cpuid.rst and arch/x86/include/uapi/asm/kvm_para.h).
import type { CpuidRegs } from '../native/binding.js';

/** A CPUID reader; the real one is the addon's, tests may hand in a table. */
export type CpuidFn = (leaf: number, subleaf: number) => CpuidRegs;

const bit = (v: number, n: number): boolean => ((v >>> n) & 1) === 1;

function regsString(...regs: number[]): string {
  const buf = Buffer.alloc(regs.length * 4);
  regs.forEach((r, i) => buf.writeUInt32LE(r >>> 0, i * 4));
  return buf.toString('latin1').replace(/\0+$/, '').trim();
}

export interface CpuidFacts {
  vendor: string;
  brand: string;
  family: number;
  model: number;
  stepping: number;
  rdtscp: boolean;
  rdpid: boolean;
  invariantTsc: boolean;
  hypervisorBit: boolean;
  /** CPUID 0x15: TSC/crystal ratio and crystal Hz; null when not enumerated. */
  leaf15: { denominator: number; numerator: number; crystalHz: number } | null;
  /** CPUID 0x16 EAX: processor base frequency in MHz; null when absent or zero. */
  baseMhz: number | null;
}

export function readCpuidFacts(cpuid: CpuidFn): CpuidFacts {
  const l0 = cpuid(0, 0);
  const maxBasic = l0.eax;
  const vendor = regsString(l0.ebx, l0.edx, l0.ecx);
  const l1 = cpuid(1, 0);
  // Family and model with the extended fields (SDM Vol. 2A, CPUID leaf 01H, EAX).
  const baseFamily = (l1.eax >>> 8) & 0xf;
  const family = baseFamily === 0xf ? baseFamily + ((l1.eax >>> 20) & 0xff) : baseFamily;
  const baseModel = (l1.eax >>> 4) & 0xf;
  const model = baseFamily === 0x6 || baseFamily === 0xf ? (((l1.eax >>> 16) & 0xf) << 4) | baseModel : baseModel;
  const stepping = l1.eax & 0xf;
  const maxExt = cpuid(0x80000000, 0).eax >>> 0;
  const ext = (leaf: number): CpuidRegs | null => (maxExt >= leaf ? cpuid(leaf, 0) : null);
  const e1 = ext(0x80000001);
  const e7 = ext(0x80000007);
  const brandRegs = [0x80000002, 0x80000003, 0x80000004].map(ext);
  const brand = brandRegs.every((r) => r !== null)
    ? regsString(...brandRegs.flatMap((r) => (r ? [r.eax, r.ebx, r.ecx, r.edx] : [])))
    : '';
  const l7 = maxBasic >= 7 ? cpuid(7, 0) : null;
  const l15 = maxBasic >= 0x15 ? cpuid(0x15, 0) : null;
  const l16 = maxBasic >= 0x16 ? cpuid(0x16, 0) : null;
  return {
    vendor,
    brand,
    family,
    model,
    stepping,
    rdtscp: e1 !== null && bit(e1.edx, 27),
    rdpid: l7 !== null && bit(l7.ecx, 22),
    invariantTsc: e7 !== null && bit(e7.edx, 8),
    hypervisorBit: bit(l1.ecx, 31),
    leaf15: l15 && l15.eax !== 0 && l15.ebx !== 0 ? { denominator: l15.eax, numerator: l15.ebx, crystalHz: l15.ecx } : null,
    baseMhz: l16 && (l16.eax & 0xffff) !== 0 ? l16.eax & 0xffff : null,
  };
}

/** KVM_FEATURE_* bit numbers of CPUID 0x40000001 EAX (kvm_para.h). */
export const KVM_FEATURES: ReadonlyArray<[number, string]> = [
  [0, 'CLOCKSOURCE'],
  [1, 'NOP_IO_DELAY'],
  [2, 'MMU_OP'],
  [3, 'CLOCKSOURCE2'],
  [4, 'ASYNC_PF'],
  [5, 'STEAL_TIME'],
  [6, 'PV_EOI'],
  [7, 'PV_UNHALT'],
  [9, 'PV_TLB_FLUSH'],
  [10, 'ASYNC_PF_VMEXIT'],
  [11, 'PV_SEND_IPI'],
  [12, 'POLL_CONTROL'],
  [13, 'PV_SCHED_YIELD'],
  [14, 'ASYNC_PF_INT'],
  [15, 'MSI_EXT_DEST_ID'],
  [16, 'HC_MAP_GPA_RANGE'],
  [17, 'MIGRATION_CONTROL'],
  [24, 'CLOCKSOURCE_STABLE_BIT'],
];

export interface HypervisorFacts {
  signature: string;
  maxLeaf: number;
  kvmFeatures: string[] | null;
  kvmFeaturesEax: number | null;
  /** CPUID 0x40000010 EAX: TSC kHz, where the VMM offers the leaf. */
  tscKhz: number | null;
}

/** The hypervisor leaves, or null when CPUID.1:ECX[31] says there is none. */
export function readHypervisorFacts(cpuid: CpuidFn, hypervisorBit: boolean): HypervisorFacts | null {
  if (!hypervisorBit) return null;
  const h = cpuid(0x40000000, 0);
  const signature = regsString(h.ebx, h.ecx, h.edx);
  const maxLeaf = h.eax >>> 0;
  // KVM's leaves sit at 0x40000100 when it also emulates Hyper-V at
  // 0x40000000 (kvm_cpuid_base(), arch/x86/include/asm/kvm_para.h).
  const kvmBase = signature === 'KVMKVMKVM' ? 0x40000000 : regsString(...(({ ebx, ecx, edx }) => [ebx, ecx, edx])(cpuid(0x40000100, 0))) === 'KVMKVMKVM' ? 0x40000100 : null;
  let kvmFeatures: string[] | null = null;
  let kvmFeaturesEax: number | null = null;
  if (kvmBase !== null && (kvmBase !== 0x40000000 || maxLeaf >= 0x40000001)) {
    const eax = cpuid(kvmBase + 1, 0).eax >>> 0;
    kvmFeaturesEax = eax;
    kvmFeatures = KVM_FEATURES.filter(([b]) => bit(eax, b)).map(([, name]) => name);
  }
  const t = maxLeaf >= 0x40000010 ? cpuid(0x40000010, 0).eax >>> 0 : 0;
  return { signature, maxLeaf, kvmFeatures, kvmFeaturesEax, tscKhz: t === 0 ? null : t };
}

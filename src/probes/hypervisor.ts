// hypervisor.ts: which hypervisor does this guest run on, as the kernel sees
// it and as user-space CPUID sees it, and which one does the kernel's clock
// come from? The two can differ: under PVM (a guest kernel run in user mode
// by a KVM-based hypervisor) CPUID executed in user space is not intercepted
// by PVM and answers from the outer VM; in nested setups an L1 hypervisor may
// pass its own leaves through. The kernel's word comes first: what it logged
// ("Hypervisor detected: X", arch/x86/kernel/cpu/hypervisor.c), what it
// exports (/sys/hypervisor/type, drivers/xen/sys-hypervisor.c) and its
// `hypervisor` flag in /proc/cpuinfo (X86_FEATURE_HYPERVISOR, CPUID.1:ECX[31]).
import type { CpuidFn } from './cpuid.js';
import type { Source } from './source.js';

export type HypervisorFamily = 'kvm' | 'hyperv' | 'vmware' | 'xen' | 'bhyve' | 'qemu-tcg' | 'acrn' | 'qnx' | 'apple' | 'pvm' | 'jailhouse';

export interface KnownSignature {
  /** EBX:ECX:EDX of the hypervisor leaf, trailing NULs cut (as cpuid.ts reads it). */
  signature: string;
  name: string;
  family: HypervisorFamily;
  /** Where the signature is documented. */
  doc: string;
}

/** systemd's table of the same signatures (src/basic/virt.c, detect_vm_cpuid())
 * is a second witness for every entry below. */
export const KNOWN_SIGNATURES: readonly KnownSignature[] = [
  { signature: 'KVMKVMKVM', name: 'KVM', family: 'kvm', doc: 'Documentation/virt/kvm/x86/cpuid.rst ("KVMKVMKVM\\0\\0\\0")' },
  { signature: 'Linux KVM Hv', name: "KVM's Hyper-V emulation", family: 'kvm', doc: 'arch/x86/kvm/hyperv.c, kvm_get_hv_cpuid()' },
  { signature: 'Microsoft Hv', name: 'Hyper-V', family: 'hyperv', doc: 'Hyper-V Top Level Functional Specification, "Hypervisor CPUID Leaves"; arch/x86/kernel/cpu/mshyperv.c' },
  { signature: 'VMwareVMware', name: 'VMware', family: 'vmware', doc: 'arch/x86/kernel/cpu/vmware.c, vmware_platform()' },
  { signature: 'XenVMMXenVMM', name: 'Xen', family: 'xen', doc: 'xen/include/public/arch-x86/cpuid.h (XEN_CPUID_SIGNATURE_*)' },
  { signature: 'bhyve bhyve', name: 'bhyve', family: 'bhyve', doc: 'FreeBSD sys/amd64/vmm/x86.c ("bhyve bhyve "); arch/x86/kernel/cpu/bhyve.c' },
  { signature: 'TCGTCGTCGTCG', name: 'QEMU TCG', family: 'qemu-tcg', doc: 'systemd src/basic/virt.c, detect_vm_cpuid()' },
  { signature: 'ACRNACRNACRN', name: 'ACRN', family: 'acrn', doc: 'arch/x86/kernel/cpu/acrn.c, acrn_detect()' },
  { signature: 'QNXQVMBSQG', name: 'QNX hypervisor', family: 'qnx', doc: 'systemd src/basic/virt.c, detect_vm_cpuid()' },
  { signature: 'Apple VZ', name: 'Apple Virtualization', family: 'apple', doc: 'systemd src/basic/virt.c, detect_vm_cpuid()' },
];

export function knownSignature(signature: string): KnownSignature | null {
  return KNOWN_SIGNATURES.find((k) => k.signature === signature.replace(/\0+$/, '').trim()) ?? null;
}

/** The family of a name the kernel logged ("Hypervisor detected: X": the
 * x86_hyper_init names, "KVM", "Xen HVM", "Xen PV", "VMware", "Microsoft
 * Hyper-V", "ACRN", "Jailhouse", "Bhyve"; "PVM" from PVM's guest kernels). */
export function familyOfKernelName(name: string): HypervisorFamily | null {
  const n = name.toLowerCase();
  if (n === 'pvm') return 'pvm';
  if (n.includes('kvm')) return 'kvm';
  if (n.includes('xen')) return 'xen';
  if (n.includes('vmware')) return 'vmware';
  if (n.includes('hyper-v')) return 'hyperv';
  if (n.includes('acrn')) return 'acrn';
  if (n.includes('jailhouse')) return 'jailhouse';
  if (n.includes('bhyve')) return 'bhyve';
  return null;
}

function regsString(...regs: number[]): string {
  const buf = Buffer.alloc(regs.length * 4);
  regs.forEach((r, i) => buf.writeUInt32LE(r >>> 0, i * 4));
  return buf.toString('latin1').replace(/\0+$/, '').trim();
}

export interface CpuidHypervisorLeaf {
  leaf: number;
  signature: string;
  maxLeaf: number;
  name: string | null;
}

/** The hypervisor leaves CPUID shows here: 0x40000000 and the bases above it
 * in steps of 0x100 where a known signature sits (a hypervisor that also
 * emulates another puts its own leaves there: KVM under Hyper-V
 * enlightenments, Xen with Viridian; the kernel searches the same way,
 * hypervisor_cpuid_base() in arch/x86/include/asm/processor.h). Four bases:
 * each CPUID is a VM exit. */
export function scanHypervisorLeaves(cpuid: CpuidFn, hypervisorBit: boolean): CpuidHypervisorLeaf[] {
  if (!hypervisorBit) return [];
  const out: CpuidHypervisorLeaf[] = [];
  for (let base = 0x40000000; base <= 0x40000300; base += 0x100) {
    const r = cpuid(base, 0);
    const signature = regsString(r.ebx, r.ecx, r.edx);
    const known = knownSignature(signature);
    if (base === 0x40000000 || known) out.push({ leaf: base, signature, maxLeaf: r.eax >>> 0, name: known?.name ?? null });
  }
  return out;
}

/** The clock each paravirtual clocksource is, and whose: the kernel's clock
 * comes from the hypervisor that registered it. */
const CLOCK_OF: Record<string, string> = {
  'kvm-clock': 'the KVM-family pvclock (arch/x86/kernel/kvmclock.c)',
  xen: "Xen's pvclock (arch/x86/xen/time.c)",
  hyperv_clocksource_tsc_page: "Hyper-V's reference TSC page (drivers/clocksource/hyperv_timer.c)",
};

export interface HypervisorView {
  /** "Hypervisor detected: X" in the kernel log, or null. */
  kernelSays: string | null;
  /** /sys/hypervisor/type (Xen guests: "xen"), or null. */
  sysfsType: string | null;
  /** The `hypervisor` flag in /proc/cpuinfo. */
  cpuinfoFlag: boolean;
  /** What user-space CPUID shows at the hypervisor leaves. */
  cpuid: CpuidHypervisorLeaf[];
  /** The kernel names a hypervisor that none of the CPUID signatures belong
   * to: nested, or paravirtualized with user-space CPUID not intercepted. */
  nested: boolean;
  /** The hypervisor the kernel's clock comes from (the kernel's, where it names one). */
  clockFrom: string | null;
}

export const SYS_HYPERVISOR_TYPE = '/sys/hypervisor/type';

export function hypervisorView(
  kernelSays: string | null,
  source: Source,
  cpuinfoFlag: boolean,
  cpuid: CpuidHypervisorLeaf[],
  clocksource: string | null,
): HypervisorView {
  const sysfsType = source.read(SYS_HYPERVISOR_TYPE)?.trim() || null;
  const kernelName = kernelSays ?? (sysfsType === 'xen' ? 'Xen' : null);
  const kernelFamily = kernelName ? familyOfKernelName(kernelName) : null;
  const cpuidFamilies = cpuid.flatMap((l) => {
    const k = knownSignature(l.signature);
    return k ? [k.family] : [];
  });
  // Only a named disagreement counts: an unknown signature is no evidence.
  const nested = kernelName !== null && cpuid.length > 0 && cpuid[0]?.signature !== '' && !cpuidFamilies.includes(kernelFamily ?? ('?' as HypervisorFamily));
  const firstName = cpuid[0] ? (knownSignature(cpuid[0].signature)?.name ?? cpuid[0].signature) : null;
  const clockFrom = clocksource && CLOCK_OF[clocksource] ? (kernelName ?? firstName) : null;
  return { kernelSays, sysfsType, cpuinfoFlag, cpuid, nested, clockFrom };
}

export function clockDescription(clocksource: string | null): string | null {
  return clocksource ? (CLOCK_OF[clocksource] ?? null) : null;
}

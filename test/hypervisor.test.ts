// hypervisor.test.ts: which hypervisor, as user-space CPUID shows it and as
// the kernel says it, and whether the two agree. CPUID tables made from the
// documented signatures (src/probes/hypervisor.ts) and the PVM guest's
// captured cpuid.txt; the kernel's word from an injected Source.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCpuidFacts, readHypervisorFacts } from '../src/probes/cpuid.js';
import { hypervisorView, KNOWN_SIGNATURES, knownSignature, scanHypervisorLeaves, SYS_HYPERVISOR_TYPE } from '../src/probes/hypervisor.js';
import { overlaySource } from '../src/probes/source.js';
import { cpuidFromTable, parseCpuidTable, signatureRegs, withLeaf } from './helpers/cpuid-table.js';

const pvm = parseCpuidTable(readFileSync(new URL('./fixtures/kernel-view/cpuid.txt', import.meta.url), 'utf8'));
/** No file is readable: the kernel's word comes only from what a test passes. */
const empty = overlaySource({ [SYS_HYPERVISOR_TYPE]: null }, { read: () => null });

const withSignature = (sig: string, leaf = 0x40000000, maxLeaf = 0x40000001) => withLeaf(pvm, leaf, { eax: maxLeaf, ...signatureRegs(sig) });

describe('user-space CPUID', () => {
  it('reads the PVM guest as bhyve: the outer hypervisor, since PVM does not intercept user-space CPUID', () => {
    const cpuid = cpuidFromTable(pvm);
    const facts = readCpuidFacts(cpuid);
    expect(facts.hypervisorBit).toBe(true);
    expect(scanHypervisorLeaves(cpuid, true)).toEqual([{ leaf: 0x40000000, signature: 'bhyve bhyve', maxLeaf: 0x40000000, name: 'bhyve' }]);
    expect(readHypervisorFacts(cpuid, true)?.kvmFeatures).toBeNull();
  });

  it.each(KNOWN_SIGNATURES.map((k) => [k.signature, k.name, k.doc] as const))('knows %s (%s), documented in %s', (sig, name, doc) => {
    // Padded with NULs to 12 bytes, as CPUID returns it.
    const leaves = scanHypervisorLeaves(cpuidFromTable(withSignature(sig)), true);
    expect(leaves[0]?.name).toBe(name);
    expect(doc).toMatch(/\.(c|h|rst)\b|Specification/);
  });

  it("finds KVM's leaves at 0x40000100 behind Hyper-V's at 0x40000000, and reads KVM's features there", () => {
    // KVM with Hyper-V enlightenments: "Linux KVM Hv" at the base, KVM a step up (kvm_cpuid_base()).
    let t = withSignature('Linux KVM Hv', 0x40000000, 0x4000000a);
    t = withLeaf(t, 0x40000100, { eax: 0x40000101, ...signatureRegs('KVMKVMKVM') });
    t = withLeaf(t, 0x40000101, { eax: 0x01007efb, ebx: 0, ecx: 0, edx: 0 });
    const cpuid = cpuidFromTable(t);
    expect(scanHypervisorLeaves(cpuid, true).map((l) => l.name)).toEqual(["KVM's Hyper-V emulation", 'KVM']);
    expect(readHypervisorFacts(cpuid, true)?.kvmFeatures).toContain('CLOCKSOURCE_STABLE_BIT');
  });

  it('shows nothing where the hypervisor bit is clear (a bare host)', () => {
    expect(scanHypervisorLeaves(cpuidFromTable(withSignature('KVMKVMKVM')), false)).toEqual([]);
    expect(knownSignature('GenuineIntel')).toBeNull();
  });
});

describe("the kernel's word beside CPUID's", () => {
  const leaves = (sig: string) => scanHypervisorLeaves(cpuidFromTable(withSignature(sig)), true);

  it('PVM in the kernel log, bhyve in CPUID: nested or paravirtualized, the clock from PVM', () => {
    const v = hypervisorView('PVM', empty, true, scanHypervisorLeaves(cpuidFromTable(pvm), true), 'kvm-clock');
    expect(v).toMatchObject({ kernelSays: 'PVM', nested: true, clockFrom: 'PVM' });
  });

  it('KVM in both: not nested; the kernel on tsc has no paravirtual clock to name', () => {
    expect(hypervisorView('KVM', empty, true, leaves('KVMKVMKVM'), 'kvm-clock')).toMatchObject({ nested: false, clockFrom: 'KVM' });
    expect(hypervisorView('KVM', empty, true, leaves('KVMKVMKVM'), 'tsc')).toMatchObject({ nested: false, clockFrom: null });
  });

  it('Xen, named by /sys/hypervisor/type where the log does not name it', () => {
    const xen = overlaySource({ [SYS_HYPERVISOR_TYPE]: 'xen\n' }, empty);
    expect(hypervisorView(null, xen, true, leaves('XenVMMXenVMM'), 'xen')).toMatchObject({ sysfsType: 'xen', nested: false, clockFrom: 'Xen' });
    // A Xen kernel whose CPUID shows VMware: the kernel runs nested.
    expect(hypervisorView('Xen HVM', empty, true, leaves('VMwareVMware'), 'xen').nested).toBe(true);
  });

  it('Hyper-V and VMware as the kernel names them', () => {
    expect(hypervisorView('Microsoft Hyper-V', empty, true, leaves('Microsoft Hv'), 'hyperv_clocksource_tsc_page')).toMatchObject({ nested: false, clockFrom: 'Microsoft Hyper-V' });
    expect(hypervisorView('VMware', empty, true, leaves('VMwareVMware'), 'tsc').nested).toBe(false);
  });

  it('a bare host: nothing said, nothing nested', () => {
    expect(hypervisorView(null, empty, false, [], 'tsc')).toEqual({ kernelSays: null, sysfsType: null, cpuinfoFlag: false, cpuid: [], nested: false, clockFrom: null });
  });
});

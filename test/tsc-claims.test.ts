// tsc-claims.test.ts: does every claimed TSC frequency parse into the right
// number, with its source? On the kernel logs and CPUID of the captured
// machines (test/fixtures/machines/, ../shared/machines/) and on lines quoted
// from real logs posted in public trackers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCpuidText } from '../src/probes/capture-format.js';
import { readCpuidFacts, readHypervisorFacts } from '../src/probes/cpuid.js';
import { parsePvclockText } from '../src/probes/capture-format.js';
import { claimPpm, cpuidTscClaims, kernelLogTscClaims, pvclockTscClaim } from '../src/probes/tsc-claims.js';

const machine = (name: string, file: string): string => readFileSync(new URL(`./fixtures/machines/${name}/${file}`, import.meta.url), 'utf8');
const claimsOf = (name: string) => kernelLogTscClaims(machine(name, 'dmesg.txt')).map((c) => [c.source, c.hz]);

describe('the kernel log claims', () => {
  it('the PVM guest: Detected 2096.038 MHz processor, no TSC line, no refinement', () => {
    expect(claimsOf('pvm-on-bhyve-amd')).toEqual([['kernel-detected', 2096038000]]);
    expect(claimsOf('pvm-on-bhyve-amd-by-clocklab')).toEqual([['kernel-detected', 2095999000]]);
  });

  it('the shared capture of the PVM guest says the same as its fixture', () => {
    const shared = readFileSync('/work/shared/machines/pvm-on-bhyve-amd/dmesg.txt', 'utf8');
    expect(kernelLogTscClaims(shared).map((c) => c.hz)).toEqual([2096038000]);
  });

  it('a bare host whose kernel printed a separate TSC line: the TSC line is the claim, not the processor line', () => {
    expect(claimsOf('bare-host-intel')).toEqual([['kernel-detected-tsc', 2000000000]]);
  });

  it("a VMware guest: the hypervisor's frequency as the kernel read it, beside Detected", () => {
    expect(claimsOf('vmware-guest-intel')).toEqual([
      ['kernel-detected', 1995312000],
      ['kernel-vmware', 1995312000],
    ]);
  });

  it('Hyper-V and Xen guests: Detected alone', () => {
    expect(claimsOf('hyperv-guest-intel')).toEqual([['kernel-detected', 1995312000]]);
    expect(claimsOf('xen-hvm-guest-intel')).toEqual([['kernel-detected', 1995312000]]);
  });

  it('fast PIT calibration (madgraph5/madgraph4gpu#116): the calibration is named in the detail', () => {
    const log = ['[    0.000000] tsc: Fast TSC calibration using PIT', '[    0.000000] tsc: Detected 2100.055 MHz processor'].join('\n');
    const [c] = kernelLogTscClaims(log);
    expect(c?.hz).toBe(2100055000);
    expect(c?.detail).toMatch(/fast PIT calibration/);
    expect(c?.resolutionHz).toBe(1000);
  });

  it('a refined calibration (MengRao/tscns#10): its own claim, after Detected', () => {
    const log = ['[    0.000000] tsc: Detected 3000.000 MHz processor', '[    1.851706] tsc: Refined TSC clocksource calibration: 3000.001 MHz'].join('\n');
    expect(kernelLogTscClaims(log).map((c) => [c.source, c.hz])).toEqual([
      ['kernel-detected', 3000000000],
      ['kernel-refined', 3000001000],
    ]);
  });

  it('/dev/kmsg records parse as dmesg lines do', () => {
    expect(kernelLogTscClaims('6,12,249,-;tsc: Detected 2096.038 MHz processor\n').map((c) => c.hz)).toEqual([2096038000]);
  });

  it('no log: no claims', () => {
    expect(kernelLogTscClaims(null)).toEqual([]);
    expect(kernelLogTscClaims('[    0.1] nothing about the TSC\n')).toEqual([]);
  });
});

describe('the CPUID claims', () => {
  const facts = (name: string) => {
    const { cpuid } = parseCpuidText(machine(name, 'cpuid.txt'));
    const f = readCpuidFacts(cpuid);
    return cpuidTscClaims(f, readHypervisorFacts(cpuid, f.hypervisorBit));
  };

  it("a bare Intel host: 0x15's crystal x ratio and 0x16's base MHz", () => {
    // 0x15: eax 2, ebx 0xa0 = 160, ecx 0x017d7840 = 25 MHz: 25e6 x 160/2 = 2 GHz; 0x16 eax 0x7d0 = 2000 MHz.
    const claims = facts('bare-host-intel');
    expect(claims.map((c) => [c.source, c.hz])).toEqual([
      ['cpuid-0x15', 2000000000],
      ['cpuid-0x16', 2000000000],
    ]);
  });

  it("a VMware guest: the hypervisor's timing leaf, 0x1e7230 kHz, as its kernel log has it", () => {
    const h = facts('vmware-guest-intel').find((c) => c.source === 'hypervisor-0x40000010');
    expect(h?.hz).toBe(1995312000);
  });

  it('the PVM guest (AMD): no 0x15 or 0x16', () => {
    expect(facts('pvm-on-bhyve-amd').filter((c) => c.source === 'cpuid-0x15' || c.source === 'cpuid-0x16')).toEqual([]);
  });

  it('a leaf 0x15 without its crystal is no claim (the kernel takes it from a model table)', () => {
    const f = { leaf15: { denominator: 2, numerator: 100, crystalHz: 0 }, baseMhz: null } as Parameters<typeof cpuidTscClaims>[0];
    expect(cpuidTscClaims(f, null)).toEqual([]);
  });
});

describe("the pvclock record's claim", () => {
  it("the PVM guest's record (mul 4098176937, shift -1) says 2096.038 MHz, as its kernel log does", () => {
    const { records } = parsePvclockText(machine('pvm-on-bhyve-amd', 'pvclock.txt'));
    const c = pvclockTscClaim(records[0]?.record ?? null);
    expect(c?.source).toBe('pvclock');
    expect(c?.hz).toBeCloseTo(2096038000.32, 1);
    expect(Math.abs(claimPpm(c?.hz ?? 0, 2096038000))).toBeLessThan(0.001);
    expect(c?.resolutionHz).toBeLessThan(1);
  });

  it('no record, or mul 0: no claim', () => {
    expect(pvclockTscClaim(null)).toBeNull();
    expect(pvclockTscClaim({ mul: 0, shift: 0 })).toBeNull();
  });
});

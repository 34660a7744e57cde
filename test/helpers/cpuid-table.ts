// cpuid-table.ts: a CPUID reader answering from a table, for replaying a
// machine through the probes' CPUID seam. The table's text is a capture's
// cpuid.txt: `0xLEAF 0xSUB: eax=0x.. ebx=0x.. ecx=0x.. edx=0x..`; a leaf it
// lacks reads as zeros (as an unimplemented hypervisor leaf does).
import type { CpuidFn } from '../../src/probes/cpuid.js';

export type CpuidRegsTable = Map<string, { eax: number; ebx: number; ecx: number; edx: number }>;

const key = (leaf: number, sub: number): string => `${leaf >>> 0}:${sub >>> 0}`;

export function parseCpuidTable(text: string): CpuidRegsTable {
  const t: CpuidRegsTable = new Map();
  for (const line of text.split('\n')) {
    const m = /^(0x[0-9a-f]+)\s+(0x[0-9a-f]+):\s+eax=(0x[0-9a-f]+)\s+ebx=(0x[0-9a-f]+)\s+ecx=(0x[0-9a-f]+)\s+edx=(0x[0-9a-f]+)/i.exec(line.trim());
    if (!m) continue;
    t.set(key(Number(m[1]), Number(m[2])), { eax: Number(m[3]), ebx: Number(m[4]), ecx: Number(m[5]), edx: Number(m[6]) });
  }
  return t;
}

export function cpuidFromTable(t: CpuidRegsTable): CpuidFn {
  return (leaf, sub) => {
    // Leaves with no subleaves answer any subleaf as subleaf 0.
    const r = t.get(key(leaf, sub)) ?? t.get(key(leaf, 0)) ?? { eax: 0, ebx: 0, ecx: 0, edx: 0 };
    return { ...r };
  };
}

/** The three registers of a 12-byte signature, as CPUID returns it in EBX:ECX:EDX. */
export function signatureRegs(sig: string): { ebx: number; ecx: number; edx: number } {
  const b = Buffer.alloc(12);
  b.write(sig, 'latin1');
  return { ebx: b.readUInt32LE(0), ecx: b.readUInt32LE(4), edx: b.readUInt32LE(8) };
}

/** A copy of the table with one leaf set. */
export function withLeaf(t: CpuidRegsTable, leaf: number, regs: { eax: number; ebx: number; ecx: number; edx: number }): CpuidRegsTable {
  const c = new Map(t);
  c.set(key(leaf, 0), regs);
  return c;
}

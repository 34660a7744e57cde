// capture-format.ts: the text formats of a capture's files that are not a
// copy of one kernel file (cpuid.txt, pvclock.txt, clocks.txt, adjtimex,
// rdtscp-probe.txt), written by `clocklab capture` and read back by a replay
// (src/probes/replay.ts). Each format is written and parsed here, side by
// side, so the two cannot drift; the layout is that of the captures in
// ../shared/machines/ (their README lists the files).
import { CLOCKS, type ClockName } from '../clocks.js';
import type { CpuidRegs, NativePvclockRecord, NativeTimex } from '../native/binding.js';
import type { CpuidFn } from './cpuid.js';

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const hex2 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(2, '0')}`;

/** One CPUID answer: `0xLEAF 0xSUB: eax=0x........ ebx=... ecx=... edx=...`. */
export function formatCpuidLine(leaf: number, subleaf: number, r: CpuidRegs): string {
  return `${hex8(leaf)} ${hex2(subleaf)}: eax=${hex8(r.eax)} ebx=${hex8(r.ebx)} ecx=${hex8(r.ecx)} edx=${hex8(r.edx)}`;
}

/** How many subleaves of a leaf to ask for, from its subleaf 0 (Intel SDM
 * Vol. 2A, CPUID; AMD APM Vol. 3, Appendix E). Leaves not listed take one. */
function subleaves(leaf: number, cpuid: CpuidFn): number[] {
  const upTo = (n: number): number[] => Array.from({ length: Math.max(1, Math.min(n, 64)) }, (_, i) => i);
  const until = (stop: (r: CpuidRegs) => boolean): number[] => {
    const out: number[] = [];
    for (let s = 0; s < 64; s++) {
      out.push(s);
      if (stop(cpuid(leaf, s))) break;
    }
    return out;
  };
  switch (leaf) {
    // Deterministic cache parameters: until the cache type field (EAX[4:0]) is 0.
    case 0x4:
    case 0x8000001d:
      return until((r) => (r.eax & 0x1f) === 0);
    // Structured extended features: EAX of subleaf 0 is the last subleaf.
    case 0x7:
    case 0x14:
    case 0x17:
    case 0x18:
      return upTo(Math.max(cpuid(leaf, 0).eax >>> 0, 1) + 1);
    // Extended topology: until the level type (ECX[15:8]) is 0.
    case 0xb:
    case 0x1f:
      return until((r) => ((r.ecx >>> 8) & 0xff) === 0);
    // XSAVE: subleaves 0 and 1, then one per state component XCR0 may enable.
    case 0xd: {
      const l0 = cpuid(0xd, 0);
      const mask = (BigInt(l0.edx >>> 0) << 32n) | BigInt(l0.eax >>> 0);
      const parts = [0, 1];
      for (let i = 2; i < 63; i++) if ((mask >> BigInt(i)) & 1n) parts.push(i);
      return parts;
    }
    case 0xf:
      return [0, 1];
    case 0x10:
      return [0, 1, 2, 3];
    case 0x12:
      return [0, 1, 2];
    default:
      return [0];
  }
}

/**
 * CPUID leaf by leaf, as cpuid.txt holds it: the basic leaves 0..max, the
 * hypervisor leaves 0x40000000..its max (where the hypervisor bit is set and
 * the max is in that range), and 0x80000000..the max extended leaf.
 */
export function captureCpuid(cpuid: CpuidFn): string {
  const lines: string[] = [];
  const range = (first: number, last: number): void => {
    for (let leaf = first; leaf <= last; leaf++) for (const s of subleaves(leaf, cpuid)) lines.push(formatCpuidLine(leaf, s, cpuid(leaf, s)));
  };
  const maxBasic = cpuid(0, 0).eax >>> 0;
  range(0, Math.min(maxBasic, 0xff));
  const hypervisorBit = ((cpuid(1, 0).ecx >>> 31) & 1) === 1;
  const maxHv = cpuid(0x40000000, 0).eax >>> 0;
  // Without the hypervisor bit the range is not defined (Intel returns the
  // highest basic leaf's data there): its first leaf alone, for the record.
  range(0x40000000, hypervisorBit && maxHv >= 0x40000000 && maxHv <= 0x400000ff ? maxHv : 0x40000000);
  const maxExt = cpuid(0x80000000, 0).eax >>> 0;
  range(0x80000000, maxExt >= 0x80000000 && maxExt <= 0x800000ff ? maxExt : 0x80000000);
  return `${lines.join('\n')}\n`;
}

const CPUID_LINE = /^0x([0-9a-f]+)\s+0x([0-9a-f]+):\s*eax=0x([0-9a-f]+)\s+ebx=0x([0-9a-f]+)\s+ecx=0x([0-9a-f]+)\s+edx=0x([0-9a-f]+)\s*$/i;

/** cpuid.txt as a CpuidFn: a leaf and subleaf not captured answer zeros (as
 * a CPU does for a leaf past its max). Throws on a line it cannot read. */
export function parseCpuidText(text: string): { cpuid: CpuidFn; leaves: number } {
  const table = new Map<string, CpuidRegs>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = CPUID_LINE.exec(line.trim());
    if (!m) throw new Error(`line ${i + 1} is not \`0xLEAF 0xSUB: eax=... ebx=... ecx=... edx=...\`: ${line}`);
    const n = (k: number): number => Number.parseInt(m[k] ?? '0', 16) >>> 0;
    table.set(`${n(1)}:${n(2)}`, { eax: n(3), ebx: n(4), ecx: n(5), edx: n(6) });
  }
  const zero: CpuidRegs = { eax: 0, ebx: 0, ecx: 0, edx: 0 };
  return { cpuid: (leaf, sub) => ({ ...(table.get(`${leaf >>> 0}:${sub >>> 0}`) ?? zero) }), leaves: table.size };
}

/** One vCPU's record and the TSC read right after it. */
export interface CapturedPvclockRecord {
  vcpu: number;
  record: NativePvclockRecord;
  tsc: bigint;
}

/** pvclock.txt's line: the record's fields as struct pvclock_vcpu_time_info
 * names them (arch/x86/include/asm/pvclock-abi.h), then `(rdtsc now N)`. */
export function formatPvclockLine(r: CapturedPvclockRecord): string {
  const x = r.record;
  return `vcpu ${r.vcpu}: version ${x.version} tsc_timestamp ${x.tscTimestamp} system_time ${x.systemTimeNs} tsc_to_system_mul ${x.mul >>> 0} tsc_shift ${x.shift} flags ${hex2(x.flags)} (rdtsc now ${r.tsc})`;
}

const PVCLOCK_LINE = /^vcpu (\d+): version (\d+) tsc_timestamp (\d+) system_time (\d+) tsc_to_system_mul (\d+) tsc_shift (-?\d+) flags 0x([0-9a-f]+) \(rdtsc now (\d+)\)$/i;

/** pvclock.txt: the records, and the page's state where a comment line
 * `# state: faults: reason` says why there are none. */
export function parsePvclockText(text: string): { records: CapturedPvclockRecord[]; state: { state: string; reason: string } | null } {
  const records: CapturedPvclockRecord[] = [];
  let state: { state: string; reason: string } | null = null;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const s = /^# state: ([a-z-]+): (.*)$/.exec(line);
    if (s) {
      state = { state: s[1] ?? '', reason: s[2] ?? '' };
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = PVCLOCK_LINE.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not a pvclock record line: ${raw}`);
    records.push({
      vcpu: Number(m[1]),
      record: { version: Number(m[2]), tscTimestamp: BigInt(m[3] ?? 0), systemTimeNs: BigInt(m[4] ?? 0), mul: Number(m[5]), shift: Number(m[6]), flags: Number.parseInt(m[7] ?? '0', 16) },
      tsc: BigInt(m[8] ?? 0),
    });
  }
  return { records, state };
}

/** pvclock_scale_delta() (arch/x86/include/asm/pvclock.h): the delta shifted,
 * times mul, >> 32. */
export function pvclockScale(delta: bigint, mul: number, shift: number): bigint {
  const d = shift < 0 ? delta >> BigInt(-shift) : delta << BigInt(shift);
  return (d * BigInt(mul >>> 0)) >> 32n;
}

/** The ns a record gives for `tsc` (__pvclock_read_cycles()). */
export function pvclockNsAt(r: NativePvclockRecord, tsc: bigint): bigint {
  const delta = tsc > r.tscTimestamp ? tsc - r.tscTimestamp : 0n;
  return r.systemTimeNs + pvclockScale(delta, r.mul, r.shift);
}

/** TSC Hz mul and shift imply: 10^9 * 2^32 / mul, shifted back (pvclock_tsc_khz()
 * in arch/x86/kernel/pvclock.c, without its rounding to kHz). */
export function pvclockTscHz(mul: number, shift: number): number {
  if (mul === 0) return 0;
  const hz = (1e9 * 2 ** 32) / (mul >>> 0);
  return shift < 0 ? hz * 2 ** -shift : hz / 2 ** shift;
}

/** One clock as clocks.txt holds it: clock_gettime through the vDSO worked
 * (with clock_getres's answer), or the error it gave. */
export interface CapturedClock {
  name: ClockName;
  id: number;
  available: boolean;
  resolutionNs: number | null;
  error: string | null;
}

export function formatClocks(clocks: readonly CapturedClock[]): string {
  return clocks.map((c) => `${c.name} ${c.id}: ${c.available ? `resolution ${c.resolutionNs ?? '?'} ns` : `error ${c.error ?? 'unknown'}`}`).join('\n') + '\n';
}

export function parseClocks(text: string): CapturedClock[] {
  const out: CapturedClock[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+) (\d+): (?:resolution (\d+|\?) ns|error (.*))$/.exec(line.trim());
    if (!m || !Object.hasOwn(CLOCKS, m[1] ?? '')) continue;
    const ok = m[3] !== undefined;
    out.push({ name: m[1] as ClockName, id: Number(m[2]), available: ok, resolutionNs: ok && m[3] !== '?' ? Number(m[3]) : null, error: ok ? null : (m[4] ?? null) });
  }
  return out;
}

const TIMEX_KEYS = ['state', 'status', 'offsetNs', 'maxErrorUs', 'estErrorUs', 'freqPpm16', 'taiSeconds'] as const;

/** adjtimex(2)'s read-only answer, `key value` a line (the names of NativeTimex). */
export function formatAdjtimex(t: NativeTimex): string {
  return TIMEX_KEYS.map((k) => `${k} ${t[k]}`).join('\n') + '\n';
}

export function parseAdjtimex(text: string): NativeTimex | null {
  const v = new Map(text.split('\n').flatMap((l) => {
    const m = /^(\w+) (-?\d+)$/.exec(l.trim());
    return m ? [[m[1] ?? '', Number(m[2])] as const] : [];
  }));
  if (!TIMEX_KEYS.every((k) => v.has(k))) return null;
  const get = (k: (typeof TIMEX_KEYS)[number]): number => v.get(k) ?? 0;
  return { state: get('state'), status: get('status'), offsetNs: get('offsetNs'), maxErrorUs: get('maxErrorUs'), estErrorUs: get('estErrorUs'), freqPpm16: get('freqPpm16'), taiSeconds: get('taiSeconds') };
}

/** When a capture was made, from its README's first line
 * (`... (captured 2026-12-07)` or `(captured 2026-12-07T15:30:00.000Z)`;
 * a synthetic one says `written 2026-12-07`). */
export function capturedAtOf(readme: string | null): string | null {
  const first = readme?.split('\n')[0] ?? '';
  return /(?:captured|written) (\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z)?)/.exec(first)?.[1] ?? null;
}

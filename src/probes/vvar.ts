// vvar.ts: where in this process is the KVM pvclock page mapped, if
// anywhere? Reads /proc/self/maps (through a Source, so tests can hand it a
// maps text without the line) and the kernel release; touches no memory.
//
// Where the page sits has moved between releases (from the layout lines of arch/x86/entry/vdso/vdso-layout.lds.S and
// arch/x86/entry/vdso/vma.c in each patch):
// - >= 6.13 (e93d2521b27f "x86/vdso: Split virtual clock pages into dedicated
//   mapping"): its own mapping `[vvar_vclock]`, pvclock at page 0
//   (VDSO_PAGE_PVCLOCK_OFFSET). VERIFIED on this machine's 6.18 kernel.
// - after the vDSO HPET page went (1ed95e52d902, authored 2016-04; taken
//   here as 4.7, the release after, unverified) up to 6.12: inside `[vvar]`
//   at page 1 (vvar 0, pvclock 1, then hvclock and timens pages as those
//   were added).
// - 4.5 (Andy Lutomirski's Dec 2015 series) and 4.6: `[vvar]` page 2
//   (vvar 0, HPET 1, pvclock 2).
// - <= 4.4: the fixmap, not reachable through a named user mapping.
// The pre-6.13 offsets come from the kernel's history only; no kernel of that
// age was run here, so the result says so (`verifiedLayout: false`) and the
// caller checks the record it finds there before trusting it.
import type { Source } from './source.js';

export const MAPS_PATH = '/proc/self/maps';
const PAGE_BYTES = 4096;

export interface MapsEntry {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
}

export type PvclockLocation =
  | {
      found: true;
      /** Start of the page of records (vCPU 0 at +0). */
      address: bigint;
      mapping: '[vvar_vclock]' | '[vvar]';
      offsetBytes: number;
      /** True where this layout was checked on a running kernel (>= 6.13). */
      verifiedLayout: boolean;
      detail: string;
    }
  | {
      found: false;
      /** What was looked for and where, for the "cannot" message. */
      lookedFor: string;
      lookedIn: string;
      reason: string;
    };

/** Parses /proc/pid/maps text: `start-end perms offset dev inode [name]`. */
export function parseMaps(text: string): MapsEntry[] {
  const out: MapsEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3] ?? '', name: (m[4] ?? '').trim() });
  }
  return out;
}

/** major.minor of a release string such as `6.18.44-fc-v782`, or null. */
export function kernelVersion(release: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

const atLeast = (v: [number, number], major: number, minor: number): boolean =>
  v[0] > major || (v[0] === major && v[1] >= minor);

/** Finds the pvclock page from the maps text and the kernel release. */
export function locatePvclockPage(source: Source): PvclockLocation {
  const text = source.read(MAPS_PATH);
  if (text === null) {
    return { found: false, lookedFor: '[vvar_vclock] or [vvar]', lookedIn: MAPS_PATH, reason: `${MAPS_PATH} could not be read` };
  }
  const maps = parseMaps(text);
  const release = source.read('/proc/sys/kernel/osrelease')?.trim() ?? 'unknown';
  const version = kernelVersion(release);
  const vclock = maps.find((e) => e.name === '[vvar_vclock]');
  if (vclock) {
    return {
      found: true,
      address: vclock.start,
      mapping: '[vvar_vclock]',
      offsetBytes: 0,
      verifiedLayout: true,
      detail: `start of [vvar_vclock] (kernel ${release}; layout of 6.13 and later)`,
    };
  }
  if (version && atLeast(version, 6, 13)) {
    return {
      found: false,
      lookedFor: '[vvar_vclock]',
      lookedIn: MAPS_PATH,
      reason: `kernel ${release} maps the pvclock page in [vvar_vclock], and this process has no such mapping`,
    };
  }
  const vvar = maps.find((e) => e.name === '[vvar]');
  if (!vvar) {
    return { found: false, lookedFor: '[vvar_vclock] or [vvar]', lookedIn: MAPS_PATH, reason: 'neither mapping is present (no vDSO data pages)' };
  }
  if (!version || !atLeast(version, 4, 5)) {
    return {
      found: false,
      lookedFor: '[vvar] page holding pvclock',
      lookedIn: MAPS_PATH,
      reason: `kernel ${release} keeps the vDSO pvclock data in the fixmap (before 4.5), not in a named mapping`,
    };
  }
  const page = atLeast(version, 4, 7) ? 1 : 2;
  const offsetBytes = page * PAGE_BYTES;
  if (vvar.start + BigInt(offsetBytes + PAGE_BYTES) > vvar.end) {
    return {
      found: false,
      lookedFor: `[vvar] page ${page}`,
      lookedIn: MAPS_PATH,
      reason: `[vvar] has only ${Number(vvar.end - vvar.start) / PAGE_BYTES} page(s) on kernel ${release}`,
    };
  }
  return {
    found: true,
    address: vvar.start + BigInt(offsetBytes),
    mapping: '[vvar]',
    offsetBytes,
    verifiedLayout: false,
    detail: `[vvar] + page ${page} (kernel ${release}; offset from the kernel's vdso layout history, not verified on a running kernel of this age)`,
  };
}

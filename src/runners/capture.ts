// capture.ts: the machine's raw facts, file by file, for a bug report and for
// replaying through the probes (`--machine DIR`, src/probes/replay.ts). The
// files and their names are those of ../shared/machines/pvm-on-bhyve-amd/;
// each file a probe reads comes from the path CAPTURE_FILES pairs it with,
// the table the replay reads back through. Gathers only: the command writes.
import { constants, machine as osMachine, release as osRelease, type as osType, version as osVersion } from 'node:os';
import { CLOCKS, type ClockName } from '../clocks.js';
import { UnsupportedError } from '../errors.js';
import type { Binding } from '../native/binding.js';
import { captureCpuid, formatAdjtimex, formatClocks, formatPvclockLine, type CapturedClock } from '../probes/capture-format.js';
import { readCpuidFacts } from '../probes/cpuid.js';
import { openPvclockPage } from '../probes/pvclock.js';
import { CAPTURE_FILES, CAPTURE_LISTS, CPU_ONLINE_PATH, KERNEL_LOG_PATH, realSource, type Source } from '../probes/source.js';
import { parseCpuList } from '../cpulist.js';
import { MAPS_PATH } from '../probes/vvar.js';
import { readKernelLog } from '../probes/source.js';
import { formatTscAuxCapture, probeTscAux } from '../probes/tsc-aux.js';

export interface CapturedFile {
  file: string;
  what: string;
  text: string;
}

export interface CaptureGathered {
  capturedAt: string;
  files: CapturedFile[];
  /** Files of the layout left out, and why. */
  omitted: Array<{ file: string; why: string }>;
}

/** /dev/kmsg records (`prio,seq,usec,flags;message`, continuation lines
 * indented: Documentation/ABI/testing/dev-kmsg) as dmesg prints them:
 * `[    5.123456] message`. */
export function kmsgToDmesg(kmsg: string): string {
  const out: string[] = [];
  for (const line of kmsg.split('\n')) {
    const m = /^\d+,\d+,(\d+),[^;]*;(.*)$/.exec(line);
    if (!m) continue;
    const us = BigInt(m[1] ?? '0');
    const secs = (us / 1_000_000n).toString().padStart(5, ' ');
    out.push(`[${secs}.${(us % 1_000_000n).toString().padStart(6, '0')}] ${m[2] ?? ''}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The vvar and vDSO lines of /proc/self/maps (where the pvclock page is). */
function vvarLines(maps: string): string {
  const lines = maps.split('\n').filter((l) => /\[(vvar|vvar_vclock|vdso)\]\s*$/.test(l));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** clock_gettime of every clock Linux defines, with clock_getres. */
function captureClocks(binding: Binding): CapturedClock[] {
  return (Object.entries(CLOCKS) as Array<[ClockName, number]>).map(([name, id]) => {
    try {
      binding.clockGettime(id);
      return { name, id, available: true, resolutionNs: Number(binding.clockGetres(id)), error: null };
    } catch (err) {
      const errno = (err as { errno?: unknown }).errno;
      const named = typeof errno === 'number' ? Object.entries(constants.errno).find(([, v]) => v === errno)?.[0] : undefined;
      return { name, id, available: false, resolutionNs: null, error: named ?? (err instanceof Error ? err.message : String(err)) };
    }
  });
}

/** RDTSCP and RDPID on each CPU, tried in a forked child whatever CPUID
 * says (src/probes/tsc-aux.ts): never executed in this process. */
function rdtscpProbe(binding: Binding, cpus: number[]): string {
  return formatTscAuxCapture(probeTscAux(binding, cpus));
}

/** Gathers every file of a capture of this machine. UnsupportedError (exit
 * 3) on a machine that is not x86. */
export function gatherCapture(binding: Binding, source: Source = realSource): CaptureGathered {
  if (!binding.isX86) throw new UnsupportedError(`clocklab capture needs an x86 machine (CPUID, the TSC); this is ${process.arch}`);
  const capturedAt = new Date().toISOString();
  const files: CapturedFile[] = [];
  const omitted: CaptureGathered['omitted'] = [];
  const add = (file: string, what: string, text: string | null, why: string): void => {
    if (text === null) omitted.push({ file, why });
    else files.push({ file, what, text });
  };
  for (const entry of CAPTURE_FILES) {
    if (files.some((f) => f.file === entry.file) || omitted.some((f) => f.file === entry.file)) continue;
    let text: string | null;
    if (entry.path === KERNEL_LOG_PATH) {
      const log = readKernelLog();
      text = log === null ? null : kmsgToDmesg(log);
    } else if (entry.file === 'uname') text = `${osType()} ${osRelease()} ${osVersion()} ${osMachine()}\n`;
    else if (entry.path === MAPS_PATH) {
      const maps = source.read(MAPS_PATH);
      text = maps === null ? null : vvarLines(maps);
    } else text = source.read(entry.path);
    add(entry.file, entry.what, text, `${entry.path} could not be read`);
  }
  for (const l of CAPTURE_LISTS) {
    const names = source.list?.(l.dir) ?? [];
    const rows = names.flatMap((name) => {
      const v = source.read(`${l.dir}/${name}/${l.leaf}`);
      return v === null ? [] : [`${name} ${v.trim()}`];
    });
    add(l.file, l.what, rows.length === 0 ? null : `${rows.join('\n')}\n`, `nothing in ${l.dir} has a ${l.leaf}`);
  }
  const cpuid = (leaf: number, sub: number) => binding.cpuid(leaf, sub);
  files.push({ file: 'cpuid.txt', what: 'CPUID executed from user space, leaf by leaf (`0xLEAF 0xSUB: eax= ebx= ecx= edx=`)', text: captureCpuid(cpuid) });
  const page = openPvclockPage(binding, source);
  const pvclockText =
    page.state === 'readable'
      ? `${(page.records ?? []).map(formatPvclockLine).join('\n')}\n`
      : `# state: ${page.state}: ${page.reason}\n`;
  files.push({ file: 'pvclock.txt', what: "every vCPU's pvclock record read from the page, with RDTSC at the read", text: pvclockText });
  files.push({ file: 'clocks.txt', what: 'clock_gettime of each clock through the vDSO: its resolution, or the error', text: formatClocks(captureClocks(binding)) });
  let timex: string | null = null;
  try {
    timex = formatAdjtimex(binding.adjtimex());
  } catch {
    timex = null;
  }
  add('adjtimex', "adjtimex(2), read only: the kernel's NTP state", timex, 'adjtimex(2) failed');
  const cpus = parseCpuList(source.read(CPU_ONLINE_PATH) ?? '0');
  const probe = rdtscpProbe(binding, cpus);
  add('rdtscp-probe.txt', 'RDTSCP and RDPID executed in a forked child pinned to each CPU, whatever CPUID says', probe, 'the TSC_AUX probe failed');
  return { capturedAt, files, omitted };
}

// source.ts: where probes read the machine's files from. Probes never open a
// path themselves; they ask a Source, so a test can hand them a cpuinfo
// without constant_tsc (or any other file) and the real parsing and checking
// code runs on it.
import { closeSync, constants, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

export interface Source {
  /** The file's text, or null when it does not exist or cannot be read. */
  read(path: string): string | null;
  /** The entries of a folder (/proc's pids, /sys/class/ptp's clocks); [] when
   * it cannot be read. Optional: a Source without it lists nothing. */
  list?(dir: string): string[];
}

/** The kernel log's path for a Source: the real one reads /dev/kmsg's
 * records; a replayed capture answers it with a dmesg(1) text. Both formats
 * parse (src/probes/kernel-log.ts). */
export const KERNEL_LOG_PATH = '/dev/kmsg';

/**
 * The kernel log, as dmesg(1) reads it but without starting it (spawning
 * dmesg cost ~13 ms of CPU a light check): /dev/kmsg opened non-blocking
 * returns one record per read(2), from the oldest still buffered, and EAGAIN
 * at the end (Documentation/ABI/testing/dev-kmsg). Records are
 * "prio,seq,usec,flags;message" (src/probes/kernel-log.ts parses them).
 * null where it cannot be read (dmesg_restrict without CAP_SYSLOG: EPERM).
 */
export function readKernelLog(path: string = KERNEL_LOG_PATH): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  // A record is at most 1 KiB of text plus its continuation lines (printk's
  // PRINTKRB_RECORD_MAX); a read into a smaller buffer fails with EINVAL.
  const buf = Buffer.alloc(16 * 1024);
  const records: string[] = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        // EPIPE: records were overwritten while reading; the next read goes on from the oldest left.
        if (code === 'EPIPE') continue;
        return null;
      }
      if (n === 0) break;
      records.push(buf.toString('utf8', 0, n));
    }
  } finally {
    closeSync(fd);
  }
  return records.join('');
}

export const realSource: Source = {
  read(path) {
    if (path === KERNEL_LOG_PATH) return readKernelLog(path);
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/** A Source that answers the given paths from memory (null: "absent") and
 * every other path from `base`. */
export function overlaySource(files: Record<string, string | null>, base: Source = realSource): Source {
  return {
    read(path) {
      return Object.hasOwn(files, path) ? (files[path] ?? null) : base.read(path);
    },
    list(dir) {
      return base.list?.(dir) ?? [];
    },
  };
}

/** The paths below, where more than one probe reads them. */
export const CPU_ONLINE_PATH = '/sys/devices/system/cpu/online';
export const HOSTNAME_PATH = '/proc/sys/kernel/hostname';
const CLOCKSOURCE0 = '/sys/devices/system/clocksource/clocksource0';

/**
 * One file of a capture (`clocklab capture DIR`) and the real path it holds.
 * `clocklab capture` writes each file from its path and `dirSource` answers
 * the path from the file, through this one table, so the two cannot
 * disagree. `derive` reads the path's text out of a file that holds more
 * (uname holds both osrelease and version, as `uname -srvm` prints them).
 */
export interface CaptureFile {
  file: string;
  path: string;
  /** What it is, for the capture's README. */
  what: string;
  derive?: (text: string) => string | null;
}

/** `uname -srvm`: sysname, release, version (it has spaces), machine. */
export function parseUname(text: string): { sysname: string; release: string; version: string; machine: string } | null {
  // The version's own spacing is kept (`Mon Nov  4`): it is /proc/sys/kernel/version.
  const m = /^(\S+)\s+(\S+)\s+(.*\S)\s+(\S+)\s*$/.exec(text.trim());
  return m ? { sysname: m[1] ?? '', release: m[2] ?? '', version: m[3] ?? '', machine: m[4] ?? '' } : null;
}

export const CAPTURE_FILES: readonly CaptureFile[] = [
  { file: 'cpuinfo', path: '/proc/cpuinfo', what: "/proc/cpuinfo (the kernel's view of the CPU)" },
  { file: 'dmesg.txt', path: KERNEL_LOG_PATH, what: "the kernel log (/dev/kmsg), in dmesg's `[seconds] message` format" },
  { file: 'cmdline', path: '/proc/cmdline', what: 'the kernel command line (/proc/cmdline)' },
  { file: 'available_clocksource', path: `${CLOCKSOURCE0}/available_clocksource`, what: 'the clocksources the kernel offers (sysfs)' },
  { file: 'current_clocksource', path: `${CLOCKSOURCE0}/current_clocksource`, what: 'the clocksource in use (sysfs)' },
  { file: 'cpu-online', path: CPU_ONLINE_PATH, what: 'the online CPUs (/sys/devices/system/cpu/online)' },
  { file: 'uname', path: '/proc/sys/kernel/osrelease', what: 'the kernel, as `uname -srvm` prints it', derive: (t) => parseUname(t)?.release ?? null },
  { file: 'uname', path: '/proc/sys/kernel/version', what: 'the kernel, as `uname -srvm` prints it', derive: (t) => parseUname(t)?.version ?? null },
  { file: 'maps-vvar.txt', path: '/proc/self/maps', what: 'the [vvar], [vvar_vclock] and [vdso] lines of /proc/self/maps' },
  { file: 'hypervisor-type', path: '/sys/hypervisor/type', what: '/sys/hypervisor/type (Xen guests have it)' },
  { file: 'hostname', path: HOSTNAME_PATH, what: 'the host name (/proc/sys/kernel/hostname)' },
  { file: 'proc-stat', path: '/proc/stat', what: "/proc/stat (steal time since boot)" },
  { file: 'loadavg', path: '/proc/loadavg', what: '/proc/loadavg' },
];

/** Files of a capture that hold a folder's entries, one `name text` line
 * each: `processes` lists /proc (pid and comm), `ptp-clocks` /sys/class/ptp
 * (device and clock_name). */
export const CAPTURE_LISTS: ReadonlyArray<{ file: string; dir: string; leaf: string; what: string }> = [
  { file: 'processes', dir: '/proc', leaf: 'comm', what: 'each process: its pid and /proc/<pid>/comm (which time daemons run)' },
  { file: 'ptp-clocks', dir: '/sys/class/ptp', leaf: 'clock_name', what: 'each PTP clock: its device and clock_name (/sys/class/ptp)' },
];

/** A `name text` line file as a map. */
function parseList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) ?(.*)$/.exec(line);
    if (m?.[1]) out.set(m[1], m[2] ?? '');
  }
  return out;
}

/** A Source that answers real paths from a capture folder (CAPTURE_FILES,
 * CAPTURE_LISTS); every other path, and a file the capture lacks, is absent.
 * Never reads the running machine. */
export function dirSource(dir: string): Source {
  const file = (name: string): string | null => realSource.read(join(dir, name));
  const lists = new Map<string, Map<string, string> | null>();
  const listOf = (name: string): Map<string, string> | null => {
    if (!lists.has(name)) {
      const text = file(name);
      lists.set(name, text === null ? null : parseList(text));
    }
    return lists.get(name) ?? null;
  };
  return {
    read(path) {
      const entry = CAPTURE_FILES.find((f) => f.path === path);
      if (entry) {
        const text = file(entry.file);
        return text === null || !entry.derive ? text : entry.derive(text);
      }
      for (const l of CAPTURE_LISTS) {
        const m = new RegExp(`^${l.dir}/([^/]+)/${l.leaf}$`).exec(path);
        const value = m?.[1] ? listOf(l.file)?.get(m[1]) : undefined;
        if (value !== undefined) return `${value}\n`;
      }
      return null;
    },
    list(path) {
      const l = CAPTURE_LISTS.find((x) => x.dir === path);
      return l ? [...(listOf(l.file)?.keys() ?? [])] : [];
    },
  };
}

// source.ts: where probes read the machine's files from. Probes never open a
// path themselves; they ask a Source, so a test can hand them a cpuinfo
// without constant_tsc (or any other file) and the real parsing and checking
// code runs on it.
import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';

export interface Source {
  /** The file's text, or null when it does not exist or cannot be read. */
  read(path: string): string | null;
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
};

/** A Source that answers the given paths from memory (null: "absent") and
 * every other path from `base`. */
export function overlaySource(files: Record<string, string | null>, base: Source = realSource): Source {
  return {
    read(path) {
      return Object.hasOwn(files, path) ? (files[path] ?? null) : base.read(path);
    },
  };
}

// lock.ts: how do two runs never switch at once? The clocksource is one per
// machine, whatever the runs' state folders, so the lock is too. It is an
// flock(2) (native/lock.cc) on current_clocksource itself, the one file every
// run shares, also across mount namespaces (one kernfs inode). The kernel
// drops it when the holder dies, even by SIGKILL, so a lock is never stale,
// and lists its holder's pid in /proc/locks (fs/locks.c: lock_get_status()),
// so the refused run can name it. Any user who can read the file can take it
// (flock needs no write access); the refusal names the pid, and an
// unprivileged user could hold a lock file in /run just the same.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { UnsupportedError } from '../errors.js';
import { currentPath, type SwitchContext } from './sysfs.js';

/** The machine-wide switching lock: current_clocksource itself. */
export const lockPath = currentPath;

/** A held flock on the machine-wide lock; release() closes it. */
export interface Lock {
  release(): void;
}

/** Takes the machine-wide switching lock or returns the pid of the run that
 * holds it. Reading the file is enough: flock(2) needs no write access. */
export function tryLock(ctx: SwitchContext): Lock | { heldBy: number | null } {
  const path = lockPath(ctx);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UnsupportedError(`cannot open ${path} to take the clocksource lock: ${(err as Error).message}`);
  }
  if (!ctx.binding.tryLockExclusive(fd)) {
    const heldBy = flockHolder(fd);
    closeSync(fd);
    return { heldBy };
  }
  let open = true;
  return {
    release() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** The pid holding an flock on the file open as `fd`, from /proc/locks:
 * `1: FLOCK  ADVISORY  WRITE <pid> <major>:<minor>:<inode> 0 EOF`, the
 * device numbers in hex (fs/locks.c: lock_get_status()). Null when not
 * listed (a holder in another pid namespace shows as 0 or not at all). */
function flockHolder(fd: number): number | null {
  let text: string;
  try {
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return null;
  }
  const st = fstatSync(fd);
  // st_dev as glibc's makedev() packs it (sys/sysmacros.h).
  const major = Number((BigInt(st.dev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(st.dev) & 0xffn) | ((BigInt(st.dev) >> 12n) & 0xfff00n));
  for (const line of text.split('\n')) {
    const m = /^\d+: FLOCK\s+\S+\s+WRITE\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (m && Number.parseInt(m[2] ?? '', 16) === major && Number.parseInt(m[3] ?? '', 16) === minor && Number(m[4]) === st.ino) {
      const pid = Number(m[1]);
      return pid > 0 ? pid : null;
    }
  }
  return null;
}

export function isLock(x: Lock | { heldBy: number | null }): x is Lock {
  return 'release' in x;
}

// journal.ts: how does a run killed with SIGKILL get undone by the next one?
// A journal on disk records the original clocksource before the first switch.
// It lives in /run/clocklab: /run is cleared at boot, exactly when the kernel
// forgets the override, so the journal never outlives what it describes. The
// boot id inside it still guards the case where the state folder does
// survive a reboot (CLOCKLAB_STATE_DIR on a disk, a /run that is not tmpfs):
// such a journal is stale and is discarded, never applied (recovery.ts).
import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UnsupportedError } from '../errors.js';
import type { SwitchContext } from './sysfs.js';

const JOURNAL_FILE = 'clocksource.journal.json';

export const Journal = z.object({
  schema: z.literal('clocklab/1'),
  kind: z.literal('clocksource-journal'),
  original: z.string().describe('the clocksource to put back'),
  bootId: z.string().describe('/proc/sys/kernel/random/boot_id when the journal was written'),
  pid: z.number().int(),
  startedAt: z.string(),
  /** Set when the run ended by an error and could not put the original back. */
  failed: z.string().optional().describe('why the run could not restore the clocksource when it ended'),
});
export type JournalT = z.infer<typeof Journal>;

export const journalPath = (ctx: SwitchContext): string => join(ctx.stateDir, JOURNAL_FILE);

export function readJournal(ctx: SwitchContext): { journal: JournalT | null; raw: string | null } {
  let raw: string;
  try {
    raw = readFileSync(journalPath(ctx), 'utf8');
  } catch {
    return { journal: null, raw: null };
  }
  try {
    const parsed = Journal.safeParse(JSON.parse(raw));
    return { journal: parsed.success ? parsed.data : null, raw };
  } catch {
    return { journal: null, raw };
  }
}

/** Writes the journal durably: on disk when this returns. */
export function writeJournal(ctx: SwitchContext, journal: JournalT): void {
  writeDurably(ctx.stateDir, JOURNAL_FILE, JSON.stringify(journal, null, 2) + '\n');
}

/** Writes a file so that it is on disk when this returns: a temporary file,
 * fsync, rename over the name, fsync of the folder (rename(2) is atomic;
 * the folder's fsync makes the new name durable). */
function writeDurably(dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, name));
    syncDir(dir);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed: nothing to clean.
    }
    throw new UnsupportedError(`cannot write the clocksource journal ${join(dir, name)}: ${journalTrouble(err as NodeJS.ErrnoException)}`);
  }
}

/** What an operator can do about a journal that cannot be written. */
function journalTrouble(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left in its folder (ENOSPC); free some, or set CLOCKLAB_STATE_DIR to a folder with room';
    case 'EISDIR':
      return 'that name is a folder (EISDIR); remove it, or set CLOCKLAB_STATE_DIR elsewhere';
    case 'EROFS':
      return 'its folder is on a read-only file system (EROFS); set CLOCKLAB_STATE_DIR to a writable folder';
    default:
      return err.message;
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function removeJournal(ctx: SwitchContext): void {
  try {
    unlinkSync(journalPath(ctx));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  syncDir(ctx.stateDir);
}

export function ensureStateDir(ctx: SwitchContext): void {
  try {
    mkdirSync(ctx.stateDir, { recursive: true, mode: 0o755 });
    accessSync(ctx.stateDir, constants.W_OK);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UnsupportedError(`cannot use ${ctx.stateDir} for the clocksource journal (${why}); set CLOCKLAB_STATE_DIR to a writable folder`);
  }
}

// recovery.ts: what did a killed run leave, and can it be undone? Reads the
// journal a run left behind, under the machine-wide lock, and puts the
// clocksource it recorded back. What to tell the person is findings/recovery.ts.
import { accessSync, constants, existsSync } from 'node:fs';
import { cannotPutBack, stateDirNotWritable } from '../findings/recovery.js';
import { journalPath, readJournal, removeJournal, type JournalT } from './journal.js';
import { isLock, tryLock } from './lock.js';
import { checkCanSwitch, defaultContext, readAvailable, readBootId, readCurrent, writeAndConfirm, type SwitchContext } from './sysfs.js';

/** What startup recovery found and did. */
export type Recovery =
  | { kind: 'none' }
  | { kind: 'busy'; pid: number | null }
  | { kind: 'restored'; journal: JournalT; from: string }
  | { kind: 'already'; journal: JournalT }
  | { kind: 'stale'; journal: JournalT; bootId: string }
  | { kind: 'corrupt'; raw: string }
  | { kind: 'cannot'; journal: JournalT; reason: string };

/** With the lock held: undoes a journal a killed run left behind. */
export function recoverLocked(ctx: SwitchContext): Recovery {
  const { journal, raw } = readJournal(ctx);
  if (raw === null) return { kind: 'none' };
  if (journal === null) {
    removeJournal(ctx);
    return { kind: 'corrupt', raw };
  }
  const bootId = readBootId(ctx);
  if (journal.bootId !== bootId) {
    // The reboot reset the clocksource; applying an old choice would be a
    // switch nobody asked for.
    removeJournal(ctx);
    return { kind: 'stale', journal, bootId };
  }
  // Same boot, and we hold the lock: whoever wrote the journal is gone or
  // has closed its lock, even if its pid now names a live process (a
  // reused pid, or a run stuck past its lock). The flock is the truth; the
  // pid is only shown to people.
  const current = readCurrent(ctx);
  if (current === journal.original) {
    removeJournal(ctx);
    return { kind: 'already', journal };
  }
  const available = readAvailable(ctx);
  if (!available.includes(journal.original)) {
    return {
      kind: 'cannot',
      journal,
      reason: cannotPutBack(journal.original, available, current, journalPath(ctx)),
    };
  }
  try {
    checkCanSwitch(ctx);
  } catch (err) {
    return { kind: 'cannot', journal, reason: (err as Error).message };
  }
  writeAndConfirm(ctx, journal.original);
  removeJournal(ctx);
  return { kind: 'restored', journal, from: current };
}

/**
 * Undoes what a killed run left: called before every command. A journal
 * whose run still holds the lock belongs to a live run and is left alone.
 */
export function recoverJournal(ctx: SwitchContext = defaultContext()): Recovery {
  if (!existsSync(journalPath(ctx))) return { kind: 'none' };
  let canWrite = true;
  try {
    accessSync(ctx.stateDir, constants.W_OK);
  } catch {
    canWrite = false;
  }
  const lock = tryLock(ctx);
  if (!isLock(lock)) return { kind: 'busy', pid: lock.heldBy };
  try {
    if (!canWrite) {
      const { journal, raw } = readJournal(ctx);
      if (journal === null) return raw === null ? { kind: 'none' } : { kind: 'corrupt', raw };
      return { kind: 'cannot', journal, reason: stateDirNotWritable(ctx.stateDir) };
    }
    return recoverLocked(ctx);
  } finally {
    lock.release();
  }
}

// switcher.ts: how does a run switch the clocksource and always put it back?
// A session holding the lock (lock.ts) and a journal (journal.ts), which
// restores on close, on a signal, on a crash and at exit.
import { UnsupportedError } from '../errors.js';
import { describeRecovery } from '../findings/recovery.js';
import { ensureStateDir, journalPath, removeJournal, writeJournal, type JournalT } from './journal.js';
import { isLock, tryLock, type Lock } from './lock.js';
import { recoverLocked, type Recovery } from './recovery.js';
import { checkCanSwitch, currentPath, defaultContext, readAvailable, readBootId, readCurrent, validateClocksources, writeAndConfirm, type SwitchContext, type SwitchEvent } from './sysfs.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A session that may switch the clocksource: holds the machine-wide lock,
 * writes the journal before anything is measured, and puts the original back
 * on close(), on SIGINT, SIGTERM and SIGHUP, on an uncaught exception or
 * unhandled rejection, and at process.exit().
 */
export class ClocksourceSwitcher {
  readonly original: string;
  readonly available: readonly string[];
  readonly events: SwitchEvent[] = [];
  /** What opening found of a journal a killed run left (and undid). */
  recovered: Recovery = { kind: 'none' };
  private journal: JournalT | null = null;
  private signalsHooked = false;
  private closed = false;
  private readonly onSignal = (sig: NodeJS.Signals): void => this.restoreOnSignal(sig);
  private readonly onExit = (): void => this.restoreQuietly();
  private readonly onFatal = (err: Error): void => {
    // Node 20 does not emit 'exit' for an uncaught exception (or a rejection
    // it turns into one); the monitor runs first and leaves the crash as it is.
    const wasSwitched = this.journal !== null && readCurrent(this.ctx) !== this.original;
    this.restoreQuietly();
    if (wasSwitched) process.stderr.write(`clocklab: uncaught ${err.name}: clocksource restored to '${this.original}'\n`);
  };

  private constructor(
    private readonly ctx: SwitchContext,
    private readonly lock: Lock,
    original: string,
    available: string[],
  ) {
    this.original = original;
    this.available = available;
  }

  /** Checks everything a switch needs, takes the lock, and writes the
   * journal (so a full or broken state folder is known before anything is
   * measured). Writes nothing to sysfs but what recovery puts back. */
  static open(names: readonly string[], ctx: SwitchContext = defaultContext()): ClocksourceSwitcher {
    const available = readAvailable(ctx);
    validateClocksources(names, available);
    checkCanSwitch(ctx);
    // Both must be readable before anything is written.
    readCurrent(ctx);
    readBootId(ctx);
    ensureStateDir(ctx);
    const lock = tryLock(ctx);
    if (!isLock(lock)) {
      throw new UnsupportedError(
        `another clocklab run (pid ${lock.heldBy ?? 'unknown'}) is switching the clocksource; wait for it to finish`,
      );
    }
    try {
      // A journal left by a killed run is undone before anything else; one
      // that cannot be undone is not overwritten by ours.
      const recovered = recoverLocked(ctx);
      if (recovered.kind === 'cannot') throw new UnsupportedError(describeRecovery(recovered) ?? 'a clocksource journal cannot be restored');
      const sw = new ClocksourceSwitcher(ctx, lock, readCurrent(ctx), available);
      sw.recovered = recovered;
      sw.writeJournal();
      return sw;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  current(): string {
    return readCurrent(this.ctx);
  }

  /** Switches to `name` (a no-op when it is current). */
  switchTo(name: string): SwitchEvent | null {
    if (this.closed) throw new Error('the clocksource switcher is closed');
    validateClocksources([name], this.available);
    if (readCurrent(this.ctx) === name) return null;
    if (!this.signalsHooked) {
      // From the first switch on, a signal restores before the process dies.
      for (const s of SIGNALS) process.on(s, this.onSignal);
      this.signalsHooked = true;
    }
    try {
      const event = writeAndConfirm(this.ctx, name);
      this.events.push(event);
      return event;
    } catch (err) {
      this.restoreQuietly();
      throw err;
    }
  }

  /** Puts the original back and confirms it; removes the journal only then.
   * When the kernel will not take it back, the journal is kept, marked with
   * why, and the error says how to finish the job. */
  restore(): SwitchEvent | null {
    if (this.journal === null) return null;
    let event: SwitchEvent | null = null;
    const now = readCurrent(this.ctx);
    if (now !== this.original) {
      try {
        event = writeAndConfirm(this.ctx, this.original);
      } catch (err) {
        throw this.restoreFailed(err as Error, now);
      }
      this.events.push(event);
    }
    try {
      removeJournal(this.ctx);
    } catch {
      // The clocksource is back; a journal left behind says so to the next
      // command, which removes it ('already').
    }
    // The listeners stay until close(): a signal caught while this ran must
    // still find one (honourLateSignals()).
    this.journal = null;
    return event;
  }

  /** restore(), then release the lock. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    try {
      this.restore();
    } finally {
      this.closed = true;
      // A signal that arrived during the restore is still waiting in the
      // event loop: honour it rather than lose it with our listeners.
      if (this.signalsHooked) honourLateSignals();
      this.unhook();
      this.lock.release();
    }
  }

  private writeJournal(): void {
    const journal: JournalT = {
      schema: 'clocklab/1',
      kind: 'clocksource-journal',
      original: this.original,
      bootId: readBootId(this.ctx),
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    writeJournal(this.ctx, journal);
    this.journal = journal;
    process.on('exit', this.onExit);
    process.on('uncaughtExceptionMonitor', this.onFatal);
  }

  /** The journal learns why the run could not restore, so a later
   * `clocklab restore` says the run died of an error, not that it was killed. */
  private restoreFailed(err: Error, now: string): UnsupportedError {
    const reason = (err as NodeJS.ErrnoException).code === 'EROFS' ? `${currentPath(this.ctx)} is now on a read-only file system (EROFS)` : err.message;
    if (this.journal !== null) {
      try {
        writeJournal(this.ctx, { ...this.journal, failed: reason });
      } catch {
        // The journal as first written still names the original.
      }
    }
    return new UnsupportedError(
      `could not restore the clocksource to '${this.original}' (${reason}); it is still on '${now}'. ` +
        `The journal ${journalPath(this.ctx)} is kept: once that is fixed, run \`sudo clocklab restore\``,
    );
  }

  private unhook(): void {
    for (const s of SIGNALS) process.off(s, this.onSignal);
    process.off('exit', this.onExit);
    process.off('uncaughtExceptionMonitor', this.onFatal);
  }

  private restoreQuietly(): void {
    try {
      this.restore();
    } catch (err) {
      const message = err instanceof UnsupportedError ? err.message : `could not restore the clocksource to '${this.original}' (${(err as Error).message}); run \`sudo clocklab restore\``;
      process.stderr.write(`clocklab: ${message}\n`);
    }
  }

  /** Restores synchronously, then dies of the same signal (the handler is
   * removed first, so the default action runs and the exit status tells the
   * parent which signal ended us). */
  private restoreOnSignal(sig: NodeJS.Signals): void {
    const wasSwitched = this.journal !== null && readCurrent(this.ctx) !== this.original;
    this.restoreQuietly();
    if (wasSwitched) process.stderr.write(`clocklab: ${sig}: clocksource restored to '${this.original}'\n`);
    this.closed = true;
    this.unhook();
    this.lock.release();
    process.kill(process.pid, sig);
  }
}

/** A signal caught while close() ran synchronously is only delivered to
 * listeners on a later turn of the event loop; with none left it would be
 * dropped and the run would exit 0 as if no one had asked it to stop. The
 * chosen behaviour: it is honoured. Stand-in listeners, added before the
 * switcher's go (the last listener's removal discards a pending signal),
 * re-raise it with the default action once the clocksource is back; they
 * leave after one whole turn of the loop, by which time libuv has read any
 * signal that arrived before close() returned (src/unix/signal.c). */
function honourLateSignals(): void {
  const late = (sig: NodeJS.Signals): void => {
    drop();
    process.kill(process.pid, sig);
  };
  const drop = (): void => {
    for (const s of SIGNALS) process.off(s, late);
  };
  for (const s of SIGNALS) process.on(s, late);
  setImmediate(() => setImmediate(drop));
}

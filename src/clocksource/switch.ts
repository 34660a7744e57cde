// switch.ts: how does clocklab change the machine's clocksource and always put
// it back? The one module that writes
// /sys/devices/system/clocksource/clocksource0/current_clocksource.
//
// The kernel accepts any name up to 31 bytes and silently falls back to its
// best-rated clocksource when the name matches nothing
// (kernel/time/clocksource.c: sysfs_get_uname(), current_clocksource_store(),
// clocksource_select()), so names are checked against available_clocksource
// here, before any write, and every write is followed by reading
// current_clocksource back. The write itself is synchronous: the switch runs
// under stop_machine() in timekeeping_notify() before write() returns.
//
// A journal on disk records the original clocksource before the first
// switch, so a run killed with SIGKILL can be undone by the next one. It
// lives in /run/clocklab: /run is cleared at boot, exactly when the kernel
// forgets the override, so the journal never outlives what it describes. The
// boot id inside it still guards the case where the state folder does
// survive a reboot (CLOCKLAB_STATE_DIR on a disk, a /run that is not tmpfs):
// such a journal is stale and is discarded, never applied.
//
// Two runs must not switch at once, whatever their state folders: the
// clocksource is one per machine, so the lock is too. It is an flock(2)
// (native/lock.cc) on current_clocksource itself, the one file every run
// shares, also across mount namespaces (one kernfs inode). The kernel drops
// it when the holder dies, even by SIGKILL, so a lock is never stale, and
// lists its holder's pid in /proc/locks (fs/locks.c: lock_get_status()), so
// the refused run can name it. Any user who can read the file can take it
// (flock needs no write access); the refusal names the pid, and an
// unprivileged user could hold a lock file in /run just the same.
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { UnsupportedError, UsageError } from '../errors.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { CLOCKSOURCE_DIR } from '../probes/clocksource.js';
import { realSource, type Source } from '../probes/source.js';

/** Where the journal and the lock live unless CLOCKLAB_STATE_DIR says otherwise. */
export const DEFAULT_STATE_DIR = '/run/clocklab';
export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';
const JOURNAL_FILE = 'clocksource.journal.json';

/** A clocksource name as the kernel stores it: CS_NAME_LEN is 32 with the NUL
 * (include/linux/clocksource.h). A newline would clear the override
 * (sysfs_get_uname()), so only plain name characters are accepted. */
const NAME = /^[A-Za-z0-9_.-]{1,31}$/;

/** Where the switcher reads and writes; tests point these elsewhere. */
export interface SwitchContext {
  /** The sysfs folder holding current_clocksource and available_clocksource. */
  sysfsDir: string;
  /** The folder of the journal and the lock. */
  stateDir: string;
  /** Reads sysfs and the boot id. */
  source: Source;
  binding: Binding;
}

export function defaultContext(overrides: Partial<SwitchContext> = {}): SwitchContext {
  return {
    sysfsDir: overrides.sysfsDir ?? CLOCKSOURCE_DIR,
    stateDir: overrides.stateDir ?? stateDirFromEnv(),
    source: overrides.source ?? realSource,
    binding: overrides.binding ?? loadBinding(),
  };
}

/** CLOCKLAB_STATE_DIR: unset or empty is the default; a relative path is
 * refused, since it would put the journal wherever the command ran, where
 * the next command (from another folder) would not find it. */
function stateDirFromEnv(): string {
  const dir = process.env['CLOCKLAB_STATE_DIR'];
  if (dir === undefined || dir === '') return DEFAULT_STATE_DIR;
  if (!isAbsolute(dir)) throw new UsageError(`CLOCKLAB_STATE_DIR must be an absolute path, not '${dir}' (unset it for ${DEFAULT_STATE_DIR})`);
  return dir;
}

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
const currentPath = (ctx: SwitchContext): string => join(ctx.sysfsDir, 'current_clocksource');
/** The machine-wide switching lock: current_clocksource itself. */
export const lockPath = currentPath;

/** Parses a user's comma list of clocksource names (`tsc,kvm-clock`). */
export function parseClocksourceList(list: string): string[] {
  const names = list.split(',').map((s) => s.trim());
  if (names.length === 0 || names.every((n) => n === '')) throw new UsageError('the clocksource list is empty');
  const out: string[] = [];
  for (const n of names) {
    if (!NAME.test(n)) {
      throw new UsageError(
        `malformed clocksource list '${list}': ${n === '' ? 'an empty name' : `'${n}' is not a clocksource name`} (names are letters, digits, '-', '_', '.', at most 31)`,
      );
    }
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** available_clocksource, checked: it must be a non-empty list of names. */
export function readAvailable(ctx: SwitchContext): string[] {
  const text = ctx.source.read(join(ctx.sysfsDir, 'available_clocksource'));
  if (text === null) throw new UnsupportedError(`cannot read ${join(ctx.sysfsDir, 'available_clocksource')}`);
  const names = text.split(/\s+/).filter((s) => s !== '');
  if (names.length === 0 || !names.every((n) => NAME.test(n))) {
    // The machine's file, not the user's input: exit 3, like an unreadable one.
    throw new UnsupportedError(`${join(ctx.sysfsDir, 'available_clocksource')} is malformed: ${JSON.stringify(text)}`);
  }
  return names;
}

export function readCurrent(ctx: SwitchContext): string {
  const text = ctx.source.read(currentPath(ctx))?.trim();
  if (!text || !NAME.test(text)) throw new UnsupportedError(`cannot read the current clocksource from ${currentPath(ctx)}`);
  return text;
}

/** Refuses names the kernel does not offer, before anything is written. */
export function validateClocksources(names: readonly string[], available: readonly string[]): void {
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    throw new UnsupportedError(
      `no clocksource ${unknown.map((n) => `'${n}'`).join(', ')} on this machine; available: ${available.join(', ')}`,
    );
  }
}

/** What is needed to switch: write access to current_clocksource. Says
 * which of the two usual causes it is: not root, or a read-only /sys. */
export function checkCanSwitch(ctx: SwitchContext): void {
  try {
    accessSync(currentPath(ctx), constants.W_OK);
  } catch (err) {
    const uid = process.getuid?.();
    if ((err as NodeJS.ErrnoException).code === 'EROFS') {
      throw new UnsupportedError(
        `${currentPath(ctx)} is on a read-only file system (EROFS): /sys is mounted read-only, as in most containers. ` +
          'Run clocklab on the host or with a writable /sys, or use {currentOnly} to measure the current clocksource without switching',
      );
    }
    throw new UnsupportedError(
      `switching the clocksource needs root: ${currentPath(ctx)} is not writable` +
        `${uid !== undefined && uid !== 0 ? ` by uid ${uid}` : ''}. Run it with sudo, or use {currentOnly} to measure the current clocksource without switching`,
    );
  }
}

export function readBootId(ctx: SwitchContext): string {
  const id = ctx.source.read(BOOT_ID_PATH)?.trim();
  if (!id) throw new UnsupportedError(`cannot read ${BOOT_ID_PATH}`);
  return id;
}

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

function removeJournal(ctx: SwitchContext): void {
  try {
    unlinkSync(journalPath(ctx));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  syncDir(ctx.stateDir);
}

function ensureStateDir(ctx: SwitchContext): void {
  try {
    mkdirSync(ctx.stateDir, { recursive: true, mode: 0o755 });
    accessSync(ctx.stateDir, constants.W_OK);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UnsupportedError(`cannot use ${ctx.stateDir} for the clocksource journal (${why}); set CLOCKLAB_STATE_DIR to a writable folder`);
  }
}

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

function isLock(x: Lock | { heldBy: number | null }): x is Lock {
  return 'release' in x;
}

/** One write to current_clocksource, confirmed by reading it back. */
export interface SwitchEvent {
  from: string;
  to: string;
  /** Wall time of the write(2), which returns when the kernel has switched. */
  writeMs: number;
  at: string;
}

/** The raw write, then the read-back. Throws when the kernel did not take it. */
function writeAndConfirm(ctx: SwitchContext, to: string): SwitchEvent {
  const from = readCurrent(ctx);
  const at = new Date().toISOString();
  const t0 = process.hrtime.bigint();
  const fd = openSync(currentPath(ctx), 'w');
  try {
    writeSync(fd, to);
  } finally {
    closeSync(fd);
  }
  const writeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const now = readCurrent(ctx);
  if (now !== to) {
    throw new UnsupportedError(`the kernel did not switch to '${to}': current_clocksource reads '${now}' after the write (see dmesg)`);
  }
  return { from, to, writeMs, at };
}

/** Puts `name` back directly, validated and confirmed, without a journal:
 * for a test's afterAll or an operator who knows the original. Returns the
 * switch made, or null when it was already current. */
export function setClocksourceNow(name: string, ctx: SwitchContext = defaultContext()): SwitchEvent | null {
  validateClocksources([name], readAvailable(ctx));
  checkCanSwitch(ctx);
  return readCurrent(ctx) === name ? null : writeAndConfirm(ctx, name);
}

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
    writeDurably(this.ctx.stateDir, JOURNAL_FILE, JSON.stringify(journal, null, 2) + '\n');
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
        writeDurably(this.ctx.stateDir, JOURNAL_FILE, JSON.stringify({ ...this.journal, failed: reason }, null, 2) + '\n');
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
function recoverLocked(ctx: SwitchContext): Recovery {
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
      reason:
        `'${journal.original}' is not among the available clocksources (${available.join(', ')}), so it cannot be put back. ` +
        `The machine stays on '${current}'; to accept that and let clocklab switch again, remove ${journalPath(ctx)}`,
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
      return { kind: 'cannot', journal, reason: `${ctx.stateDir} is not writable by this user; run \`sudo clocklab restore\`` };
    }
    return recoverLocked(ctx);
  } finally {
    lock.release();
  }
}

/** One line for the person at the terminal, or null when there is nothing to say. */
export function describeRecovery(r: Recovery): string | null {
  const run = (j: JournalT): string => `a clocklab run (pid ${j.pid}, started ${j.startedAt})`;
  const who = (j: JournalT): string =>
    j.failed !== undefined
      ? `${run(j)} died of an error with the clocksource switched (it could not restore it: ${j.failed})`
      : `${run(j)} was killed while the clocksource was switched`;
  switch (r.kind) {
    case 'none':
    case 'busy':
      return null;
    case 'restored':
      return `${who(r.journal)}; restored the clocksource from '${r.from}' to '${r.journal.original}'`;
    case 'already':
      // Killed before it switched, or the clocksource was put back since.
      return `${run(r.journal)} ended without removing its journal; the clocksource is on '${r.journal.original}' as it recorded, journal removed`;
    case 'stale':
      return `discarded a stale clocksource journal from another boot (boot id ${r.journal.bootId}, now ${r.bootId}; pid ${r.journal.pid}, started ${r.journal.startedAt}); the reboot already reset the clocksource, nothing was applied`;
    case 'corrupt':
      return `discarded an unreadable clocksource journal: ${JSON.stringify(r.raw.slice(0, 200))}`;
    case 'cannot':
      return `${who(r.journal)}, away from '${r.journal.original}', and it cannot be restored now: ${r.reason}`;
  }
}

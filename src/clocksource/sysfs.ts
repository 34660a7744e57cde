// sysfs.ts: which clocksource names may clocklab write, and how is one write
// made and confirmed? The one place that writes
// /sys/devices/system/clocksource/clocksource0/current_clocksource.
//
// The kernel accepts any name up to 31 bytes and silently falls back to its
// best-rated clocksource when the name matches nothing
// (kernel/time/clocksource.c: sysfs_get_uname(), current_clocksource_store(),
// clocksource_select()), so names are checked against available_clocksource
// here, before any write, and every write is followed by reading
// current_clocksource back. The write itself is synchronous: the switch runs
// under stop_machine() in timekeeping_notify() before write() returns.
import { accessSync, closeSync, constants, openSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UnsupportedError, UsageError } from '../errors.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { CLOCKSOURCE_DIR } from '../probes/clocksource.js';
import { realSource, type Source } from '../probes/source.js';

/** Where the journal and the lock live unless CLOCKLAB_STATE_DIR says otherwise. */
export const DEFAULT_STATE_DIR = '/run/clocklab';
export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

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

export const currentPath = (ctx: SwitchContext): string => join(ctx.sysfsDir, 'current_clocksource');

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

/** One write to current_clocksource, confirmed by reading it back. */
export interface SwitchEvent {
  from: string;
  to: string;
  /** Wall time of the write(2), which returns when the kernel has switched. */
  writeMs: number;
  at: string;
}

/** The raw write, then the read-back. Throws when the kernel did not take it. */
export function writeAndConfirm(ctx: SwitchContext, to: string): SwitchEvent {
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


// clocksource.ts (test helper): watch the machine's clocksource around a
// test that switches it, and always put it back.
import { readablePath, readableRoot } from './readable.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setClocksourceNow } from '../../src/clocksource/sysfs.js';
import { CLOCKSOURCE_DIR } from '../../src/probes/clocksource.js';

export const CURRENT = join(CLOCKSOURCE_DIR, 'current_clocksource');
export const CHILD = fileURLToPath(new URL('./compare-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function current(): string {
  return readFileSync(CURRENT, 'utf8').trim();
}

/** A fresh journal folder, so tests never touch /run/clocklab. */
export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'clocklab-state-'));
}

/** How many switches the kernel has logged ("Switched to clocksource").
 * Proves a refused request wrote nothing; throws where the log cannot be
 * read (a test that counts needs `{ dmesg: true }`), so two unknowns never
 * compare equal. */
export function switchesLogged(): number {
  const r = spawnSync('dmesg', [], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dmesg cannot be read (exit ${String(r.status)}): ${String(r.stderr).trim()}`);
  return r.stdout.split('\n').filter((l) => l.includes('Switched to clocksource')).length;
}

/** The file's contents and mtime: unchanged means nothing was written. */
export function fingerprint(): { text: string; mtimeMs: number } {
  return { text: readFileSync(CURRENT, 'utf8'), mtimeMs: statSync(CURRENT).mtimeMs };
}

/** Puts the clocksource back (afterAll). */
export function putBack(name: string): void {
  if (current() !== name) setClocksourceNow(name);
}

/** Starts the compare child (real switcher, paused fake bench). */
export function startChild(stateDir: string, pauseMs: number, extra: { uid?: number; list?: string; crash?: boolean } = {}): ChildProcess {
  // Another user runs it from a copy it can read.
  const other = extra.uid !== undefined;
  const args = ['--import', 'tsx', other ? readablePath(CHILD) : CHILD, String(pauseMs), extra.list ?? 'all', ...(extra.crash ? ['crash'] : [])];
  const cmd = other ? 'setpriv' : process.execPath;
  const argv = other ? [`--reuid=${extra.uid}`, `--regid=${extra.uid}`, '--clear-groups', process.execPath, ...args] : args;
  return spawn(cmd, argv, { cwd: other ? readableRoot() : ROOT, env: { ...process.env, CLOCKLAB_STATE_DIR: stateDir, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves when the child's stderr shows `MEASURING <clocksource>`. */
export function waitMeasuring(child: ChildProcess, clocksource: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`child never measured ${clocksource}; stderr: ${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(`MEASURING ${clocksource} `)) {
        clearTimeout(timer);
        resolve(err);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`child exited before measuring ${clocksource}; stderr: ${err}`));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function waitExit(child: ChildProcess): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      return;
    }
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

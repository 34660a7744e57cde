// readable.ts: a copy of this checkout another user can run. Tests that run
// the CLI as an unprivileged user (setpriv, spawn's uid) cannot enter a
// checkout under a folder only root may enter (/root, mktemp -d), which is
// where CI's and most root users' clones live: they get a copy in a folder
// everyone may read, made once per test process and removed at its exit.
import { accessSync, chmodSync, constants, cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Whether every folder from / down to `dir` lets others through. */
function othersCanEnter(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o005) !== 0o005) return false;
    if (dirname(d) === d) return true;
  }
}

let copy: string | null = null;

/** The checkout's root, or a copy of it others can read (with its built
 * dist/, addon and node_modules), when others cannot enter the checkout. */
export function readableRoot(): string {
  accessSync(ROOT, constants.R_OK);
  if (othersCanEnter(ROOT)) return ROOT;
  if (copy !== null) return copy;
  const dir = mkdtempSync(join(tmpdir(), 'clocklab-readable-'));
  chmodSync(dir, 0o755);
  cpSync(ROOT, dir, { recursive: true, dereference: true, filter: (src) => !relative(ROOT, src).startsWith('.git') });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  copy = dir;
  return dir;
}

/** A path inside the checkout, in the copy others can read. */
export function readablePath(path: string): string {
  return join(readableRoot(), relative(ROOT, path));
}

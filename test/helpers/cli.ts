// cli.ts: runs the built `clocklab` executable as a user would and returns
// what it printed and its exit code.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readablePath } from './readable.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The file package.json's `bin` names: what `clocklab` runs once installed
 * (the CLI bundle that `npm run build` writes, not tsc's dist/cli.js). */
export const CLI = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { clocklab: string } }).bin.clocklab);

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; as another user (`uid`), from a copy that user can read. */
export function runCli(args: string[], options: SpawnSyncOptions = {}): CliRun {
  const cli = options.uid !== undefined ? readablePath(CLI) : CLI;
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    ...options,
    env: { ...process.env, NO_COLOR: '1', ...(options.env ?? {}) },
  });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** CliDeps for an in-process main(): output as through a pipe, whatever the
 * test process's own stdout and stderr are (a CI runner may give it a tty). */
export const PIPED = { color: false, progress: false } as const;

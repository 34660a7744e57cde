// standin.ts (test helper): a stand-in clocksource0 folder, so the switching
// tests run on a machine whose kernel offers one clocksource. The folder
// holds available_clocksource ("tsc kvm-clock \n", the kernel's format: each
// name followed by a space, then a newline; kernel/time/clocksource.c:
// available_clocksource_show()) and current_clocksource, and is bind-mounted
// over /sys/devices/system/clocksource/clocksource0 in a private mount
// namespace (`unshare --mount --propagation private`), so that clocklab's own
// code, with its own path, reads, writes, locks and journals against it.
//
// What the stand-in does not do: it is a regular file, so it stores what is
// written and never switches anything. The kernel accepts any name and falls
// back to its best-rated clocksource (current_clocksource_store(),
// clocksource_select()); the switcher never writes a name it has not found in
// available_clocksource, so no test depends on that fallback, and the
// stand-in does not emulate it. Whatever the stand-in says, a bench measures
// the clocksource the kernel really uses, and the kernel log and
// /proc/cmdline still tell the real story (on a machine booted with
// tsc=unstable they say tsc was removed while the stand-in offers it). A write
// truncates the file before it writes the name, so a reader in that instant
// reads nothing, where sysfs swaps atomically; the one file cannot be renamed
// into place instead, since the lock is an flock on it.
//
// Safety: the command run in the namespace is exec'd only once the stand-in's
// marker file, holding a token only this helper knows, reads back from the
// real path; a mount that failed can never let a test write the real
// current_clocksource. The namespace ends with its last process.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CLOCKSOURCE_DIR } from '../../src/probes/clocksource.js';

/** The pair the stand-in offers: the two clocksources of a KVM guest. */
export const STANDIN_PAIR = ['tsc', 'kvm-clock'] as const;
/** The marker file in the stand-in; sysfs has no file of that name. */
export const MARKER = 'clocklab-standin';
/** Set in a process that runs on the stand-in: the marker's token. */
export const STANDIN_ENV = 'CLOCKLAB_STANDIN';
/** Set by the stand-in pool where no stand-in can be mounted: why not. */
export const STANDIN_UNMET_ENV = 'CLOCKLAB_STANDIN_UNMET';

export interface StandIn {
  /** The folder on the host (outside the namespace). */
  dir: string;
  token: string;
  remove(): void;
}

/** A fresh stand-in folder, readable by everyone (as sysfs is; a test runs
 * the CLI as nobody), writable by root only. `current` defaults to
 * $CLOCKLAB_STANDIN_START (to try the other order:
 * `CLOCKLAB_STANDIN_START=tsc npx vitest run --project standin`), else the
 * real machine's clocksource where it is one of the pair, else kvm-clock. */
export function makeStandIn(current?: string): StandIn {
  const dir = mkdtempSync(join(tmpdir(), 'clocklab-standin-'));
  chmodSync(dir, 0o755);
  const real = readReal();
  const asked = process.env['CLOCKLAB_STANDIN_START'];
  const pair = STANDIN_PAIR as readonly string[];
  const start = current ?? (asked !== undefined && pair.includes(asked) ? asked : real !== null && pair.includes(real) ? real : 'kvm-clock');
  const token = randomUUID();
  writeFileSync(join(dir, 'available_clocksource'), `${STANDIN_PAIR.join(' ')} \n`, { mode: 0o444 });
  writeFileSync(join(dir, 'current_clocksource'), `${start}\n`, { mode: 0o644 });
  writeFileSync(join(dir, MARKER), `${token}\n`, { mode: 0o444 });
  return { dir, token, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function readReal(): string | null {
  try {
    return readFileSync(join(CLOCKSOURCE_DIR, 'current_clocksource'), 'utf8').trim();
  } catch {
    return null;
  }
}

/** sh: $1 the stand-in, $2 its token, then the command. Mounts, proves the
 * mount by the marker, and only then execs (the command keeps the pid). */
const SCRIPT = [
  'S="$1"; T="$2"; shift 2',
  `D=${CLOCKSOURCE_DIR}`,
  'mount --bind "$S" "$D" || exit 96',
  '[ "$(cat "$D/' + MARKER + '" 2>/dev/null)" = "$T" ] || { echo "clocklab tests: the stand-in is not what $D shows; nothing run" >&2; exit 97; }',
  'exec "$@"',
].join('\n');

/** The argv (for spawn: command, then args) that runs `argv` in a private
 * mount namespace on the stand-in, with STANDIN_ENV set to its token. */
export function standInArgv(s: StandIn, argv: readonly string[]): [string, string[]] {
  return ['unshare', ['--mount', '--propagation', 'private', 'env', `${STANDIN_ENV}=${s.token}`, 'sh', '-c', SCRIPT, 'sh', s.dir, s.token, ...argv]];
}

let unavailable: string | null | undefined;

/** Null where a stand-in can be mounted here, else why not (tried once:
 * root, util-linux's unshare, a bind mount permitted in the namespace). */
export function standInUnavailable(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = probe();
  return unavailable;
}

function probe(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a stand-in clocksource0 in a private mount namespace';
  const plain = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
  if (plain.error) return `needs util-linux's unshare on PATH to mount a stand-in clocksource0 (${plain.error.message})`;
  if (plain.status !== 0) return `\`unshare -m true\` fails here (${plain.stderr.trim() || `exit ${String(plain.status)}`}): no private mount namespace for a stand-in clocksource0`;
  const s = makeStandIn();
  try {
    const [cmd, args] = standInArgv(s, ['cat', join(CLOCKSOURCE_DIR, 'available_clocksource')]);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0 || r.stdout !== `${STANDIN_PAIR.join(' ')} \n`) {
      return `a stand-in cannot be bind-mounted over ${CLOCKSOURCE_DIR} (${r.stderr.trim() || `exit ${String(r.status)}`})`;
    }
    return null;
  } finally {
    s.remove();
  }
}

/** Whether this process runs on a stand-in: the marker at the real path
 * holds the token it was given. */
export function onStandIn(): boolean {
  const token = process.env[STANDIN_ENV];
  if (token === undefined || token === '') return false;
  try {
    return readFileSync(join(CLOCKSOURCE_DIR, MARKER), 'utf8').trim() === token;
  } catch {
    return false;
  }
}

/** Mount points of clocksource0 this process sees (/proc/self/mountinfo's
 * fifth field): none on the host, the stand-in inside its namespace. */
export function clocksourceMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4]?.startsWith(CLOCKSOURCE_DIR) === true);
}

/** Runs `argv` to its end on a fresh stand-in; returns the run and what the
 * stand-in's current_clocksource held at its start and its end. */
export function runOnStandIn(
  argv: readonly string[],
  options: SpawnSyncOptions = {},
): { code: number | null; stdout: string; stderr: string; before: string; after: string } {
  const s = makeStandIn();
  try {
    const before = readFileSync(join(s.dir, 'current_clocksource'), 'utf8').trim();
    const [cmd, args] = standInArgv(s, argv);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...options });
    const after = readFileSync(join(s.dir, 'current_clocksource'), 'utf8').trim();
    return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr), before, after };
  } finally {
    s.remove();
  }
}

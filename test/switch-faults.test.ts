// switch-faults.test.ts: does the clocksource switch hold when a second run, a
// full disk, a read-only sysfs or a stray signal gets in its way (issue 17)?
// Mounts are made only inside private mount namespaces (`unshare -m`) that
// end with the test; every test ends with the clocksource as found and no
// file of clocklab's left behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defaultContext, DEFAULT_STATE_DIR, readAvailable, setClocksourceNow } from '../src/clocksource/sysfs.js';
import { UsageError } from '../src/errors.js';
import { CLOCKSOURCE_DIR } from '../src/probes/clocksource.js';
import { runCli } from './helpers/cli.js';
import { current, putBack, tempStateDir, waitExit, waitMeasuring } from './helpers/clocksource.js';
import { skipping, unmet } from './helpers/needs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI_CHILD = fileURLToPath(new URL('./helpers/cli-child.ts', import.meta.url));
const LATE_SIGNAL_CHILD = fileURLToPath(new URL('./helpers/late-signal-child.ts', import.meta.url));
/** tsx's loader by path: a child run from another folder cannot resolve the name. */
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const START = current();
const OTHER = readAvailable(defaultContext()).find((c) => c !== START) ?? START;
const needSwitch = unmet({ root: true, clocksources: ['tsc', 'kvm-clock'] });
const hasUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;
const needNamespace = needSwitch ?? (hasUnshare ? null : skipping('needs `unshare -m` (util-linux, root)'));
/** A quick compare: one method, one round, the pausing stand-in bench. */
const QUICK = ['--loops', '1000', '--runs', '40', '--rounds', '1', '--methods', 'monotonic'];

/** Mounts of the host that name clocksource0: a namespace leaked if any. */
function clocksourceMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes('clocksource0'));
}

/** The real CLI with the pausing bench, in a child (optionally inside `unshare -m` after `setup`). */
function cliChild(stateDir: string, pauseMs: number, args: string[], setup: string | null = null): ChildProcess {
  const env = { ...process.env, CLOCKLAB_STATE_DIR: stateDir, NO_COLOR: '1' };
  const node = [process.execPath, '--import', 'tsx', CLI_CHILD, String(pauseMs), ...args];
  if (setup === null) return spawn(node[0] ?? '', node.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // exec: the node process keeps the shell's pid, so nsenter can find its namespace.
  return spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${setup} && exec "$@"`, 'sh', ...node], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI child to its end inside a private mount namespace with a
 * tmpfs of `sizeKiB` on `dir`, after `prepare` (shell, `$D` is the mount),
 * then lists what is left in the tmpfs besides the test's own `fill`. */
function inTmpfs(sizeKiB: number, prepare: string, args: string[]): { code: number | null; stdout: string; stderr: string; left: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'clocklab-tmpfs-'));
  try {
    const script = [
      `D="$1"; shift`,
      `mount -t tmpfs -o size=${sizeKiB}k tmpfs "$D" || exit 90`,
      prepare,
      `CLOCKLAB_STATE_DIR="$D" "$@"; rc=$?`,
      `echo "LEFT:$(ls -A "$D" | grep -vx fill | tr '\\n' ' ')"`,
      `exit $rc`,
    ].join('\n');
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, '--import', 'tsx', CLI_CHILD, '1', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 120_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('LEFT:')) ?? 'LEFT:?';
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, left: line.slice(5).split(' ').filter((s) => s !== '') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Files clocklab left in a state folder. */
function leftIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** A fresh state folder, removed in afterAll once its test has checked it. */
const made: string[] = [];
function stateDir(): string {
  const d = tempStateDir();
  made.push(d);
  return d;
}

const noStackTrace = (stderr: string): void => expect(stderr).not.toMatch(/^\s+at /m);

/** None on the host; the stand-in's own mount in the `standin` project
 * (vitest.config.ts), whose worker runs in a namespace of its own. */
const MOUNTS_AT_START = clocksourceMounts();

afterEach(() => {
  expect(clocksourceMounts()).toEqual(MOUNTS_AT_START);
});

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
  putBack(START);
  expect(current()).toBe(START);
});

describe.skipIf(needSwitch)('two runs with different state folders', () => {
  it('the second is refused naming the first, and the machine ends on what it booted with', async () => {
    const [a, b] = [stateDir(), stateDir()];
    const first = cliChild(a, 100, ['compare', '--clocksources', `${START},${OTHER}`, ...QUICK]);
    const firstExit = waitExit(first);
    await waitMeasuring(first, OTHER);
    const second = await waitExit(cliChild(b, 1, ['compare', '--clocksources', START, ...QUICK]));
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`another clocklab run (pid ${first.pid}) is switching the clocksource`);
    expect(current()).toBe(OTHER);
    first.kill('SIGTERM');
    const r = await firstExit;
    expect(r.signal).toBe('SIGTERM');
    expect(current()).toBe(START);
    expect([...leftIn(a), ...leftIn(b)]).toEqual([]);
  });

  it('--current-only started while another run has switched says that run holds the switch', async () => {
    const [a, b] = [stateDir(), stateDir()];
    const first = cliChild(a, 100, ['compare', '--clocksources', `${START},${OTHER}`, ...QUICK]);
    const firstExit = waitExit(first);
    await waitMeasuring(first, OTHER);
    const second = await waitExit(cliChild(b, 1, ['compare', '--current-only', ...QUICK]));
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`another clocklab run (pid ${first.pid}) holds the clocksource switch`);
    expect(second.stderr).toContain(`'${OTHER}' is its temporary choice`);
    first.kill('SIGTERM');
    await firstExit;
    expect(current()).toBe(START);
    expect([...leftIn(a), ...leftIn(b)]).toEqual([]);
  });

  it('a clocksource changed under a run by someone else is reported as such, not blamed on the watchdog', async () => {
    const a = stateDir();
    const first = cliChild(a, 100, ['compare', '--clocksources', `${START},${OTHER}`, ...QUICK]);
    const firstExit = waitExit(first);
    await waitMeasuring(first, OTHER);
    // Another program writes current_clocksource without clocklab's lock.
    setClocksourceNow(START);
    const r = await firstExit;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`the clocksource changed to '${START}' while '${OTHER}' was being measured`);
    expect(r.stderr).toContain('something other than this run wrote current_clocksource');
    expect(r.stderr).not.toContain('watchdog');
    noStackTrace(r.stderr);
    expect(current()).toBe(START);
    expect(leftIn(a)).toEqual([]);
  });
});

describe.skipIf(needNamespace)('a state folder that cannot take the journal (tmpfs in a private mount namespace)', () => {
  const compare = ['compare', '--clocksources', `${START},${OTHER}`, ...QUICK];

  it('full: exit 3 with a clear message before anything is measured, nothing left', () => {
    // dd stops at ENOSPC: the 8 KiB tmpfs is full.
    const r = inTmpfs(8, 'dd if=/dev/zero of="$D/fill" bs=1024 count=64 2>/dev/null', compare);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot write the clocksource journal');
    expect(r.stderr).toContain('no space left');
    expect(r.stderr).not.toContain('MEASURING');
    noStackTrace(r.stderr);
    expect(r.left).toEqual([]);
    expect(current()).toBe(START);
  });

  it('one page free: the journal is written first, so the run either refuses at once or completes; here it completes', () => {
    const r = inTmpfs(8, 'dd if=/dev/zero of="$D/fill" bs=4096 count=1 2>/dev/null', compare);
    expect(r.stderr).not.toContain('ENOSPC');
    noStackTrace(r.stderr);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`MEASURING ${OTHER} `);
    expect(r.left).toEqual([]);
    expect(current()).toBe(START);
  });

  it('a folder where the journal goes: exit 3 naming it, no temporary file left', () => {
    const r = inTmpfs(64, 'mkdir "$D/clocksource.journal.json"', compare);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot write the clocksource journal');
    expect(r.stderr).toContain('is a folder');
    expect(r.stderr).not.toContain('MEASURING');
    noStackTrace(r.stderr);
    expect(r.left).toEqual(['clocksource.journal.json']);
    expect(current()).toBe(START);
  });
});

describe.skipIf(needNamespace)('a read-only sysfs (a read-only bind mount over clocksource0/ in a private mount namespace)', () => {
  const bind = `mount --bind ${CLOCKSOURCE_DIR} ${CLOCKSOURCE_DIR}`;

  it('before the start: root is told the file system is read-only, not that it needs root', async () => {
    const a = stateDir();
    const r = await waitExit(cliChild(a, 1, ['compare', '--clocksources', `${START},${OTHER}`, ...QUICK], `${bind} && mount -o remount,bind,ro ${CLOCKSOURCE_DIR}`));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('read-only file system');
    expect(r.stderr).toContain('container');
    expect(r.stderr).not.toContain('needs root');
    expect(current()).toBe(START);
    expect(leftIn(a)).toEqual([]);
  });

  it('while switched: exit 3 with the restore advice; a later restore puts it back and says the run died of an error', async () => {
    const a = stateDir();
    const child = cliChild(a, 100, ['compare', '--clocksources', `${START},${OTHER}`, ...QUICK], bind);
    const exit = waitExit(child);
    try {
      await waitMeasuring(child, OTHER);
      const ro = spawnSync('nsenter', ['-t', String(child.pid), '-m', 'mount', '-o', 'remount,bind,ro', CLOCKSOURCE_DIR], { encoding: 'utf8' });
      expect(ro.stderr).toBe('');
      const r = await exit;
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`could not restore the clocksource to '${START}'`);
      expect(r.stderr).toContain('sudo clocklab restore');
      noStackTrace(r.stderr);
      // The machine is still switched, and the journal says so.
      expect(current()).toBe(OTHER);
      expect(leftIn(a)).toEqual(['clocksource.journal.json']);
      const restore = runCli(['restore'], { env: { CLOCKLAB_STATE_DIR: a } });
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain('died of an error with the clocksource switched');
      expect(restore.stdout).not.toContain('killed');
      expect(restore.stdout).toContain(`restored the clocksource from '${OTHER}' to '${START}'`);
      expect(current()).toBe(START);
      expect(leftIn(a)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await exit;
      putBack(START);
    }
  });
});

describe('the state folder named by CLOCKLAB_STATE_DIR', () => {
  const saved = process.env['CLOCKLAB_STATE_DIR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['CLOCKLAB_STATE_DIR'];
    else process.env['CLOCKLAB_STATE_DIR'] = saved;
  });

  it('empty means the default, relative is refused', () => {
    process.env['CLOCKLAB_STATE_DIR'] = '';
    expect(defaultContext().stateDir).toBe(DEFAULT_STATE_DIR);
    process.env['CLOCKLAB_STATE_DIR'] = 'state';
    expect(() => defaultContext()).toThrow(UsageError);
    expect(() => defaultContext()).toThrow(/CLOCKLAB_STATE_DIR must be an absolute path/);
  });

  it('empty: `clocklab restore` never reads a journal in the folder it runs in', () => {
    const cwd = stateDir();
    writeFileSync(join(cwd, 'clocksource.journal.json'), '{"original": "kvm-clo');
    const r = runCli(['restore'], { cwd, env: { CLOCKLAB_STATE_DIR: '' } });
    expect(r.stdout + r.stderr).not.toContain('unreadable');
    expect(r.stdout + r.stderr).not.toContain('cannot use  for');
    expect(existsSync(join(cwd, 'clocksource.journal.json'))).toBe(true);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('relative: `clocklab restore` exits 2 and creates nothing', () => {
    const cwd = stateDir();
    const r = runCli(['restore'], { cwd, env: { CLOCKLAB_STATE_DIR: 'state' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("CLOCKLAB_STATE_DIR must be an absolute path, not 'state'");
    expect(readdirSync(cwd)).toEqual([]);
    rmSync(cwd, { recursive: true, force: true });
  });

  it.skipIf(needSwitch)('relative: compare exits 2 before switching and creates nothing', async () => {
    const cwd = stateDir();
    const child = spawn(process.execPath, ['--import', TSX, CLI_CHILD, '1', 'compare', '--clocksources', `${START},${OTHER}`, ...QUICK], {
      cwd,
      env: { ...process.env, CLOCKLAB_STATE_DIR: 'state', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await waitExit(child);
    expect(r.code).toBe(2);
    // Said once: by compare, not again by the start-up recovery.
    expect(r.stderr.split('CLOCKLAB_STATE_DIR must be an absolute path').length - 1).toBe(1);
    expect(r.stderr).not.toContain('MEASURING');
    expect(readdirSync(cwd)).toEqual([]);
    expect(current()).toBe(START);
    rmSync(cwd, { recursive: true, force: true });
  });
});

describe('a journal naming a clocksource this machine does not offer', () => {
  it.skipIf(needSwitch)('says so, and how to clear it', () => {
    const a = stateDir();
    const path = join(a, 'clocksource.journal.json');
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(path, JSON.stringify({ schema: 'clocklab/1', kind: 'clocksource-journal', original: 'hpet', bootId, pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' }));
    const r = runCli(['restore'], { env: { CLOCKLAB_STATE_DIR: a } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("'hpet' is not among the available clocksources");
    expect(r.stderr).toContain(`remove ${path}`);
    expect(current()).toBe(START);
    rmSync(a, { recursive: true, force: true });
  });
});

describe.skipIf(needSwitch)('a signal at the final restore', () => {
  it('is honoured: the clocksource is restored and the process dies of it', async () => {
    const a = stateDir();
    const child = spawn(process.execPath, ['--import', 'tsx', LATE_SIGNAL_CHILD, a, START, OTHER], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await waitExit(child);
    expect(r.signal).toBe('SIGTERM');
    expect(r.stdout).not.toContain('ALIVE');
    expect(current()).toBe(START);
    expect(leftIn(a)).toEqual([]);
  });
});


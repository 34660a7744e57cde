// clocksource.test.ts: does clocklab switch the clocksource only to names the
// kernel offers, only with the lock, journaled, and always switch back, even
// when killed? Runs on the real machine; every switch is put back in afterAll.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalPath } from '../src/clocksource/journal.js';
import { recoverJournal } from '../src/clocksource/recovery.js';
import { ClocksourceSwitcher } from '../src/clocksource/switcher.js';
import { defaultContext, parseClocksourceList, readAvailable } from '../src/clocksource/sysfs.js';
import { UnsupportedError, UsageError } from '../src/errors.js';
import { CLOCKSOURCE_DIR } from '../src/probes/clocksource.js';
import { overlaySource } from '../src/probes/source.js';
import { runCli } from './helpers/cli.js';
import { current, fingerprint, putBack, startChild, switchesLogged, tempStateDir, waitExit, waitMeasuring } from './helpers/clocksource.js';
import { unmet } from './helpers/needs.js';

const START = current();
const OTHER = readAvailable(defaultContext()).find((c) => c !== START) ?? START;
const needSwitch = unmet({ root: true, clocksources: ['tsc', 'kvm-clock'] });
/** The tests that also count the kernel's logged switches. */
const needSwitchLog = needSwitch ?? unmet({ dmesg: true });

afterAll(() => {
  putBack(START);
  expect(current()).toBe(START);
});

describe('names are checked before anything is written', () => {
  it('refuses a malformed list from the user with a UsageError', () => {
    for (const bad of ['', ',', 'tsc,,kvm-clock', 'tsc kvm-clock', 'a'.repeat(32), 'tsc;reboot']) {
      expect(() => parseClocksourceList(bad), JSON.stringify(bad)).toThrow(UsageError);
    }
    expect(parseClocksourceList(' tsc , kvm-clock,tsc')).toEqual(['tsc', 'kvm-clock']);
  });

  it.skipIf(needSwitchLog)('refuses an unknown name naming the available ones, and writes nothing', () => {
    const before = fingerprint();
    const logged = switchesLogged();
    const ctx = defaultContext({ stateDir: tempStateDir() });
    let err: unknown;
    try {
      ClocksourceSwitcher.open(['tsc', 'hpet-bogus'], ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(/no clocksource 'hpet-bogus'.*available: tsc, kvm-clock/);
    expect(fingerprint()).toEqual(before);
    expect(switchesLogged()).toBe(logged);
    expect(existsSync(journalPath(ctx))).toBe(false);
  });

  it.skipIf(needSwitchLog)('refuses to switch when available_clocksource is malformed, and writes nothing', () => {
    const before = fingerprint();
    const logged = switchesLogged();
    for (const text of ['', '   \n', 'tsc kvm-clock\u0000garbage', 'tsc k/vm']) {
      const source = overlaySource({ [join(CLOCKSOURCE_DIR, 'available_clocksource')]: text });
      const ctx = defaultContext({ stateDir: tempStateDir(), source });
      expect(() => ClocksourceSwitcher.open([START], ctx), JSON.stringify(text)).toThrow(/available_clocksource is malformed/);
      expect(() => ClocksourceSwitcher.open([START], ctx), JSON.stringify(text)).toThrow(UnsupportedError);
    }
    const gone = defaultContext({ source: overlaySource({ [join(CLOCKSOURCE_DIR, 'available_clocksource')]: null }) });
    expect(() => ClocksourceSwitcher.open([START], gone)).toThrow(UnsupportedError);
    expect(fingerprint()).toEqual(before);
    expect(switchesLogged()).toBe(logged);
  });

  it.skipIf(needSwitch)('the CLI exits 3 for an unknown name and 2 for a malformed list, writing nothing', () => {
    const before = fingerprint();
    const env = { CLOCKLAB_STATE_DIR: tempStateDir() };
    const unknown = runCli(['compare', '--clocksources', 'tsc,bogus'], { env });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no clocksource 'bogus' on this machine; available: tsc, kvm-clock/);
    const malformed = runCli(['compare', '--clocksources', 'tsc,,kvm-clock'], { env });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/malformed clocksource list/);
    expect(fingerprint()).toEqual(before);
  });
});

describe.skipIf(needSwitch)('switching', () => {
  it('journals at open, before anything is measured, confirms each switch, restores and removes the journal', () => {
    const ctx = defaultContext({ stateDir: tempStateDir() });
    const sw = ClocksourceSwitcher.open([START, OTHER], ctx);
    try {
      // Written at open: a state folder that cannot take it fails the run before any measuring (issue 17).
      expect(existsSync(journalPath(ctx))).toBe(true);
      expect(sw.switchTo(START)).toBeNull(); // already current: no write
      const ev = sw.switchTo(OTHER);
      expect(ev).toMatchObject({ from: START, to: OTHER });
      expect(current()).toBe(OTHER);
      const journal = JSON.parse(readFileSync(journalPath(ctx), 'utf8')) as Record<string, unknown>;
      expect(journal).toMatchObject({
        original: START,
        pid: process.pid,
        bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      });
    } finally {
      sw.close();
    }
    expect(current()).toBe(START);
    expect(existsSync(journalPath(ctx))).toBe(false);
  });

  it('refuses a second concurrent run with exit 3 and the first one\'s pid', async () => {
    const stateDir = tempStateDir();
    const first = startChild(stateDir, 100);
    const firstExit = waitExit(first);
    await waitMeasuring(first, START);
    const second = startChild(stateDir, 1);
    const r = await waitExit(second);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`another clocklab run (pid ${first.pid}) is switching the clocksource`);
    first.kill('SIGTERM');
    await firstExit;
    expect(current()).toBe(START);
  });

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`a compare killed with ${sig} mid-run restores before it exits`, async () => {
      const stateDir = tempStateDir();
      const child = startChild(stateDir, 20);
      const exit = waitExit(child);
      await waitMeasuring(child, OTHER);
      expect(current()).toBe(OTHER);
      expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(true);
      child.kill(sig);
      const r = await exit;
      // It dies of the signal (re-raised after restoring), and says what it did.
      expect(r.signal).toBe(sig);
      expect(r.stderr).toContain(`${sig}: clocksource restored to '${START}'`);
      expect(current()).toBe(START);
      expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
    });
  }

  it('a compare that dies of an uncaught exception restores before it exits', async () => {
    const stateDir = tempStateDir();
    const child = startChild(stateDir, 20, { crash: true });
    const exit = waitExit(child);
    const r = await exit;
    expect(r.stderr).toContain(`MEASURING ${OTHER} `);
    expect(r.stderr).toContain('crash outside any try');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`uncaught Error: clocksource restored to '${START}'`);
    expect(current()).toBe(START);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
  });

  it('a compare killed with SIGKILL leaves the journal; the next command restores it and says so', async () => {
    const stateDir = tempStateDir();
    const child = startChild(stateDir, 20);
    const exit = waitExit(child);
    await waitMeasuring(child, OTHER);
    child.kill('SIGKILL');
    const r = await exit;
    expect(r.signal).toBe('SIGKILL');
    try {
      expect(current()).toBe(OTHER);
      expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(true);
      const info = runCli(['info'], { env: { CLOCKLAB_STATE_DIR: stateDir } });
      expect(info.code).toBe(0);
      expect(info.stderr).toContain(`a clocklab run (pid ${child.pid}`);
      expect(info.stderr).toContain(`restored the clocksource from '${OTHER}' to '${START}'`);
      expect(info.stdout).toContain(`clocksource          ${START}`);
      expect(current()).toBe(START);
      expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
      // Said once: the next command has nothing to say.
      expect(runCli(['info'], { env: { CLOCKLAB_STATE_DIR: stateDir } }).stderr).toBe('');
    } finally {
      putBack(START);
    }
  });

  it('`clocklab restore` restores a journal left by a SIGKILL, then has nothing to do', async () => {
    const stateDir = tempStateDir();
    const child = startChild(stateDir, 20);
    const exit = waitExit(child);
    await waitMeasuring(child, OTHER);
    child.kill('SIGKILL');
    await exit;
    try {
      const r = runCli(['restore'], { env: { CLOCKLAB_STATE_DIR: stateDir } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`restored the clocksource from '${OTHER}' to '${START}'`);
      expect(current()).toBe(START);
      const again = runCli(['restore'], { env: { CLOCKLAB_STATE_DIR: stateDir } });
      expect(again.code).toBe(0);
      expect(again.stdout).toBe('nothing to restore: no clocksource journal\n');
    } finally {
      putBack(START);
    }
  });

  it('a journal of a run that is still alive is left alone by other commands', async () => {
    const stateDir = tempStateDir();
    const child = startChild(stateDir, 20);
    const exit = waitExit(child);
    await waitMeasuring(child, OTHER);
    const info = runCli(['info'], { env: { CLOCKLAB_STATE_DIR: stateDir } });
    expect(info.stderr).toBe('');
    expect(current()).toBe(OTHER);
    const restore = runCli(['restore'], { env: { CLOCKLAB_STATE_DIR: stateDir } });
    expect(restore.code).toBe(3);
    expect(restore.stderr).toContain(`a clocklab run (pid ${child.pid}) is switching the clocksource now`);
    child.kill('SIGTERM');
    await exit;
    expect(current()).toBe(START);
  });
});

describe('startup recovery without a live switch', () => {
  it('`clocklab restore` with no journal is a no-op that exits 0', () => {
    const before = fingerprint();
    const r = runCli(['restore'], { env: { CLOCKLAB_STATE_DIR: tempStateDir() } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nothing to restore: no clocksource journal\n');
    expect(fingerprint()).toEqual(before);
  });

  it.skipIf(needSwitchLog)('a journal from another boot is reported as stale and discarded, never applied', () => {
    const stateDir = tempStateDir();
    const journal = {
      schema: 'clocklab/1',
      kind: 'clocksource-journal',
      original: OTHER,
      bootId: '00000000-0000-4000-8000-000000000000',
      pid: 4242,
      startedAt: '2026-01-01T00:00:00.000Z',
    };
    writeFileSync(join(stateDir, 'clocksource.journal.json'), JSON.stringify(journal));
    const before = fingerprint();
    const logged = switchesLogged();
    const r = runCli(['info'], { env: { CLOCKLAB_STATE_DIR: stateDir } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('discarded a stale clocksource journal from another boot (boot id 00000000-0000-4000-8000-000000000000');
    expect(r.stderr).toContain('nothing was applied');
    expect(current()).toBe(START);
    expect(fingerprint()).toEqual(before);
    expect(switchesLogged()).toBe(logged);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
  });

  it.skipIf(needSwitch)('a journal of this boot that cannot be restored is kept, reported, and blocks a new switch', () => {
    const stateDir = tempStateDir();
    const path = join(stateDir, 'clocksource.journal.json');
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(path, JSON.stringify({ schema: 'clocklab/1', kind: 'clocksource-journal', original: 'hpet', bootId, pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' }));
    const before = fingerprint();
    expect(() => ClocksourceSwitcher.open([START, OTHER], defaultContext({ stateDir }))).toThrow(
      /pid 4242.*cannot be restored now: 'hpet' is not among the available clocksources/,
    );
    const info = runCli(['info'], { env: { CLOCKLAB_STATE_DIR: stateDir } });
    expect(info.code).toBe(0);
    expect(info.stderr).toContain("away from 'hpet', and it cannot be restored now");
    expect(existsSync(path)).toBe(true);
    expect(fingerprint()).toEqual(before);
  });

  it('an unreadable journal is reported and discarded, never applied', () => {
    const stateDir = tempStateDir();
    writeFileSync(join(stateDir, 'clocksource.journal.json'), '{"original": "kvm-clo');
    const before = fingerprint();
    const r = recoverJournal(defaultContext({ stateDir }));
    expect(r.kind).toBe('corrupt');
    expect(fingerprint()).toEqual(before);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
  });

  it.skipIf(unmet({ root: true }))('a non-root compare exits 3 saying root is needed, and writes nothing', async () => {
    const before = fingerprint();
    const stateDir = tempStateDir();
    const cli = runCli(['compare'], { env: { CLOCKLAB_STATE_DIR: stateDir }, uid: 65534, gid: 65534 });
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain('switching the clocksource needs root');
    // The CLI names the flag; the runner, called as a library, the option.
    expect(cli.stderr).toContain('use --current-only to measure');
    const child = startChild(stateDir, 1, { uid: 65534 });
    const r = await waitExit(child);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('switching the clocksource needs root');
    expect(r.stderr).toContain('not writable by uid 65534');
    expect(r.stderr).toContain('use currentOnly to measure');
    expect(fingerprint()).toEqual(before);
  });
});

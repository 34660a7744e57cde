// standin.test.ts: is the stand-in clocksource0 (test/helpers/standin.ts) what
// the switching tests of the `standin` project run on, and can it never let
// them write the real one? Mounts are made only in private mount namespaces
// that end with their command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLOCKSOURCE_DIR } from '../src/probes/clocksource.js';
import { CLI } from './helpers/cli.js';
import { fingerprint } from './helpers/clocksource.js';
import { skipping } from './helpers/needs.js';
import { clocksourceMounts, makeStandIn, MARKER, runOnStandIn, standInArgv, standInUnavailable, STANDIN_ENV } from './helpers/standin.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const D = CLOCKSOURCE_DIR;

/** A file a command would create if it ran. */
function sentinel(): string {
  return join(mkdtempSync(join(tmpdir(), 'clocklab-sentinel-')), 'ran');
}

describe.skipIf(skipping(standInUnavailable()))('the stand-in clocksource0', () => {
  it('is what a command in its namespace reads and writes at the real path; the host keeps the real one', () => {
    const before = fingerprint();
    const r = runOnStandIn(['sh', '-c', `cat ${D}/available_clocksource; printf tsc > ${D}/current_clocksource; cat ${D}/current_clocksource; grep -c " ${D} " /proc/self/mountinfo`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The kernel's format: each name followed by a space, then a newline.
    expect(r.stdout).toBe('tsc kvm-clock \ntsc1\n');
    expect(r.after).toBe('tsc');
    expect(fingerprint()).toEqual(before);
    expect(clocksourceMounts()).toEqual([]);
  });

  it('runs nothing when the mount fails', () => {
    const s = makeStandIn();
    s.remove();
    const ran = sentinel();
    const [cmd, args] = standInArgv(s, ['touch', ran]);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    expect(r.status).toBe(96);
    expect(existsSync(ran)).toBe(false);
  });

  it('runs nothing when the real path does not show the stand-in it was given', () => {
    // A mount that went elsewhere, or an older stand-in: the marker's token differs.
    const s = makeStandIn();
    try {
      const ran = sentinel();
      const [cmd, args] = standInArgv({ ...s, token: 'not-this-one' }, ['touch', ran]);
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      expect(r.status).toBe(97);
      expect(r.stderr).toContain('the stand-in is not what');
      expect(existsSync(ran)).toBe(false);
    } finally {
      s.remove();
    }
  });

  it('a stand-in worker that does not see its stand-in refuses to run (test/standin-env.ts)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/standin-env.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, [STANDIN_ENV]: 'a-token-no-marker-holds' },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`the stand-in is not mounted on ${D}`);
    expect(existsSync(join(D, MARKER))).toBe(false);
  });

  it('clocklab itself switches on it: compare names both of the pair and ends where it started', () => {
    // The pausing stand-in bench is not used here: the real CLI, the real
    // bench (it measures whatever the kernel uses), tiny counts.
    const before = fingerprint();
    const stateDir = mkdtempSync(join(tmpdir(), 'clocklab-state-'));
    const r = runOnStandIn([process.execPath, CLI, 'compare', '--clocksources', 'tsc,kvm-clock', '--methods', 'monotonic', '--loops', '10000', '--runs', '1', '--rounds', '1', '--json'], {
      env: { ...process.env, NO_COLOR: '1', CLOCKLAB_STATE_DIR: stateDir },
    });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { runs: Array<{ clocksourceDuring: string }>; restored: boolean };
    expect(result.runs.map((x) => x.clocksourceDuring).sort()).toEqual(['kvm-clock', 'tsc']);
    expect(result.restored).toBe(true);
    expect(r.after).toBe(r.before);
    expect(readFileSync(join(D, 'current_clocksource'), 'utf8')).toBe(before.text);
    expect(fingerprint()).toEqual(before);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
  });
});

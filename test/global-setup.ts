// global-setup.ts: the suite leaves the machine as it found it. Records the
// clocksource before any test and fails the run if it differs at the end;
// gives the run one temporary folder, which every test's temporary files,
// folders and readable copies of the checkout go under (TMPDIR, which
// os.tmpdir() and mktemp(1) read), and removes it at the end. Test processes
// are ended by the runner without always running their 'exit' handlers, so
// a per-test cleanup alone left copies of the checkout behind.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClocksources } from '../src/probes/clocksource.js';
import { clocksourceMounts } from './helpers/standin.js';

/** Set once the run's folder exists: vitest calls a global setup once for
 * the root config and once per project (vitest.config.ts has two), and only
 * the first makes the folder (nested ones made a path too long for
 * Chromium's socket, 108 bytes). */
const RUN_DIR_ENV = 'CLOCKLAB_TEST_RUN_DIR';

export default function setup(): () => void {
  if (process.env[RUN_DIR_ENV] !== undefined) return () => {};
  const before = readClocksources().current;
  const runDir = mkdtempSync(join(tmpdir(), 'clocklab-tests-'));
  // Others may pass through and write, with /tmp's sticky bit: tests that run
  // the CLI as another user read a copy of the checkout made in here
  // (test/helpers/readable.ts), and tsx, run as that user, makes its cache
  // folder (tsx-<uid>) in TMPDIR (with 0755 it failed: EACCES, exit 1).
  chmodSync(runDir, 0o1777);
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = runDir;
  process.env[RUN_DIR_ENV] = runDir;
  return () => {
    delete process.env[RUN_DIR_ENV];
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(runDir, { recursive: true, force: true });
    // The stand-in clocksource0 (test/helpers/standin.ts) is mounted only in
    // private namespaces: here, on the host, there must be no mount of it.
    const leaked = clocksourceMounts();
    if (leaked.length > 0) throw new Error(`a mount over clocksource0 is visible outside the tests' namespaces: ${leaked.join('; ')}`);
    const after = readClocksources().current;
    if (after !== before) {
      throw new Error(`the test suite left the clocksource at '${after}'; it started at '${before}'`);
    }
  };
}

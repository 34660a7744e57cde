import { defineConfig } from 'vitest/config';
import { standInPool } from './test/helpers/standin-pool.js';

/** The test files that switch clocksources: run again, in the `standin`
 * project, against a stand-in clocksource0 in a private mount namespace
 * (test/helpers/standin-pool.ts), so they run where the kernel offers one. */
const SWITCHING = ['test/clocksource.test.ts', 'test/compare.test.ts', 'test/compare-cli.test.ts', 'test/switch-faults.test.ts'];

export default defineConfig({
  test: {
    // A crash in native code kills one child process, not the runner.
    pool: 'forks',
    // Measurements share 2 CPUs: files run one at a time so they do not
    // disturb each other (and clocksource switches never overlap a bench).
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    // The JSON result is what .ci/run counts its closing line from.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
    // (include and setupFiles are given per project: `extends` would append
    // a project's arrays to the root's.)
    projects: [
      // Every file, against the real machine.
      { extends: true, test: { name: 'sysfs', include: ['test/**/*.test.ts'], setupFiles: ['test/plain-env.ts'] } },
      {
        extends: true,
        test: { name: 'standin', include: SWITCHING, pool: standInPool(), setupFiles: ['test/plain-env.ts', 'test/standin-env.ts'] },
      },
    ],
  },
});

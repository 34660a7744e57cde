import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A crash in native code kills one child process, not the runner.
    pool: 'forks',
    // Measurements share 2 CPUs: files run one at a time so they do not
    // disturb each other (and clocksource switches never overlap a bench).
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/plain-env.ts'],
    // The JSON result is what .ci/run counts its closing line from.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});

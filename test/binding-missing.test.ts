// Where the addon cannot load, importing the library still works (reports
// can be read and rendered anywhere), and each read throws the loader's own
// actionable error when called. The load really fails: node-gyp-build is
// pointed at an empty folder through CLOCKLAB_PREBUILD (the variable
// not-x86.test.ts uses to load another build), so it finds no addon, as on a
// machine where none was built and no prebuild fits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { warpResult } from './fixtures/results.js';

const empty = mkdtempSync(join(tmpdir(), 'clocklab-no-addon-'));
const saved = process.env['CLOCKLAB_PREBUILD'];
// Set before this file's first load of the addon (each test file has its own
// module graph, so no earlier load is cached here).
process.env['CLOCKLAB_PREBUILD'] = empty;
afterAll(() => {
  if (saved === undefined) delete process.env['CLOCKLAB_PREBUILD'];
  else process.env['CLOCKLAB_PREBUILD'] = saved;
  rmSync(empty, { recursive: true, force: true });
});

const LOAD_ERROR = /^the native addon could not be loaded \(No native build was found for platform=linux[\s\S]*loaded from: .*clocklab-no-addon-[\s\S]*npm install-scripts approve clocklab && npm rebuild clocklab`$/;

describe('the library without its addon', () => {
  it('imports, and every single read throws the load error', async () => {
    const p = await import('../src/primitives.js');
    const reads: Array<() => unknown> = [
      () => p.rdtsc(), () => p.rdtscp(), () => p.lfenceRdtsc(), () => p.mfenceRdtsc(),
      () => p.getcpu(), () => p.gettimeofday(), () => p.clockGettime('monotonic'), () => p.clockGettime(0),
    ];
    for (const read of reads) expect(read).toThrow(LOAD_ERROR);
  });

  it('still reads and renders a stored report', async () => {
    const api = await import('../src/index.js');
    const report = api.parseReport(JSON.stringify(warpResult(true)));
    expect(api.renderText(report)).toContain('monotonic');
    expect(api.renderMarkdown(report)).toMatch(/^## clocklab warp/);
    expect(() => api.info()).toThrow(LOAD_ERROR);
  });
});

describe('the CLI without its addon', () => {
  it.each(['info', 'bench', 'check'])('%s exits 3 with how to build it, said once, without a stack trace', (command) => {
    const r = runCli([command], { env: { CLOCKLAB_PREBUILD: empty } });
    expect(r.code).toBe(3);
    expect(r.stderr.split('the native addon could not be loaded').length - 1).toBe(1);
    expect(r.stderr).toContain('npm rebuild clocklab');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

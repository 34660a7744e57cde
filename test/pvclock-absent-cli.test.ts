// The CLI on a machine without the pvclock page: exit 3 and a message that
// says what was looked for and where. The maps text the locator reads is
// replaced by one without the mapping (the real parser and runner run on it);
// the mock is file-wide, hence its own file.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PIPED } from './helpers/cli.js';

vi.mock('../src/probes/vvar.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/probes/vvar.js')>();
  const { overlaySource } = await import('../src/probes/source.js');
  const { readFileSync } = await import('node:fs');
  const maps = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => !l.endsWith('[vvar_vclock]'))
    .join('\n');
  return {
    ...real,
    locatePvclockPage: (source: import('../src/probes/source.js').Source) => real.locatePvclockPage(overlaySource({ [real.MAPS_PATH]: maps }, source)),
  };
});

const { main } = await import('../src/cli/main.js');

describe('clocklab pvclock without the page', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('exits 3 naming [vvar_vclock] and /proc/self/maps; nothing on stdout', async () => {
    const err: string[] = [];
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    const code = await main(['node', 'clocklab', 'pvclock'], PIPED);
    vi.restoreAllMocks();
    expect(code).toBe(3);
    expect(err.join('')).toMatch(/^clocklab: no pvclock page: looked for \[vvar_vclock\] in \/proc\/self\/maps: kernel .* has no such mapping/);
    expect(out.join('')).toBe('');
  });

  it('clocklab info still runs and reports the page absent', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    const code = await main(['node', 'clocklab', 'info', '--json']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const r = JSON.parse(out.join('')) as { pvclock: { state: string; detail: string }; tscFrequency: { source: string } };
    expect(r.pvclock.state).toBe('absent');
    expect(r.pvclock.detail).toMatch(/looked for \[vvar_vclock\]/);
    expect(r.tscFrequency.source).not.toBe('pvclock');
  });
});

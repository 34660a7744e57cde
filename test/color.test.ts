// Colours are the CLI's decision, made from its flags, the environment and
// the terminal; reports rendered anywhere else are plain text. A CI runner
// that sets CI=true (and pipes stdout) must get plain text, which is what
// broke when picocolors decided on import.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { wantsColor } from '../src/cli/output.js';
import { methods, renderText } from '../src/api.js';
import { CLI, runCli } from './helpers/cli.js';

const ESC = /\x1b\[/;
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('wantsColor', () => {
  it.each([
    ['a pipe', undefined, {}, false, false],
    ['a terminal', undefined, {}, true, true],
    ['a terminal with TERM=dumb', undefined, { TERM: 'dumb' }, true, false],
    ['a terminal with NO_COLOR', undefined, { NO_COLOR: '1' }, true, false],
    ['a pipe with FORCE_COLOR=1', undefined, { FORCE_COLOR: '1' }, false, true],
    ['a terminal with FORCE_COLOR=0', undefined, { FORCE_COLOR: '0' }, true, false],
    ['NO_COLOR over FORCE_COLOR', undefined, { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    ['a pipe in CI', undefined, { CI: 'true' }, false, false],
    ['--color over NO_COLOR', true, { NO_COLOR: '1' }, false, true],
    ['--no-color over FORCE_COLOR on a terminal', false, { FORCE_COLOR: '1' }, true, false],
  ] as const)('%s', (_name, flag, env, isTTY, expected) => {
    expect(wantsColor(flag, env, { isTTY })).toBe(expected);
  });
});

describe('the CLI', () => {
  // Node leaves out env entries whose value is undefined: both are unset.
  const plainEnv = { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: 'true' };

  it('prints plain text to a pipe, in CI too', () => {
    const r = runCli(['methods'], { env: plainEnv });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rdtscp/);
    expect(r.stdout).not.toMatch(ESC);
  });

  it('colours a pipe with --color or FORCE_COLOR=1, and --no-color wins over FORCE_COLOR', () => {
    const plain = runCli(['methods'], { env: plainEnv }).stdout;
    const flagged = runCli(['methods', '--color'], { env: plainEnv }).stdout;
    expect(flagged).toMatch(ESC);
    expect(strip(flagged)).toBe(plain);
    expect(runCli(['--color', 'methods'], { env: plainEnv }).stdout).toMatch(ESC);
    expect(runCli(['methods'], { env: { ...plainEnv, FORCE_COLOR: '1' } }).stdout).toMatch(ESC);
    expect(runCli(['methods', '--no-color'], { env: { ...plainEnv, FORCE_COLOR: '1' } }).stdout).not.toMatch(ESC);
  });

  // script(1) runs the CLI on a pseudo-terminal; where there is none to be had, say so.
  const tty = spawnSync('script', ['-qec', 'test -t 1', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const script = tty.status === 0 ? null : 'needs util-linux script(1) and a pseudo-terminal';
  if (script) process.stderr.write(`[SKIP] ${script}\n`);
  it.skipIf(script)('colours a terminal, and not with NO_COLOR or TERM=dumb', () => {
    const onTty = (env: Record<string, string>): string =>
      String(spawnSync('script', ['-qec', `${process.execPath} ${CLI} methods`, '/dev/null'], {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm', ...env },
      }).stdout);
    expect(onTty({})).toMatch(ESC);
    expect(onTty({ NO_COLOR: '1' })).not.toMatch(ESC);
    expect(onTty({ TERM: 'dumb' })).not.toMatch(ESC);
  });
});

describe('renderText', () => {
  it('is plain whatever the environment says, and coloured when asked', () => {
    const saved = process.env['FORCE_COLOR'];
    process.env['FORCE_COLOR'] = '1';
    try {
      const m = methods();
      const plain = renderText(m);
      expect(plain).not.toMatch(ESC);
      const coloured = renderText(m, { color: true });
      expect(coloured).toMatch(ESC);
      expect(strip(coloured)).toBe(plain);
      expect(renderText(m)).toBe(plain); // the choice does not outlive the call
    } finally {
      if (saved === undefined) delete process.env['FORCE_COLOR'];
      else process.env['FORCE_COLOR'] = saved;
    }
  });
});

// npx.test.ts: `clocklab --help` through npx, as the README shows it, from
// the checkout: npx finds this package's own bin and fetches nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const npx = (args: string[]) => spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });

describe('npx clocklab, from the checkout', () => {
  for (const args of [['clocklab', '--help'], ['--no-install', 'clocklab', '--help'], ['--no', 'clocklab', 'bench', '--help']]) {
    it(`npx ${args.join(' ')} prints clocklab's help, not npm's`, () => {
      const r = npx(args);
      expect(r.status, r.stderr).toBe(0);
      const command = args.includes('bench') ? 'clocklab bench' : 'clocklab';
      expect(r.stdout).toMatch(new RegExp(`^Usage: ${command} \\[options\\]`, 'm'));
      expect(r.stdout).not.toMatch(/npm exec/);
    });
  }
});

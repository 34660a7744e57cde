// A build for a CPU that is not x86: the addon compiles with every x86 path
// left out (-DCLOCKLAB_X86=0, native/tsc.h), the x86 primitives throw
// "not x86", and `clocklab info` exits 3. Built here on x86 from the same
// sources; node-gyp-build loads it through CLOCKLAB_PREBUILD.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/paths.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'clocklab-not-x86-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  cpSync(join(packageRoot(), 'native'), join(dir, 'native'), { recursive: true });
  const gyp = JSON.parse(readFileSync(join(packageRoot(), 'binding.gyp'), 'utf8')) as { targets: Array<{ defines: string[]; dependencies: string[] }> };
  const target = gyp.targets[0];
  if (!target) throw new Error('binding.gyp has no target');
  target.defines.push('CLOCKLAB_X86=0');
  // node-addon-api's gyp file, found from the package root rather than the copy.
  target.dependencies = target.dependencies.map((d) => d.replace("require('node-addon-api')", `require('${join(packageRoot(), 'node_modules', 'node-addon-api')}')`));
  writeFileSync(join(dir, 'binding.gyp'), JSON.stringify(gyp));
  // node-gyp run directly does not read .npmrc: give it this Node's own headers
  // (packaging-notes: <prefix>/include/node), so nothing is downloaded.
  const nodedir = process.env['npm_config_nodedir'] ?? dirname(dirname(process.execPath));
  const nodeGyp = join(packageRoot(), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  execFileSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`], { cwd: dir, stdio: 'ignore' });
}, 300_000);

describe('a build without x86', () => {
  it('compiles, says it is not x86, and `clocklab info` exits 3', () => {
    const env = { CLOCKLAB_PREBUILD: dir };
    const probe = execFileSync(
      process.execPath,
      ['-e', `const b = require(${JSON.stringify(join(dir, 'build', 'Release', 'clocklab.node'))}); try { b.rdtscp(); } catch (e) { console.log(b.isX86, e.code, e.message); }`],
      { encoding: 'utf8' },
    );
    expect(probe.trim()).toBe('false ERR_CLOCKLAB_NOT_X86 rdtscp needs an x86 CPU: this is not x86');
    const info = runCli(['info'], { env });
    expect(info.code).toBe(3);
    expect(info.stderr).toMatch(/clocklab needs an x86 CPU/);
  });
});

// The package a user installs: what the tarball holds, that it installs and
// runs from the prebuild where no compiler is on PATH, and that it builds
// from source where no prebuild fits.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/paths.js';
import { CLI } from './helpers/cli.js';
import { skipping } from './helpers/needs.js';

const work = mkdtempSync(join(tmpdir(), 'clocklab-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Where node-gyp finds Node's headers: npm's setting, else the running
 * Node's own (<prefix>/include/node), so nothing is downloaded. */
const nodedir = process.env['npm_config_nodedir'] ?? dirname(dirname(process.execPath));
const noHeaders = skipping(existsSync(join(nodedir, 'include', 'node', 'node.h')) ? null : `needs Node's headers for node-gyp (${nodedir}/include/node/node.h; set npm_config_nodedir)`);
/** npm and node-gyp as any user may run them: node-gyp's dev dir (under
 * XDG_CACHE_HOME, else ~/.cache/node-gyp, which may be another user's:
 * EACCES) in this test's own folder. */
const npmEnv = { ...process.env, XDG_CACHE_HOME: join(work, 'cache'), npm_config_nodedir: nodedir };

/** A copy of the tracked tree, so packing (which builds and moves the addon
 * into prebuilds/) never touches the checkout the other tests use. */
function stage(name: string): string {
  const dir = join(work, name);
  const files = execFileSync('git', ['ls-files'], { cwd: packageRoot(), encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(packageRoot(), f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(packageRoot(), f), join(dir, f));
  }
  symlinkSync(join(packageRoot(), 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function pack(dir: string, ignoreScripts: boolean): string {
  const args = ['pack', '--pack-destination', dir, ...(ignoreScripts ? ['--ignore-scripts'] : [])];
  const out = execFileSync('npm', args, { cwd: dir, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tgz = out.trim().split('\n').pop() ?? '';
  return join(dir, tgz);
}

/** A PATH holding node, npm, npx and a shell, and no compiler or make. */
function bareBin(): string {
  const bin = join(work, 'bare-bin');
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  for (const tool of ['node', 'npm', 'npx', 'sh', 'env', 'uname']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, join(bin, tool));
  }
  return bin;
}

let sourceTgz: string | undefined;
/** A tarball with dist/ but no prebuilds/: no prebuild fits anywhere. */
function sourceTarball(): string {
  if (sourceTgz) return sourceTgz;
  const dir = stage('source');
  execFileSync('npm', ['run', 'build'], { cwd: dir, env: npmEnv, stdio: 'ignore' });
  sourceTgz = pack(dir, true);
  return sourceTgz;
}

function consumer(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }));
  return dir;
}

describe('the bin', () => {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { bin: Record<string, string>; exports: Record<string, unknown> };
  /** What a bundle imports: `import ... from "x"` at the start of a line. */
  const importsOf = (file: string): string[] =>
    [...readFileSync(file, 'utf8').matchAll(/^import\s[^;]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1] ?? '');

  it('is the CLI bundle that `npm run build` writes, one file with its worker bundle beside it, importing only Node built-ins', () => {
    expect(pkg.bin).toEqual({ clocklab: './dist/bin/clocklab.js' });
    expect(CLI).toBe(join(packageRoot(), 'dist', 'bin', 'clocklab.js'));
    for (const file of ['clocklab.js', 'warp-worker.js']) {
      const imports = importsOf(join(packageRoot(), 'dist', 'bin', file));
      expect(imports.length, file).toBeGreaterThan(0);
      expect(imports.filter((i) => !i.startsWith('node:')), file).toEqual([]);
    }
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // The library door stays tsc's output.
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  });
});

describe.skipIf(noHeaders)('npm pack', () => {
  let listing: string[] = [];
  beforeAll(() => {
    const dir = stage('listing');
    execFileSync('npm', ['run', 'build'], { cwd: dir, env: npmEnv, stdio: 'ignore' });
    execFileSync('npm', ['run', 'prebuildify'], { cwd: dir, env: npmEnv, stdio: 'ignore' });
    const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, env: npmEnv, encoding: 'utf8' });
    listing = (JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
  }, 180_000);

  it('holds dist/, the prebuilt addon, binding.gyp and native/, the schema, README and LICENSE, and nothing else', () => {
    const top = new Set(listing.map((p) => (p.includes('/') ? `${p.split('/')[0]}/` : p)));
    for (const must of ['dist/', 'native/', 'prebuilds/', 'binding.gyp', 'README.md', 'LICENSE', 'package.json']) {
      expect(top, must).toContain(must);
    }
    const allowed = new Set(['dist/', 'native/', 'prebuilds/', 'schema/', 'binding.gyp', 'README.md', 'LICENSE', 'package.json']);
    expect([...top].filter((t) => !allowed.has(t))).toEqual([]);
    expect(listing).toContain('prebuilds/linux-x64/clocklab.node');
    expect(listing).toContain('dist/bin/clocklab.js');
    expect(listing).toContain('dist/bin/warp-worker.js');
    expect(listing).toContain('native/addon.cc');
    expect(listing.filter((p) => p.endsWith('.map'))).toEqual([]);
  });
});

describe.skipIf(noHeaders)('installing the tarball', () => {
  it('runs `npx clocklab info` from the prebuild with no compiler on PATH', () => {
    const dir = stage('prebuilt');
    const tgz = pack(dir, false);
    const app = consumer('no-compiler');
    const env = { ...npmEnv, PATH: bareBin() };
    expect(spawnSync('sh', ['-c', 'command -v g++ || command -v cc || command -v make'], { env }).status).not.toBe(0);
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', tgz], { cwd: app, env, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    expect(readdirSync(join(app, 'node_modules', 'clocklab', 'prebuilds', 'linux-x64'))).toContain('clocklab.node');
    expect(existsSync(join(app, 'node_modules', 'clocklab', 'build'))).toBe(false);
    const run = spawnSync('npx', ['--no', 'clocklab', 'info', '--json'], { cwd: app, env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { command: string }).command).toBe('info');
    // The installed bin is the bundle, and it runs what a fleet's timer runs:
    // the light check (its warp, the addon, the prom writer) from node_modules.
    const installed = join(app, 'node_modules', 'clocklab');
    expect(realpathSync(join(app, 'node_modules', '.bin', 'clocklab'))).toBe(realpathSync(join(installed, 'dist', 'bin', 'clocklab.js')));
    const prom = join(app, 'clocklab.prom');
    // PREBUILDS_ONLY: node-gyp-build may load nothing but prebuilds/ (there is no build/ here anyway).
    const light = spawnSync('npx', ['--no', 'clocklab', 'check', '--light', '--prom', prom], { cwd: app, env: { ...env, PREBUILDS_ONLY: '1' }, encoding: 'utf8' });
    expect([0, 1], light.stderr).toContain(light.status);
    expect(light.stdout).toMatch(/^\[OK\] {3}warp /m);
    expect(readFileSync(prom, 'utf8')).toMatch(/^clocklab_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
    const warp = spawnSync('npx', ['--no', 'clocklab', 'warp', '--duration', '0.05', '--json'], { cwd: app, env, encoding: 'utf8' });
    expect(warp.status, warp.stderr).toBe(0);
  }, 300_000);

  it('without a prebuild, builds from source with node-gyp on install', () => {
    const app = consumer('from-source');
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', sourceTarball()], { cwd: app, env: npmEnv, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    expect(existsSync(join(app, 'node_modules', 'clocklab', 'build', 'Release', 'clocklab.node'))).toBe(true);
    const run = spawnSync('npx', ['--no', 'clocklab', 'info', '--json'], { cwd: app, env: npmEnv, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  }, 300_000);

  it('where install scripts were blocked, says how to build, and `npm rebuild` then works', () => {
    const app = consumer('scripts-blocked');
    const install = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', sourceTarball()], { cwd: app, env: npmEnv, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const before = spawnSync('npx', ['--no', 'clocklab', 'info'], { cwd: app, env: npmEnv, encoding: 'utf8' });
    expect(before.status).not.toBe(0);
    expect(before.stderr).toMatch(/npm install-scripts approve clocklab && npm rebuild clocklab/);
    const rebuild = spawnSync('npm', ['rebuild', 'clocklab'], { cwd: app, env: npmEnv, encoding: 'utf8' });
    expect(rebuild.status, rebuild.stderr).toBe(0);
    const after = spawnSync('npx', ['--no', 'clocklab', 'info', '--json'], { cwd: app, env: npmEnv, encoding: 'utf8' });
    expect(after.status, after.stderr).toBe(0);
}, 300_000);
});

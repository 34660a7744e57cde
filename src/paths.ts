// paths.ts: where is the clocklab package this code runs from, and which files
// does it open at run time (package.json, the addon, the warp worker, its
// dependencies)?
//
// One answer for every layout the code runs in: tsc's dist/ tree (one module
// a file, at several depths), the CLI bundle (dist/bin/clocklab.js, every
// module in one file) and src/ under vitest. A module's own import.meta.url
// only says where that module sits, so each path here starts from the package
// root: the nearest folder above this code whose package.json is clocklab's.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Set to true by the bundler (scripts/bundle.mjs, esbuild's `define`) in the
// CLI bundle and its worker bundle; an unbound name everywhere else.
declare const CLOCKLAB_BUNDLED: boolean | undefined;

interface Package {
  root: string;
  version: string;
}

let found: Package | undefined;

function findPackage(): Package {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    let text: string | null = null;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      // No package.json here: go on up.
    }
    if (text !== null) {
      const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (pkg.name === 'clocklab' && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
    }
    if (dirname(dir) === dir) throw new Error(`no clocklab package.json in any folder above ${here}`);
  }
}

function pkg(): Package {
  found ??= findPackage();
  return found;
}

/** The package's folder (holding package.json, dist/, build/, prebuilds/). */
export function packageRoot(): string {
  return pkg().root;
}

/** The version in the package's package.json. */
export function packageVersion(): string {
  return pkg().version;
}

/** require() resolving from the package root: its dependencies (node-gyp-build,
 * prom-client, chart.js) are found in the same node_modules from every layout. */
export function packageRequire(id: string): unknown {
  return createRequire(join(packageRoot(), 'package.json'))(id);
}

/** Where `id` (a dependency's file) is, resolved from the package root. */
export function resolveFromPackage(id: string): string {
  return createRequire(join(packageRoot(), 'package.json')).resolve(id);
}

/** Whether this code runs from the CLI bundle. */
export const BUNDLED: boolean = typeof CLOCKLAB_BUNDLED !== 'undefined' && CLOCKLAB_BUNDLED;

/** The warp worker's entry: the bundled one beside the CLI bundle, else tsc's
 * compiled dist/runners/warp-worker.js (under vitest too: a .ts file cannot
 * be a worker there, and `npm test` builds dist/ first). */
export function warpWorkerUrl(): URL {
  return pathToFileURL(join(packageRoot(), 'dist', ...(BUNDLED ? ['bin', 'warp-worker.js'] : ['runners', 'warp-worker.js'])));
}

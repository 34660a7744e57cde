// bundle.mjs: what does the `clocklab` executable run? One ESM file,
// dist/bin/clocklab.js, holding the CLI and every module it imports, and the
// warp worker's own bundle beside it (dist/bin/warp-worker.js). Node's ESM
// loader pays per file (resolve, read, compile, link): over tsc's ~150 files
// that was most of a `check --light` run's start-up (README, Fleets). The
// library (`exports`: dist/index.js and its .d.ts) stays tsc's output.
//
// Run by `npm run build` after tsc. Left out of the bundle, and required from
// the package's node_modules at run time: node-gyp-build (CommonJS with a
// dynamic require of the addon), prom-client and chart.js (resolved through
// src/paths.ts's packageRequire, so esbuild never sees them).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The bundled CommonJS dependencies (commander, cli-table3, cli-progress)
// call require() for Node's built-ins; an ES module has none of its own.
const banner = "import { createRequire as __clocklabCreateRequire } from 'node:module';\nconst require = __clocklabCreateRequire(import.meta.url);";

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // Not minified: a stack trace from the bin names the real functions, and
  // the file reads as the sources it came from (each module under a comment
  // naming its path). Minifying saved no measurable CPU (the note for issue 14).
  minify: false,
  legalComments: 'inline',
  banner: { js: banner },
  define: { CLOCKLAB_BUNDLED: 'true' },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/bin/clocklab.js' });
await build({ ...common, entryPoints: ['src/runners/warp-worker.ts'], outfile: 'dist/bin/warp-worker.js' });
chmodSync(join(root, 'dist', 'bin', 'clocklab.js'), 0o755);

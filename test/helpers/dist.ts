// dist.ts: loads a module from the compiled dist/ tree, typed as its source.
// Worker-based runners start dist/runners/warp-worker.js; under vitest a .ts
// worker cannot load (packaging-notes §2.4), so tests that start workers run
// the compiled code (`pretest` builds it) while the types come from src/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `fromDist<typeof import('../../src/runners/warp.js')>('runners/warp.js')` */
export async function fromDist<T>(path: string): Promise<T> {
  const url = new URL(`../../dist/${path}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`dist/${path} is missing: run \`npm run build\` first (npm test does)`);
  return (await import(url.href)) as T;
}

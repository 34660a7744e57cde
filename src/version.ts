// version.ts: which clocklab is this? The version in package.json, for
// --version and the metrics' clocklab_build_info.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './native/binding.js';

let cached: string | undefined;

export function clocklabVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}

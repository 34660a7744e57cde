// readme.test.ts: do the README's library examples still run, type-check and
// print what they say they print? Every ```ts block of the "Library API"
// section is written to a temporary .mts file with `from 'clocklab'` pointed
// at the built dist/index.js, type-checked once with tsc against dist's
// declarations, and run on its own with `node --import tsx`. A `// → line`
// comment in a block is a line it must print: numbers may differ, and `…`
// stands for any text.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INDEX = join(ROOT, 'dist', 'index.js');

/** The ```ts blocks between `## Library API` and the next level-2 heading. */
export function libraryExamples(readme: string): string[] {
  const start = readme.indexOf('\n## Library API\n');
  if (start < 0) throw new Error('README.md has no "## Library API" section');
  const rest = readme.slice(start + 1);
  const next = rest.indexOf('\n## ', 3);
  const section = next < 0 ? rest : rest.slice(0, next);
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

/** A `// → sample` line as a pattern: numbers match any number, `…` any text. */
export function expectedLine(sample: string): RegExp {
  const parts = sample.split(/(…|-?\d+(?:\.\d+)?)/);
  const src = parts
    .map((p) => (p === '…' ? '.+' : /^-?\d+(\.\d+)?$/.test(p) ? '-?[\\d.]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}$`, 'm');
}

const examples = libraryExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'clocklab-readme-'));
const files = examples.map((code, i) => {
  const file = join(dir, `example-${i + 1}.mts`);
  writeFileSync(file, code.replaceAll("from 'clocklab'", `from ${JSON.stringify(INDEX)}`));
  return file;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README "Library API" examples', () => {
  it('has an example for every runner and report function', () => {
    const all = examples.join('\n');
    for (const name of ['bench', 'warp', 'compare', 'check', 'pvclock', 'info', 'methods', 'assertPassed', 'renderText', 'renderMarkdown', 'renderJunit', 'renderHtml', 'parseReport']) {
      expect(all, name).toMatch(new RegExp(`\\b${name}\\(`));
    }
    // Quick and harmless: short runs, and compare never switches the clocksource.
    expect(all).not.toMatch(/compare\(\{(?![^}]*currentOnly: true)/);
  });

  it('type-check against dist/index.d.ts', () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: files,
      }),
    );
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(files.map((file, i) => [i + 1, file, examples[i] ?? ''] as const))('example %i runs and prints what it says', (_n, file, code) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const wanted = [...code.matchAll(/^\/\/ → (.*)$/gm)].map((m) => m[1] ?? '');
    for (const w of wanted) expect(r.stdout).toMatch(expectedLine(w));
  });
});

// readme.test.ts: do the README's library examples still run, type-check and
// print what they say they print? Every ```ts block of the "Library API"
// section is written to a temporary .mts file with `from 'clocklab'` pointed
// at the built dist/index.js, type-checked once with tsc against dist's
// declarations, and run on its own with `node --import tsx`. A `// → line`
// comment in a block is a line it must print: numbers may differ, and `…`
// stands for some text between words the line must have.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBinding } from '../src/native/binding.js';
import { openPvclockPage } from '../src/probes/pvclock.js';

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

/** A `// → sample` line as a pattern: numbers match any number, `…` some
 * text (never a line break). A sample must say something of its own: one
 * that is only `…`, numbers and punctuation would match any line, so it is
 * refused. */
export function expectedLine(sample: string): RegExp {
  const parts = sample.split(/(…|-?\d+(?:\.\d+)?)/);
  const fixed = parts.filter((p) => p !== '…' && !/^-?\d+(\.\d+)?$/.test(p)).join('');
  if (!/[A-Za-z]/.test(fixed)) throw new Error(`the sample '${sample}' has no words of its own, so it would match any line`);
  const src = parts
    .map((p) => (p === '…' ? '[^\\n]+?' : /^-?\d+(\.\d+)?$/.test(p) ? '-?[\\d.]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}$`, 'm');
}

/** Why an example cannot print its sample here, or null: the pvclock
 * block's sample is a KVM guest's, with the page mapped. */
function exampleNeeds(code: string): string | null {
  if (!/\bpvclock\(/.test(code)) return null;
  const page = openPvclockPage(loadBinding());
  return page.state === 'readable' ? null : `its sample needs a readable pvclock page (${page.state})`;
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

  it('a sample line that is only `…` is refused; `…` stands for text, never nothing or a line break', () => {
    expect(() => expectedLine('…')).toThrow(/no words of its own/);
    expect(() => expectedLine('… 12 …')).toThrow(/no words of its own/);
    const re = expectedLine('verdict: …');
    expect('verdict: passed').toMatch(re);
    expect('verdict: ').not.toMatch(re);
    expect('anything at all').not.toMatch(re);
    expect('stopped: enough, 7 ms after the start').toMatch(expectedLine('stopped: enough, 214 ms after the start'));
    expect('2 vCPU records, 1 torn reads').toMatch(expectedLine('2 vCPU records, 0 torn reads'));
    expect('no pvclock page: not a KVM guest').not.toMatch(expectedLine('2 vCPU records, 0 torn reads'));
  });

  it.for(files.map((file, i) => [i + 1, file, examples[i] ?? ''] as const))('example %i runs and prints what it says', ([n, file, code], ctx) => {
    const why = exampleNeeds(code);
    if (why) {
      process.stderr.write(`[SKIP] example ${n}: ${why}\n`);
      ctx.skip(why);
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const wanted = [...code.matchAll(/^\/\/ → (.*)$/gm)].map((m) => m[1] ?? '');
    for (const w of wanted) expect(r.stdout).toMatch(expectedLine(w));
  });
});

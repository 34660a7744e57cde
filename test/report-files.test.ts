// report-files.test.ts: does `--out DIR` write all four files, each of them
// well-formed, from the built CLI as a user runs it?
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { noXmllint, validateXml } from './helpers/xml.js';

const schema: unknown = JSON.parse(readFileSync(new URL('../schema/report.schema.json', import.meta.url), 'utf8'));

describe('clocklab info --out DIR', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'clocklab-out-')), 'new', 'dir');
  const run = runCli(['info', '--out', out]);

  it('exits 0 and writes the four files', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
  });

  it('report.json validates against the shipped schema', () => {
    const validate = new Ajv2020({ strict: false }).compile(schema as object);
    const ok = validate(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('summary.md starts with the verdict and has the tables', () => {
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('## clocklab info: ℹ️ no checks (information only)');
    expect(md).toContain('### Machine');
    expect(md).toMatch(/\| clocksource \| (tsc|kvm-clock|hpet|acpi_pm)/);
  });

  it('junit.xml parses', () => {
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(doc.testsuites.testsuite.name).toBe('clocklab info');
  });

  it.skipIf(noXmllint())('junit.xml validates against the JUnit XSD', () => {
    expect(validateXml(join(out, 'junit.xml'))).toMatchObject({ ok: true });
  });

  it('report.html is one file with the verdict and no external reference', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<span class="verdict info">info</span>');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
  });
});

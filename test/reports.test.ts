// reports.test.ts: are the report files right for any result? The pure
// renderers on small fixture results: summary.md and junit.xml as inline
// snapshots, junit.xml against the JUnit XSD, report.html's structure, and
// the shipped JSON Schema against the zod schemas and fixture results.
import { modelFor } from './helpers/model.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { compareToBaseline } from '../src/regression/decide.js';
import { chartJsSource } from '../src/reports/chart-js.js';
import { CSP, renderHtml } from '../src/reports/html.js';
import { renderJunit } from '../src/reports/junit.js';
import { renderMarkdown } from '../src/reports/markdown.js';
import { reportJsonSchemaText } from '../src/results/report.js';
import { benchResult, checkResult, infoResult, warpResult } from './fixtures/results.js';
import { noXmllint, validateXml } from './helpers/xml.js';

const tmp = mkdtempSync(join(tmpdir(), 'clocklab-reports-'));
const SCHEMA_FILE = new URL('../schema/report.schema.json', import.meta.url);

/** A bench run against a baseline where rdtsc was twice as fast and the
 * clocksource was kvm-clock: one regression, one warning. */
function gatedBench() {
  const run = benchResult({ rdtsc: 9.5, monotonic: 28 });
  const baseline = benchResult({ rdtsc: 4.75, monotonic: 28, boottime: 30 }, { clocksources: { available: ['tsc', 'kvm-clock'], current: 'kvm-clock' } });
  return { ...run, gate: compareToBaseline(baseline, run, 10, 'baseline/report.json') };
}

describe('the JSON Schema', () => {
  const schema: unknown = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema as object);

  it('committed schema/report.schema.json is what the build generates', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(reportJsonSchemaText());
  });

  it('is draft 2020-12, one branch per command', () => {
    const s = schema as { $schema: string; oneOf: Array<{ properties: { command: { const: string } } }> };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.oneOf.map((b) => b.properties.command.const)).toEqual(['info', 'bench', 'warp', 'check', 'compare', 'pvclock', 'order', 'tsc']);
  });

  it.each([
    ['info', infoResult],
    ['bench', benchResult()],
    ['bench with a gate', gatedBench()],
    ['warp', warpResult(true)],
    ['check', checkResult()],
  ])('a %s result validates', (_name, result) => {
    const ok = validate(JSON.parse(JSON.stringify(result)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects what is not a report', () => {
    const broken = { ...benchResult(), schema: 'clocklab/2' };
    expect(validate(broken)).toBe(false);
    const { machine: _dropped, ...noMachine } = warpResult();
    expect(validate(noMachine)).toBe(false);
    expect(validate({ ...warpResult(), command: 'nope' })).toBe(false);
  });
});

describe('summary.md', () => {
  it('puts the verdict first, then checks and tables', () => {
    const md = renderMarkdown(modelFor(gatedBench()));
    expect(md.split('\n')[0]).toBe('## clocklab bench: ❌ failed');
    expect(md).toContain('> [!WARNING]\n> the baseline ran with clocksource kvm-clock, this run with tsc');
    expect(md).toContain('| regression rdtsc | ❌ failed | rdtsc regressed: median 9.50 ns/loop against baseline 4.75 ns/loop (+100.0% [+86.7, +114.3], bar 21.1%) |');
    expect(md.indexOf('### Checks')).toBeLessThan(md.indexOf('### ns/loop per method'));
  });

  it('a warp run, inline snapshot', () => {
    expect(renderMarkdown(modelFor(warpResult(true)))).toMatchInlineSnapshot(`
      "## clocklab warp: ❌ failed

      A clock that must be monotonic went backwards: monotonic.

      ### Checks: 2 passed, 1 failed, 0 skipped

      | check | status | figures |
      | --- | --- | --- |
      | warp monotonic | ❌ failed | monotonic (monotonic) went backwards: 4000000 reads on CPUs 0,1 in 2.0 s, 3 warps; largest 1843 ns cpu 1 -> cpu 0: 123456789012 then 123456787169 |
      | warp rdtsc | ✅ passed | rdtsc warped, which its contract (unordered) allows: 4000000 reads on CPUs 0,1 in 2.0 s, 12 warps |
      | warp rdtscp | ✅ passed | rdtscp held: 4000000 reads on CPUs 0,1 in 2.0 s, 0 warps |

      ### Warps per method

      Every CPU of 0,1 read each method under a shared lock for 2 s; a warp is a read lower than the last one stored by any CPU.

      | method | contract | reads | reads/s | reads per CPU | warps | largest warp | CPU pair | verdict |
      | --- | --- | ---: | ---: | --- | ---: | ---: | --- | --- |
      | rdtsc | unordered | 4,000,000 | 2,000,000 | 0: 2,000,000, 1: 2,000,000 | 12 | 1843 cycles (753.8 ns) | 1 -> 0 | finding |
      | rdtscp | monotonic | 4,000,000 | 2,000,000 | 0: 2,000,000, 1: 2,000,000 | 0 | - | - | held |
      | monotonic | monotonic | 4,000,000 | 2,000,000 | 0: 2,000,000, 1: 2,000,000 | 3 | 1,843 ns | 1 -> 0 | FAILED |

      ### Warps per CPU pair

      | method | CPU pair | warps | largest |
      | --- | --- | ---: | ---: |
      | rdtsc | 1 -> 0 | 12 | 1843 cycles |
      | monotonic | 1 -> 0 | 3 | 1843 ns |

      ### Machine

      | item | value |
      | --- | --- |
      | host | guest-1 |
      | CPU | AMD EPYC (AuthenticAMD, family 25 model 1 stepping 1) |
      | online CPUs | 0,1 (2) |
      | kernel | 6.18.0 x64 |
      | hypervisor | KVMKVMKVM (max leaf 0x40000001) |
      | clocksource | tsc (available: tsc, kvm-clock) |
      | TSC | constant_tsc yes, nonstop_tsc yes, invariant yes, rdtscp yes |

      ### Disturbance

      | item | value |
      | --- | --- |
      | steal during run | 1.0 ms (0.10% of CPUs 0,1) |
      | load average before | 0.50 0.40 0.30 |
      | clocksource before / after | tsc / tsc |

      <sub>clocklab warp, started 2026-11-25T08:02:00.000Z. Charts: report.html; every figure: report.json.</sub>
      "
    `);
  });

  it('keeps table cells inside their table', () => {
    const r = benchResult({ 'a|b<script>': 1 });
    const md = renderMarkdown(modelFor(r));
    expect(md).toContain('| a\\|b&lt;script> | 1.00 |');
  });
});

describe('junit.xml', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' });
  const write = (name: string, xml: string): string => {
    const f = join(tmp, name);
    writeFileSync(f, xml);
    return f;
  };

  it('a warp run: one testcase per method, inline snapshot', () => {
    expect(renderJunit(modelFor(warpResult(true)))).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="clocklab" tests="3" failures="1" errors="0" skipped="0" time="0.000">
        <testsuite name="clocklab warp" tests="3" failures="1" errors="0" skipped="0" time="0.000" timestamp="2026-11-25T08:02:00.000Z">
          <properties>
            <property name="verdict" value="failed"/>
            <property name="headline" value="A clock that must be monotonic went backwards: monotonic."/>
          </properties>
          <testcase name="warp rdtsc" classname="clocklab.warp" time="0">
            <system-out>rdtsc warped, which its contract (unordered) allows: 4000000 reads on CPUs 0,1 in 2.0 s, 12 warps</system-out>
          </testcase>
          <testcase name="warp rdtscp" classname="clocklab.warp" time="0">
            <system-out>rdtscp held: 4000000 reads on CPUs 0,1 in 2.0 s, 0 warps</system-out>
          </testcase>
          <testcase name="warp monotonic" classname="clocklab.warp" time="0">
            <failure message="monotonic (monotonic) went backwards: 4000000 reads on CPUs 0,1 in 2.0 s, 3 warps; largest 1843 ns cpu 1 -&gt; cpu 0: 123456789012 then 123456787169" type="CheckFailed">contract: monotonic
      4000000 reads on CPUs 0,1 in 2.0 s, 3 warps
      largest 1843 ns cpu 1 -&gt; cpu 0: 123456789012 then 123456787169
      cpu 1 -&gt; cpu 0: 3 warps, largest 1843 ns</failure>
          </testcase>
        </testsuite>
      </testsuites>

      "
    `);
  });

  it('a warp of a monotonic clock is a failure carrying the figures', () => {
    const doc = parser.parse(renderJunit(modelFor(warpResult(true))));
    const suite = doc.testsuites.testsuite;
    expect(suite.tests).toBe('3');
    expect(suite.failures).toBe('1');
    const failed = suite.testcase.filter((t: { failure?: unknown }) => t.failure !== undefined);
    expect(failed.map((t: { name: string }) => t.name)).toEqual(['warp monotonic']);
    expect(failed[0].failure.message).toContain('1843');
  });

  it('a held warp run has no failure', () => {
    const doc = parser.parse(renderJunit(modelFor(warpResult(false))));
    expect(doc.testsuites.testsuite.failures).toBe('0');
  });

  it('a regression is a failure, one testcase per method', () => {
    const doc = parser.parse(renderJunit(modelFor(gatedBench())));
    const cases: Array<{ name: string; failure?: { message: string }; skipped?: unknown }> = doc.testsuites.testsuite.testcase;
    // rdtsc, monotonic and rdpid from the run, boottime from the baseline.
    expect(cases.map((c) => c.name)).toEqual(['regression rdtsc', 'regression monotonic', 'regression rdpid', 'regression boottime']);
    expect(cases.filter((c) => c.failure).map((c) => c.name)).toEqual(['regression rdtsc']);
    expect(cases[0]?.failure?.message).toContain('+100.0%');
    expect(cases.filter((c) => c.skipped !== undefined).map((c) => c.name)).toEqual(['regression rdpid', 'regression boottime']);
  });

  it.skipIf(noXmllint())('validates against the JUnit XSD, whatever the names hold', () => {
    const nasty = benchResult({ 'x<y & "z" \u0001\u001b]]>': 3 });
    for (const [name, r] of [
      ['warp-failed.xml', warpResult(true)],
      ['bench-gated.xml', gatedBench()],
      ['info.xml', infoResult],
      ['check.xml', checkResult(true)],
      ['nasty.xml', { ...nasty, gate: compareToBaseline(benchResult({ rdtsc: 1 }), nasty, 10, 'b&<.json') }],
      ['unknown.xml', { command: 'future', startedAt: 'soon' }],
    ] as const) {
      const v = validateXml(write(name, renderJunit(modelFor(r))));
      expect(v.output).toContain('validates');
      expect(v.ok).toBe(true);
    }
  });

  it.skipIf(noXmllint())('the XSD rejects what readers would not load', () => {
    const f = write('bad.xml', '<testsuites><testsuite name="s" tests="one"><testcase classname="c"/></testsuite></testsuites>');
    const v = validateXml(f);
    expect(v.ok).toBe(false);
    expect(v.output).toMatch(/tests|name/);
  });
});

describe('report.html', () => {
  const html = renderHtml(modelFor(gatedBench()), { chartJs: chartJsSource() });

  it('is one file that cannot fetch: CSP, Chart.js inline, no URL to load', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP.replace(/'/g, '&#39;')}">`);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
  });

  it('carries the numbers as tables and the charts as data', () => {
    expect(html).toContain('<span class="verdict failed">failed</span>');
    expect(html).toContain('<td>regression rdtsc</td><td>failed</td>');
    expect(html).toContain('<h2>ns/loop per method</h2>');
    const json = /<script type="application\/json" id="clocklab-charts">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    const charts = JSON.parse(json) as Array<{ title: string; kind: string }>;
    expect(charts.map((c) => c.kind)).toEqual(['bar', 'range', 'grouped-bar']);
  });

  it('escapes what the result holds', () => {
    const h = renderHtml(modelFor(benchResult({ '</script><b>x': 2 })), { chartJs: '' });
    expect(h).not.toContain('</script><b>');
    expect(h).toContain('&lt;/script&gt;&lt;b&gt;x');
  });
});

describe('the report model', () => {
  it('a result of an unknown command still gets a report saying so', () => {
    const m = modelFor({ schema: 'clocklab/1', command: 'future', startedAt: 'x' });
    expect(m.command).toBe('future');
    expect(m.verdict).toBe('info');
    expect(m.warnings[0]).toContain('does not match the report schema');
  });

  it('warp: a warp the contract allows passes, a monotonic one fails', () => {
    const m = modelFor(warpResult(true));
    expect(m.checks.map((c) => [c.name, c.status])).toEqual([
      ['warp rdtsc', 'passed'],
      ['warp rdtscp', 'passed'],
      ['warp monotonic', 'failed'],
    ]);
    expect(m.verdict).toBe('failed');
    expect(modelFor(warpResult(false)).verdict).toBe('passed');
  });

  it('check: a warning passes, and fails under --strict as the exit code does', () => {
    const m = modelFor(checkResult(false));
    expect(m.checks.map((c) => [c.name, c.status])).toEqual([
      ['check vdso', 'passed'],
      ['check tsc', 'passed'],
      ['check pvclock', 'skipped'],
    ]);
    // It passes (exit 0), and says it warned, as the JSON verdict does.
    expect(checkResult(false).verdict).toBe('warnings');
    expect(m.verdict).toBe('warnings');
    expect(renderMarkdown(m).split('\n')[0]).toBe('## clocklab check: ⚠️ warnings (passed, with warnings)');
    const healthy = modelFor({ ...checkResult(false), verdict: 'healthy' });
    expect(healthy.verdict).toBe('passed');
    expect(renderMarkdown(healthy).split('\n')[0]).toBe('## clocklab check: ✅ passed');
    const strict = modelFor(checkResult(true));
    expect(strict.checks[1]?.status).toBe('failed');
    expect(strict.verdict).toBe('failed');
    expect(strict.checks[1]?.details).toContain('advice: look at dmesg');
  });

  it('bench without a baseline judges nothing', () => {
    const m = modelFor(benchResult());
    expect(m.verdict).toBe('info');
    expect(m.checks).toEqual([]);
  });
});

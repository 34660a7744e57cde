// gate-cli.test.ts: does `clocklab bench --baseline` gate as CI uses it? A
// baseline doctored to be twice as fast fails with exit 1 naming the methods
// and every report marks it; the run against its own fresh baseline passes;
// corrupt, foreign-schema and wrong-command baselines exit 2 before any
// measuring; another machine's baseline is accepted with a warning.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchResult, type BenchResultT } from '../src/results/bench.js';
import { runCli } from './helpers/cli.js';
import { noXmllint, validateXml } from './helpers/xml.js';

const dir = mkdtempSync(join(tmpdir(), 'clocklab-gate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Steady methods, several runs: the gate compares medians.
// lfence_rdtsc runs on every x86-64 CPU (SSE2 is in the base ISA); rdtscp may be hidden.
const METHODS = 'lfence_rdtsc,monotonic';
const bench = (...more: string[]) => runCli(['bench', '--methods', METHODS, '--loops', '200000', '--runs', '5', ...more]);
const read = (d: string, f: string): string => readFileSync(join(dir, d, f), 'utf8');

describe('clocklab bench --baseline', () => {
  const fresh = bench('--out', join(dir, 'base'));
  const base: BenchResultT = BenchResult.parse(JSON.parse(read('base', 'report.json')));

  /** The baseline with every method's runs (and so its figures) divided by `by`. */
  const scaled = (by: number): BenchResultT => {
    const out = structuredClone(base);
    for (const m of out.methods) {
      if (m.status !== 'measured') continue;
      for (const r of m.runs) {
        r.nsPerLoop /= by;
        r.elapsedNs /= by;
      }
      m.summary.medianNsPerLoop /= by;
      m.summary.minNsPerLoop /= by;
      m.summary.maxNsPerLoop /= by;
    }
    return out;
  };
  // The gate decides from the runs: the doctored baseline scales them.
  writeFileSync(join(dir, 'fast.json'), JSON.stringify(scaled(4)));

  it('a baseline run writes the reports, no gate', () => {
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(readdirSync(join(dir, 'base')).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    expect(base.gate).toBeUndefined();
  });

  it('a baseline doctored 4x faster: exit 1 naming the methods, and every report marks them', () => {
    const r = bench('--baseline', join(dir, 'fast.json'), '--out', join(dir, 'slow'));
    expect(r.code, r.stderr).toBe(1);
    const result = BenchResult.parse(JSON.parse(read('slow', 'report.json')));
    expect(result.gate?.verdict).toBe('failed');
    // Four times as slow as the baseline says: both regress unless the
    // machine was so busy that this run's thread was on its CPU under a
    // quarter of the time (then it is inconclusive), so the assertion is
    // that exactly the regressed ones are named, and that is at least one.
    const regressed = result.gate?.comparisons.filter((c) => c.status === 'regressed').map((c) => c.key) ?? [];
    expect(regressed.length).toBeGreaterThan(0);
    expect(r.stderr).toBe(
      `clocklab: regression past 10% against ${join(dir, 'fast.json')}: ${regressed
        .map((k) => result.gate?.comparisons.find((c) => c.key === k))
        .map((c) => `${c?.key} +${c?.changePercent?.toFixed(1)}% [+${c?.changeLowPercent?.toFixed(1)}, +${c?.changeHighPercent?.toFixed(1)}]`)
        .join(', ')}\n`,
    );
    for (const k of regressed) expect(r.stdout).toMatch(new RegExp(`\\[FAIL\\] ${k} +[\\d.]+ ns/loop against baseline`));
    expect(r.stdout).toContain(`[FAIL] ${regressed.length} regression${regressed.length === 1 ? '' : 's'} past 10%`);
    expect(result.gate?.comparisons.map((c) => c.key)).toEqual(['lfence_rdtsc', 'monotonic']);
    const md = read('slow', 'summary.md');
    expect(md.split('\n')[0]).toBe('## clocklab bench: ❌ failed');
    for (const k of regressed) expect(md).toContain(`| regression ${k} | ❌ failed |`);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' }).parse(read('slow', 'junit.xml'));
    const cases: Array<{ name: string; failure?: unknown }> = junit.testsuites.testsuite.testcase;
    expect(cases.map((c) => c.name)).toEqual(['regression lfence_rdtsc', 'regression monotonic']);
    expect(cases.filter((c) => c.failure !== undefined).map((c) => c.name)).toEqual(regressed.map((k) => `regression ${k}`));
    expect(read('slow', 'report.html')).toContain('<span class="verdict failed">failed</span>');
  });

  it.skipIf(noXmllint())("that run's junit.xml validates against the JUnit XSD", () => {
    expect(validateXml(join(dir, 'slow', 'junit.xml')).ok).toBe(true);
  });

  it('an interval that straddles the threshold: inconclusive, exit 0, a finding that says to run more --runs', () => {
    // Two baseline runs, one at a sixteenth of this machine's median and one
    // at it: a resampled baseline median is either, or their mean, so the
    // change's interval spans roughly +0% to +1500% of what this run
    // measures, and straddles a threshold of 400% even when this run is half
    // or twice the baseline's median (this machine is shared: a busy moment
    // doubles a vDSO read). The baseline's own median is uncertain by about
    // 176% (its interval, as a share of it): under the 400%, so it gates.
    const wide = structuredClone(base);
    for (const m of wide.methods) {
      if (m.status !== 'measured') continue;
      const med = m.summary.medianNsPerLoop;
      const one = m.runs[0]!;
      m.runs = [med / 16, med].map((ns) => ({ ...one, nsPerLoop: ns, elapsedNs: ns * m.loops }));
      m.summary = { ...m.summary, medianNsPerLoop: (med / 16 + med) / 2, minNsPerLoop: med / 16, maxNsPerLoop: med };
    }
    writeFileSync(join(dir, 'wide.json'), JSON.stringify(wide));
    const r = runCli(['bench', '--methods', METHODS, '--loops', '200000', '--runs', '1', '--baseline', join(dir, 'wide.json'), '--threshold', '400', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = BenchResult.parse(JSON.parse(r.stdout));
    expect(result.gate?.comparisons.map((c) => c.status)).toEqual(['inconclusive', 'inconclusive']);
    expect(result.gate?.inconclusive).toBe(2);
    expect(result.gate?.verdict).toBe('passed');
    const f = result.findings.find((x) => x.code === 'GATE_INCONCLUSIVE');
    expect(f?.severity).toBe('warn');
    const text = runCli(['bench', '--methods', METHODS, '--loops', '200000', '--runs', '1', '--baseline', join(dir, 'wide.json'), '--threshold', '400']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\[OK\] +no regression past 400% \(2 inconclusive\)/);
    expect(text.stdout).toMatch(/\[WARN\] Inconclusive against the baseline: .*lfence_rdtsc .*monotonic/);
    expect(text.stdout).toContain('Run again with more --runs');
  });

  it('a baseline of three reports, one a process: two 4x faster outvote one as measured, exit 1; a bad one among them is exit 2, named', () => {
    const files = [join(dir, 'fast.json'), join(dir, 'base', 'report.json'), join(dir, 'fast.json')];
    const r = runCli(['bench', '--methods', METHODS, '--loops', '200000', '--runs', '5', '--baseline', files.join(','), '--json']);
    expect(r.code, r.stderr).toBe(1);
    const result = BenchResult.parse(JSON.parse(r.stdout));
    expect(result.gate?.baselineFile).toBe(files.join(','));
    // The pooled median is taken over all 15 runs, 10 of them the fast reports': it is one of theirs.
    for (const c of result.gate?.comparisons ?? []) {
      const m = base.methods.find((x) => x.method === c.key);
      if (m?.status !== 'measured') throw new Error(`no ${c.key} in the baseline`);
      const fast = m.runs.map((x) => x.nsPerLoop / 4);
      const all = [...fast, ...m.runs.map((x) => x.nsPerLoop), ...fast].sort((a, b) => a - b);
      expect(c.baselineMedianNsPerLoop).toBeCloseTo(all[7] ?? NaN, 9);
      expect(fast.some((x) => Math.abs(x - (c.baselineMedianNsPerLoop ?? 0)) < 1e-9)).toBe(true);
    }
    expect(r.stderr).toContain(`regression past 10% against ${files.join(',')}`);
    const bad = runCli(['bench', '--methods', METHODS, '--loops', '200000', '--runs', '1', '--baseline', `${files[1]},${join(dir, 'nowhere.json')}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, 'nowhere.json')}: cannot read it`);
  });

  it('the same run against its own fresh baseline passes', () => {
    // The machine is shared (2 CPUs, other builds): medians of 5 runs still
    // move by tens of percent here, so this asks only that nothing doubled.
    const r = bench('--baseline', join(dir, 'base', 'report.json'), '--threshold', '100', '--out', join(dir, 'again'));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('[OK]   no regression past 100%');
    expect(read('again', 'summary.md').split('\n')[0]).toBe('## clocklab bench: ✅ passed');
  });

  it("another machine's baseline is accepted, with a warning in every report", () => {
    const foreign = structuredClone(base);
    if (foreign.machine.cpu) foreign.machine.cpu.brand = 'Intel(R) Xeon(R) Platinum 8480+';
    writeFileSync(join(dir, 'foreign.json'), JSON.stringify(foreign));
    const r = bench('--baseline', join(dir, 'foreign.json'), '--threshold', '100', '--out', join(dir, 'foreign'));
    expect(r.code, r.stderr).toBe(0);
    const warning = 'the baseline ran on another CPU: Intel(R) Xeon(R) Platinum 8480+';
    expect(r.stdout).toContain(`[WARN] ${warning}`);
    expect(read('foreign', 'summary.md')).toContain(`> [!WARNING]\n> ${warning}`);
    expect(read('foreign', 'junit.xml')).toContain(`warning: ${warning}`);
    expect(read('foreign', 'report.html')).toContain(`Warning: ${warning}`);
    expect(JSON.parse(read('foreign', 'report.json')).gate.sameMachine).toBe(false);
  });

  it.each([
    ['corrupt', '{"schema": "clocklab/1", "comm', /not valid JSON/],
    ['not clocklab', JSON.stringify({ tests: 3 }), /not a clocklab report/],
    ['another schema', JSON.stringify({ ...base, schema: 'clocklab/2' }), /schema clocklab\/2, but this clocklab reads clocklab\/1/],
    ['another command', JSON.stringify({ ...base, command: 'warp' }), /a warp report, but bench needs a bench report/],
  ])('a %s baseline: exit 2 before measuring', (name, text, message) => {
    const f = join(dir, `${name}.json`);
    writeFileSync(f, text);
    const out = join(dir, `out-${name.replace(/ /g, '-')}`);
    const r = bench('--baseline', f, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe(''); // not one run measured
    expect(readdirSync(out)).toEqual([]); // --out was prepared, nothing written
  });

  it('a threshold that is not a positive number: exit 2', () => {
    const r = bench('--threshold', '-5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--threshold must be a percentage above 0 (at most 10000), got -5');
  });
});

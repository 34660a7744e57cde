// text-report.test.ts: is the terminal's text drawn from the same model as
// summary.md and report.html? Every table's headings are the same in all
// three, and the lines people paste (compare's side by side and its
// recommendation, check's status lines, pvclock's torn reads) come out as
// before, from fixtures: compare and check are never run here, since they
// may switch the machine's clocksource.
import { modelFor } from './helpers/model.js';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../src/reports/html.js';
import { renderMarkdown } from '../src/reports/markdown.js';
import { modelOf, plain, type ReportModel } from '../src/reports/model/index.js';
import {
  renderGateText,
  renderText,
  textReport,
} from '../src/reports/text/index.js';
import { withColor } from '../src/reports/text/style.js';
import { compareToBaseline } from '../src/regression/decide.js';
import { CompareResult, type CompareResultT } from '../src/results/compare.js';
import { PvclockResult, type PvclockResultT } from '../src/results/pvclock.js';
import type { MethodsResultT } from '../src/results/methods.js';
import { benchResult, checkResult, disturbance, infoResult, machine, warpResult } from './fixtures/results.js';

/** tsc against kvm-clock, one round each, warp-checked: tsc recommended. */
function compareResult(): CompareResultT {
  const bench = (cs: string, ns: Record<string, number>) => {
    const b = benchResult(ns);
    return { ...b, disturbance: { ...b.disturbance, clocksourceBefore: cs, clocksourceAfter: cs } };
  };
  const warp = warpResult(false);
  const at = '2026-11-25T08:04:00.000Z';
  return {
    schema: 'clocklab/1',
    command: 'compare',
    startedAt: at,
    machine,
    options: {
      clocksources: ['tsc', 'kvm-clock'],
      currentOnly: false,
      methods: ['monotonic', 'rdtscp'],
      loops: 1_000_000,
      runs: 3,
      rounds: 1,
      cpu: 0,
      warp: true,
      warpMethods: ['monotonic', 'rdtscp'],
      warpCpus: [0, 1],
      warpDurationSeconds: 2,
    },
    originalClocksource: 'tsc',
    settle: { waitMs: 0, why: 'fixture' },
    runs: [
      { clocksource: 'tsc', round: 1, switched: null, clocksourceDuring: 'tsc', bench: bench('tsc', { monotonic: 20, rdtscp: 10 }), warp },
      { clocksource: 'kvm-clock', round: 1, switched: { from: 'tsc', to: 'kvm-clock', writeMs: 1.25, at }, clocksourceDuring: 'kvm-clock', bench: bench('kvm-clock', { monotonic: 40, rdtscp: 10 }), warp },
    ],
    comparison: [
      { method: 'monotonic', nsPerLoop: { tsc: 20, 'kvm-clock': 40 }, spreadPercent: { tsc: 7, 'kvm-clock': 7 }, ratio: { tsc: 1, 'kvm-clock': 2 }, fastest: 'tsc', warp: { tsc: 'held', 'kvm-clock': 'held' } },
      { method: 'rdtscp', nsPerLoop: { tsc: 10, 'kvm-clock': 10 }, spreadPercent: { tsc: 7, 'kvm-clock': 7 }, ratio: { tsc: 1, 'kvm-clock': 1 }, fastest: 'tsc', warp: { tsc: 'held', 'kvm-clock': 'held' } },
    ],
    recommendation: {
      level: 'recommend',
      clocksource: 'tsc',
      clocks: [],
      safety: [
        { clocksource: 'tsc', safe: true, evidence: [{ fact: 'constant_tsc', ok: true, detail: 'set' }, { fact: 'warp check', ok: true, detail: 'held' }] },
        { clocksource: 'kvm-clock', safe: null, evidence: [{ fact: 'KVM stable bit', ok: null, detail: 'unknown' }] },
      ],
      reasons: ['monotonic: tsc 20.00 ns/loop against kvm-clock 40.00 ns/loop (kvm-clock 2.00x slower)'],
    },
    switches: [
      { from: 'tsc', to: 'kvm-clock', writeMs: 1.25, at },
      { from: 'kvm-clock', to: 'tsc', writeMs: 1.5, at },
    ],
    restored: true,
    disturbance,
    findings: [],
  };
}

/** Two vCPUs, watched, one torn read. */
function pvclockResult(): PvclockResultT {
  const fields = { version: 2, tscTimestamp: '1000', systemTimeNs: '5000', mul: 3303820996, shift: -1, flags: 1 };
  const record = (vcpu: number) => ({ ...fields, vcpu, flagNames: ['TSC_STABLE' as const], tscHz: 2_600_000_001, nsAtCommonTsc: '123456' });
  return {
    schema: 'clocklab/1',
    command: 'pvclock',
    startedAt: '2026-11-25T08:05:00.000Z',
    machine,
    options: { windowMs: 500, watchSeconds: 2 },
    page: { address: '0x7f0000000000', mapping: '[vvar_vclock]', offsetBytes: 0, verifiedLayout: true, detail: 'start of [vvar_vclock]' },
    records: [record(0), record(1)],
    agreement: { sameParameters: true, differingFields: [], commonTsc: '2000', maxNsDifference: 0 },
    clocks: [{ clock: 'monotonic_raw', method: 'pvclock_vdso', offsetNs: 1_500_000, windowNs: 500_000_000, rateDiffPpm: 0.058, bracketNs: 35 }],
    vdso: { currentClocksource: 'kvm-clock', stableBit: true, pageInUse: true },
    watch: {
      seconds: 2,
      counts: [
        { vcpu: 0, polls: 1_000_000, versionChanges: 1, oddReads: 0, tornReads: 1, firstVersion: 2, lastVersion: 2 },
        { vcpu: 1, polls: 1_000_000, versionChanges: 0, oddReads: 0, tornReads: 0, firstVersion: 2, lastVersion: 2 },
      ],
      torn: [{ monotonicNs: '99', atSeconds: 0.5, vcpu: 0, version: 2, before: fields, after: { ...fields, tscTimestamp: '1001' } }],
    },
    disturbance: { ...disturbance, cpus: [0, 1] },
    findings: [],
  };
}

const methodsResult: MethodsResultT = {
  schema: 'clocklab/1',
  command: 'methods',
  startedAt: '2026-11-25T08:06:00.000Z',
  machine,
  methods: [
    { method: 'rdtsc', description: 'RDTSC', path: 'cpu', contract: 'unordered', unit: 'cycles', requires: [], available: true, reason: null, cause: null, caveat: null },
    { method: 'rdpid', description: 'RDPID', path: 'cpu', contract: 'not-time', unit: 'cpu', requires: ['rdpid'], available: false, reason: 'no RDPID', cause: 'cpu', caveat: null },
  ],
};

const gatedBench = () => {
  const run = benchResult({ rdtsc: 9.5, monotonic: 28 });
  return { ...run, gate: compareToBaseline(benchResult({ rdtsc: 4.75, monotonic: 28 }), run, 10, 'baseline.json') };
};

describe('the fixtures', () => {
  it('are valid results', () => {
    expect(CompareResult.safeParse(compareResult()).error).toBeUndefined();
    expect(PvclockResult.safeParse(pvclockResult()).error).toBeUndefined();
  });
});

const escRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const escHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('one table, one set of headings, in every format', () => {
  const models: Array<[string, ReportModel]> = [
    ['info', modelFor(infoResult)],
    ['bench', modelFor(gatedBench())],
    ['warp', modelFor(warpResult(true))],
    ['check', modelFor(checkResult(true))],
    ['compare', modelFor(compareResult())],
    ['pvclock', modelFor(pvclockResult())],
    ['methods', { ...modelOf(methodsResult), verdict: 'info' }],
  ];
  it.each(models)('%s: each table the terminal shows has the same headings in summary.md and report.html', (_name, m) => {
    const text = renderText(m);
    const md = renderMarkdown(m);
    const html = renderHtml(m, { chartJs: '' });
    for (const s of m.sections) {
      for (const b of s.blocks) {
        if (b.kind !== 'table' || b.table.rows.length === 0) continue;
        const heads = b.table.columns.map((c) => c.head);
        const inText = !(s.skip ?? []).includes('text') && !(b.skip ?? []).includes('text');
        if (inText) expect(text).toMatch(new RegExp(`│ ${heads.map(escRe).join(' +│ +')} +│`));
        if (!(s.skip ?? []).includes('markdown')) expect(md).toContain(`| ${heads.join(' | ')} |`);
        if (!(s.skip ?? []).includes('html')) expect(html).toMatch(new RegExp(`<thead><tr>${heads.map((h) => `<th[^>]*>${escRe(escHtml(h))}</th>`).join('')}</tr></thead>`));
        // Every cell is the same text in the terminal and in summary.md.
        for (const row of b.table.rows) for (const cell of row) if (inText) expect(text).toContain(plain(cell));
      }
    }
  });
});

describe('compare text, from a fixture', () => {
  const text = textReport(compareResult());

  it('each clocksource under its heading, then side by side, then the recommendation', () => {
    expect(text).toContain('== tsc, round 1 (already current, not switched; read back after: tsc)');
    expect(text).toContain('== kvm-clock, round 1 (switched from tsc in 1.25 ms; read back after: kvm-clock)');
    expect(text).toMatch(/method\s+│ tsc ns\/loop\s+│ kvm-clock ns\/loop\s+│ kvm-clock\/tsc\s+│ warp tsc\s+│ warp kvm-clock/);
    expect(text).toMatch(/│ monotonic\s+│\s+20\.00 │\s+40\.00 │\s+2\.00x │ held\s+│ held/);
    expect(text).toMatch(/recommendation\n\[OK\]   recommended clocksource: tsc\n {7}monotonic: tsc 20\.00 ns\/loop/);
    expect(text).toContain('       tsc: safe here (constant_tsc yes, warp check yes)');
    expect(text).toContain('       kvm-clock: unknown here (KVM stable bit not measured)');
    expect(text).toContain('[OK]   clocksource back on tsc (2 confirmed switches, settle wait 0 ms)');
    expect(text.indexOf('== tsc, round 1')).toBeLessThan(text.indexOf('== Side by side'));
  });

  it('summary.md has the side by side table and the recommendation, not each turn', () => {
    const md = renderMarkdown(modelFor(compareResult()));
    expect(md).toContain('| method | tsc ns/loop | kvm-clock ns/loop | kvm-clock/tsc | warp tsc | warp kvm-clock |');
    expect(md).toContain('- ✅ recommended clocksource: tsc<br>monotonic: tsc 20.00 ns/loop');
    expect(md).not.toContain('round 1');
  });

  it('a clocksource left switched is a [FAIL] line', () => {
    expect(textReport({ ...compareResult(), restored: false })).toContain('[FAIL] clocksource NOT back on tsc');
  });
});

describe('check text, from a fixture', () => {
  it('a status line per check, advice under a warning, and what --strict does', () => {
    const text = textReport(checkResult(true));
    expect(text.split('\n')).toEqual([
      'clocklab check: healthy, with warnings (3 checks in 1.5 s, clocksource tsc)',
      '[OK]   vdso     reads stay in the vDSO: monotonic 28.0 ns, syscall 400.0 ns',
      '[WARN] tsc      tsc_reliable is not set',
      '                look at dmesg',
      '[SKIP] pvclock  kvm-clock was never the clocksource: no pvclock page',
      '--strict: a warning fails the check',
      '',
    ]);
  });
});

describe('pvclock text, from a fixture', () => {
  const text = textReport(pvclockResult());
  it('the page, the records, the clocks, and each torn read', () => {
    expect(text).toMatch(/^pvclock page\s+0x7f0000000000, start of \[vvar_vclock\]$/m);
    expect(text).toMatch(/^vDSO uses the page\s+yes \(clocksource kvm-clock, stable bit set\)$/m);
    expect(text).toMatch(/│\s+0 │\s+2 │\s+1000 │\s+5000 │ 3303820996 │\s+-1 │ TSC_STABLE │ 2600\.000001 MHz │/);
    expect(text).toMatch(/│ pvclock_vdso │ CLOCK_MONOTONIC_RAW │\s+1\.500000 ms │\s+\+0\.058 ppm │\s+500 ms │\s+35 ns │/);
    expect(text).toContain('[FAIL] vCPU 0 at 0.500000 s (version 2): tscTimestamp 1000 -> 1001');
  });
});

describe('bench text as the CLI prints it', () => {
  it('what the CLI prints after the runs leaves out the run lines (printed as runs finish) and has the gate', () => {
    const r = gatedBench();
    const summary = textReport(r, { skip: ['runs'] });
    expect(summary).not.toMatch(/ loops in /);
    expect(summary).toContain('== Regression gate (threshold 10%)');
    expect(summary.split('\n')[0]).toBe('1000000 loops x 3 runs (after a warm-up run), on CPU 0, clocksource tsc');
    const gate = renderGateText(r.gate);
    expect(gate).toMatch(/^\n== Regression gate \(threshold 10%\)\n/);
    expect(gate).toContain('[FAIL] rdtsc  9.50 ns/loop against baseline 4.75 (+100.0% [+86.7, +114.3])');
    expect(gate).toContain('[FAIL] 1 regression past 10%');
    // The whole report has both.
    const all = textReport(r);
    expect(all).toMatch(/^rdtsc +1000000 loops in /);
    expect(all).toContain('== Regression gate (threshold 10%)');
  });
});

describe('colours', () => {
  it('the tones are colours in the terminal only, and the text is the same without them', () => {
    const m = modelFor(warpResult(true));
    const coloured = withColor(true, () => renderText(m));
    expect(coloured).toMatch(/\x1b\[31mFAILED/);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(renderText(m));
    expect(renderMarkdown(m)).not.toMatch(/\x1b\[/);
  });
});

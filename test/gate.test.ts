// gate.test.ts: does the regression gate catch a slower method, and refuse
// a baseline it cannot trust before anything is measured? The pure
// comparison on fixture results; bad baseline files through the CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyGate, compareToBaseline, machineDifferences } from '../src/gate/compare.js';
import { readStoredReport } from '../src/commands/stored-report.js';
import { main } from '../src/cli/main.js';
import { PIPED } from './helpers/cli.js';
import { renderGateText } from '../src/reports/text.js';
import { benchResult, infoResult, machine, warpResult } from './fixtures/results.js';

const dir = mkdtempSync(join(tmpdir(), 'clocklab-gate-'));
const file = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('compareToBaseline', () => {
  it('a method slower past the threshold regresses; faster improves; within holds', () => {
    const base = benchResult({ rdtsc: 10, rdtscp: 10, monotonic: 10 });
    const run = benchResult({ rdtsc: 11.5, rdtscp: 10.9, monotonic: 8 });
    const g = compareToBaseline(base, run, 10, 'b.json');
    expect(g.comparisons.map((c) => [c.key, c.status])).toEqual([
      ['rdtsc', 'regressed'],
      ['rdtscp', 'held'],
      ['monotonic', 'improved'],
      ['rdpid', 'missing-in-baseline'],
    ]);
    expect(g.comparisons[0]?.changePercent).toBeCloseTo(15, 6);
    expect(g.regressions).toBe(1);
    expect(g.verdict).toBe('failed');
    expect(g.sameMachine).toBe(true);
    expect(g.warnings).toEqual([]);
  });

  it('the threshold is the line: 10% exactly holds, a larger threshold forgives', () => {
    const base = benchResult({ rdtsc: 10 });
    expect(compareToBaseline(base, benchResult({ rdtsc: 11 }), 10, 'b').regressions).toBe(0);
    expect(compareToBaseline(base, benchResult({ rdtsc: 11.01 }), 10, 'b').regressions).toBe(1);
    expect(compareToBaseline(base, benchResult({ rdtsc: 20 }), 150, 'b').verdict).toBe('passed');
  });

  it('a method on one side only is reported, not a crash', () => {
    const g = compareToBaseline(benchResult({ rdtsc: 10, boottime: 30 }), benchResult({ rdtsc: 10, tai: 30 }), 10, 'b');
    expect(g.comparisons.map((c) => [c.key, c.status])).toEqual([
      ['rdtsc', 'held'],
      ['tai', 'missing-in-baseline'],
      ['rdpid', 'missing-in-baseline'],
      ['boottime', 'missing-in-run'],
    ]);
    expect(g.verdict).toBe('passed');
  });

  it("another machine's baseline is accepted with a warning", () => {
    const other = benchResult({ rdtsc: 10 }, { cpu: { vendor: 'GenuineIntel', brand: 'Intel Xeon', family: 6, model: 143, stepping: 8 } });
    const g = compareToBaseline(other, benchResult({ rdtsc: 10 }), 10, 'b');
    expect(g.sameMachine).toBe(false);
    expect(g.warnings).toEqual([
      'the baseline ran on another CPU: Intel Xeon (family 6 model 143 stepping 8), this run on AMD EPYC (family 25 model 1 stepping 1): figures may differ for that reason alone',
    ]);
    expect(machineDifferences(machine, { ...machine, clocksources: { available: ['tsc'], current: 'kvm-clock' } })).toEqual([
      'the baseline ran with clocksource tsc, this run with kvm-clock',
    ]);
  });

  it('applyGate attaches the gate only with a baseline; the text marks regressions', () => {
    const run = benchResult({ rdtsc: 20 });
    expect(applyGate(run, { thresholdPercent: 10 })).toBe(run);
    const gated = applyGate(run, { baselineName: 'b.json', baseline: benchResult({ rdtsc: 10 }), thresholdPercent: 10 });
    expect(gated.gate?.regressions).toBe(1);
    const text = renderGateText(gated.gate);
    expect(text).toContain('[FAIL] rdtsc  20.00 ns/loop against baseline 10.00 (+100.0%)');
    expect(text).toContain('[FAIL] 1 regression past 10%');
  });
});

describe('a baseline is refused before measuring, exit 2 with what is wrong', () => {
  it('a good bench report is no problem', () => {
    expect(readStoredReport(benchResult(), 'bench', 'bench needs a bench report as its baseline')).toEqual({ report: benchResult() });
  });

  it.each([
    ['missing', join(dir, 'nope.json'), /--baseline .*nope\.json: cannot read it \(ENOENT/],
    ['not JSON', file('corrupt.json', '{"schema": "clocklab/1", "comm'), /not valid JSON/],
    ['not a clocklab report', file('other.json', JSON.stringify({ name: 'something else' })), /not a clocklab report/],
    ['another schema version', file('v2.json', JSON.stringify({ ...benchResult(), schema: 'clocklab/2' })), /schema clocklab\/2, but this clocklab reads clocklab\/1/],
    ['another command', file('warp.json', JSON.stringify(warpResult())), /--baseline .*warp\.json: a warp report, but bench needs a bench report/],
    ['info is not a baseline either', file('info.json', JSON.stringify(infoResult)), /an info report/],
    ['a bench report with a field broken', file('broken.json', JSON.stringify({ ...benchResult(), methods: [{ method: 'rdtsc', status: 'measured' }] })), /not a valid clocklab\/1 bench report:\n.*methods/s],
  ])('%s', async (_why, path, message) => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    let code: number;
    try {
      // A bench that would take long: refused before its first run.
      code = await main(['node', 'clocklab', 'bench', '--methods', 'monotonic', '--runs', '1000', '--baseline', path], PIPED);
    } finally {
      vi.restoreAllMocks();
    }
    expect(code).toBe(2);
    expect(err.join('')).toMatch(message);
  });
});

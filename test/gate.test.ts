// gate.test.ts: does the regression gate catch a slower method without
// crying wolf, and refuse a baseline it cannot trust before anything is
// measured? The statistics on known inputs (intervals, decisions,
// inconclusive, the floor, noisy baselines, busy runs); the pure comparison
// on fixture results; bad baseline files through the CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyGate, compareToBaseline, decide, gateFindings, machineDifferences, regressionFailure, toConfirm } from '../src/regression/decide.js';
import { type Sample } from '../src/regression/samples.js';
import { coreClockOf } from '../src/stats/core-clock.js';
import { median, medianInterval, quantile, ratioOfMedians } from '../src/stats/interval.js';
import { FLOOR_NS } from '../src/findings/thresholds.js';
import { phrase } from '../src/findings/sentences.js';
import type { BenchResultT } from '../src/results/bench.js';
import type { ClocksourceRunT } from '../src/results/compare.js';
import { compareRows } from '../src/runners/compare.js';
import { ratioWithInterval } from '../src/reports/model/common.js';
import { readStoredReport } from '../src/commands/stored-report.js';
import { main } from '../src/cli/main.js';
import { PIPED } from './helpers/cli.js';
import { renderGateText } from '../src/reports/text/index.js';
import { benchResult, infoResult, machine, warpResult } from './fixtures/results.js';

const dir = mkdtempSync(join(tmpdir(), 'clocklab-gate-'));
const file = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

/** `result` with each named method's runs replaced by `runs` (ns/loop), its summary to match. */
function withRuns(result: BenchResultT, runs: Record<string, number[]>, onCpuPercent?: number): BenchResultT {
  const out = structuredClone(result);
  for (const [method, ns] of Object.entries(runs)) {
    const m = out.methods.find((x) => x.method === method);
    if (m?.status !== 'measured') throw new Error(`no measured ${method}`);
    m.runs = ns.map((x) => ({ elapsedNs: x * m.loops, nsPerLoop: x, tscDelta: String(Math.round(x * m.loops * 2.445)), cyclesPerLoop: x * 2.445, ...(onCpuPercent === undefined ? {} : { onCpuPercent }) }));
    m.summary = { ...m.summary, medianNsPerLoop: median(ns), minNsPerLoop: Math.min(...ns), maxNsPerLoop: Math.max(...ns) };
  }
  return out;
}

/** Ten runs around `center`, spread by +-`jitter` (a fraction), in a fixed order. */
const around = (center: number, jitter: number): number[] => [0, 0.3, -0.3, 0.6, -0.6, 0.9, -0.9, 1, -1, 0.1].map((k) => center * (1 + k * jitter));
const sample = (runs: number[], onCpuPercent: number | null = null): Sample => ({ median: median(runs), measuredMedian: median(runs), strata: [runs], onCpuPercent });
const decideAt = (baseline: number[], run: number[], thresholdPercent = 10, onCpu: number | null = null) =>
  decide({ baseline: sample(baseline), run: sample(run, onCpu), thresholdPercent, floorNs: FLOOR_NS });

describe('the interval of a ratio of medians', () => {
  it('runs that do not vary give the ratio itself, both ends', () => {
    expect(ratioOfMedians([[11, 11, 11, 11]], [[10, 10, 10]])).toEqual({ ratio: 1.1, low: 1.1, high: 1.1 });
  });

  it('is reproducible to the digit: the seed is fixed', () => {
    const a = [[...around(12, 0.03)]];
    const b = [[...around(10, 0.03)]];
    const once = ratioOfMedians(a, b);
    expect(ratioOfMedians(a, b)).toEqual(once);
    // The ratio of the medians, inside an interval no wider than the runs allow.
    expect(once?.ratio).toBeCloseTo(1.2, 10);
    expect(once?.low).toBeGreaterThan((12 * 0.97) / (10 * 1.03));
    expect(once?.high).toBeLessThan((12 * 1.03) / (10 * 0.97));
    expect(once!.low).toBeLessThan(1.2);
    expect(once!.high).toBeGreaterThan(1.2);
  });

  it('two runs each side: the resampled medians are known, so is the interval', () => {
    // Baseline [10, 20]: a resample's median is 10 (1/4), 15 (1/2) or 20 (1/4);
    // the run [15] is always 15. So the ratios are 1.5, 1 and 0.75: the 2.5%
    // and 97.5% quantiles are the extremes.
    expect(ratioOfMedians([[15]], [[10, 20]])).toEqual({ ratio: 1, low: 0.75, high: 1.5 });
    expect(medianInterval([[10, 20]])).toEqual({ ratio: 1, low: 10 / 15, high: 20 / 15 });
  });

  it('strata are resampled apart: a turn of fast runs and one of slow ones stay half and half', () => {
    // Pooled, a resample could draw all ten from one turn; by turn it cannot.
    const est = ratioOfMedians([[10, 10, 10, 10, 10], [20, 20, 20, 20, 20]], [[15]]);
    expect(est).toEqual({ ratio: 1, low: 1, high: 1 });
  });

  it('no runs, or a median of 0, gives no interval', () => {
    expect(ratioOfMedians([[]], [[1]])).toBeNull();
    expect(ratioOfMedians([[1]], [[0, 0, 0]])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
  });
});

describe('decide: one method, from the runs of both sides', () => {
  it('15% slower with quiet runs: the whole interval lies past 10%, regressed', () => {
    const d = decideAt(around(20, 0.01), around(23, 0.01));
    expect(d.status).toBe('regressed');
    expect(d.changePercent).toBeCloseTo(15, 6);
    expect(d.changeLowPercent).toBeGreaterThan(10);
    expect(d.changeHighPercent).toBeGreaterThan(d.changeLowPercent!);
    expect(d.barPercent).toBe(10);
  });

  it('an interval that straddles the threshold is inconclusive, not a failure', () => {
    const d = decideAt(around(20, 0.01), around(22, 0.04));
    expect(d.status).toBe('inconclusive');
    expect(d.changeLowPercent).toBeLessThan(10);
    expect(d.changeHighPercent).toBeGreaterThan(10);
  });

  it('within the threshold holds; faster past it improves', () => {
    expect(decideAt(around(20, 0.01), around(20.4, 0.01)).status).toBe('held');
    expect(decideAt(around(20, 0.01), around(15, 0.01)).status).toBe('improved');
  });

  it('the floor: a coarse clock 0.5 ns slower (+14%) is under 1 ns, held; the bar says why', () => {
    const d = decideAt(around(3.5, 0.01), around(4, 0.01));
    expect(d.changePercent).toBeCloseTo(14.29, 1);
    expect(d.changeLowPercent).toBeGreaterThan(10);
    expect(d.barPercent).toBeCloseTo(100 / 3.5, 1);
    expect(d.status).toBe('held');
    // 1.5 ns slower passes the floor too.
    expect(decideAt(around(3.5, 0.01), around(5, 0.01)).status).toBe('regressed');
  });

  it('a baseline whose own median is uncertain by more than the bar cannot gate at it', () => {
    const d = decideAt(around(20, 0.2), around(30, 0.01));
    expect(d.baselineNoisePercent).toBeGreaterThan(10);
    expect(d.status).toBe('noisy-baseline');
    // At a threshold wider than its noise it gates.
    expect(decideAt(around(20, 0.2), around(30, 0.01), 30).status).not.toBe('noisy-baseline');
  });

  it('a busy run: scattered runs or a preempted thread can explain a shift, so it is inconclusive, unless the change is larger still', () => {
    // +25% from runs scattered +-30%: the shift is within this run's own noise.
    const scattered = decideAt(around(20, 0.005), around(25, 0.3));
    expect(scattered.runNoisePercent).toBeGreaterThan(25);
    expect(scattered.status).toBe('inconclusive');
    // +60% while on the CPU 55% of the time: preemption explains a factor 1.8.
    expect(decideAt(around(20, 0.01), around(32, 0.01), 10, 55).status).toBe('inconclusive');
    // x3 on the CPU 55%: more than preemption explains.
    expect(decideAt(around(20, 0.01), around(60, 0.01), 10, 55).status).toBe('regressed');
  });
});

describe('compareToBaseline', () => {
  const base = withRuns(benchResult({ rdtsc: 10, rdtscp: 10, monotonic: 10 }), { rdtsc: around(10, 0.01), rdtscp: around(10, 0.01), monotonic: around(10, 0.01) });

  it('each method from its runs; a method on one side only is reported', () => {
    const run = withRuns(benchResult({ rdtsc: 11.5, rdtscp: 10.9, monotonic: 8 }), { rdtsc: around(11.5, 0.01), rdtscp: around(10.5, 0.01), monotonic: around(8, 0.01) });
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
    expect(g).toMatchObject({ floorNs: 1, confidencePercent: 95, inconclusive: 0, sameMachine: true, warnings: [] });
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

  it('a first block that looked regressed and a second that did not: not a regression, and said so', () => {
    const run = withRuns(benchResult({ rdtsc: 10, rdtscp: 10, monotonic: 10 }), { rdtsc: around(10, 0.01), rdtscp: around(13, 0.01), monotonic: around(10, 0.01) });
    expect(toConfirm(compareToBaseline(base, run, 10, 'b'))).toEqual(['rdtscp']);
    const g = compareToBaseline(base, run, 10, 'b', new Map([['rdtscp', around(10, 0.01).map((nsPerLoop) => ({ nsPerLoop }))]]));
    const c = g.comparisons.find((x) => x.key === 'rdtscp');
    // The second block is quoted: it shows less.
    expect(c).toMatchObject({ status: 'held', medianNsPerLoop: median(around(10, 0.01)) });
    expect(c?.confirmationNsPerLoop).toHaveLength(10);
    expect(g.verdict).toBe('passed');
    expect(toConfirm(g)).toEqual([]);
    expect(gateFindings(g).map((f) => f.code)).toEqual(['GATE_UNCONFIRMED']);
    expect(phrase(gateFindings(g)[0]!).text).toMatch(/did not confirm it .*: rdtscp held\.$/);
    // Confirmed: the second block is as slow as the first.
    const confirmed = compareToBaseline(base, run, 10, 'b', new Map([['rdtscp', around(13, 0.01).map((nsPerLoop) => ({ nsPerLoop }))]]));
    expect(confirmed.comparisons.find((x) => x.key === 'rdtscp')?.status).toBe('regressed');
  });

  /** `result` with every measured run's core clock set to `ghz` (one figure, or one per run). */
  const clockedAt = (result: BenchResultT, ghz: number | ((i: number) => number)): BenchResultT => {
    const out = structuredClone(result);
    for (const m of out.methods) if (m.status === 'measured') m.runs = m.runs.map((r, i) => ({ ...r, coreGHz: typeof ghz === 'number' ? ghz : ghz(i) }));
    return out;
  };

  it('the core clock: a host that clocked the core 12% lower is not a slower read; the same ns at the same clock still regress', () => {
    // ns/loop 12% up, the core clock 1/1.12 of the baseline's: the same core cycles per read.
    const slowNs = withRuns(base, { rdtsc: around(11.2, 0.01), rdtscp: around(11.2, 0.01), monotonic: around(11.2, 0.01) });
    const g = compareToBaseline(clockedAt(base, 3.5), clockedAt(slowNs, 3.5 / 1.12), 10, 'b');
    expect(g.coreClock).toEqual({ baselineGHz: 3.5, runGHz: 3.5 / 1.12 });
    expect(g.comparisons.filter((c) => c.baselineMedianNsPerLoop !== null).map((c) => c.status)).toEqual(['held', 'held', 'held']);
    const rdtsc = g.comparisons[0];
    expect(rdtsc?.changePercent).toBeCloseTo(0, 6);
    // Reports quote ns/loop as measured.
    expect(rdtsc?.medianNsPerLoop).toBeCloseTo(median(around(11.2, 0.01)), 9);
    // The same runs at the baseline's clock: 12% more cycles, a regression.
    const same = compareToBaseline(clockedAt(base, 3.5), clockedAt(slowNs, 3.5), 10, 'b');
    expect(same.comparisons.slice(0, 3).map((c) => c.status)).toEqual(['regressed', 'regressed', 'regressed']);
    expect(same.comparisons[0]?.changePercent).toBeCloseTo(12, 6);
  });

  it('the core clock counts run by run, and only when both sides recorded it for every run', () => {
    // The clock drifts within the run: each run's ns is scaled by its own clock.
    const drift = (i: number): number => 3.5 / (1 + 0.02 * i);
    const drifting = withRuns(base, { rdtsc: around(10, 0).map((x, i) => x * (1 + 0.02 * i)) });
    const g = compareToBaseline(clockedAt(base, 3.5), clockedAt(drifting, drift), 10, 'b');
    expect(g.comparisons[0]).toMatchObject({ key: 'rdtsc', status: 'held' });
    // Every run costs 10 ns at the baseline's clock: the change is the baseline's own spread, no more.
    expect(g.comparisons[0]?.changePercent).toBeCloseTo((10 / median(around(10, 0.01)) - 1) * 100, 6);
    expect(Math.abs(g.comparisons[0]?.changeHighPercent ?? 99)).toBeLessThan(1);
    // One run without a clock (a short run, an old report): ns/loop on both sides, and the gate says so.
    const partly = clockedAt(slowRun(), 3.0);
    const first = partly.methods[0];
    if (first?.status === 'measured') delete first.runs[0]?.coreGHz;
    expect(coreClockOf(partly)).toBeNull();
    expect(coreClockOf(clockedAt(base, (i) => 3 + i / 10))).toBeCloseTo(3.45, 9);
    const unclocked = compareToBaseline(clockedAt(base, 3.5), partly, 10, 'b');
    expect(unclocked.coreClock).toBeNull();
    expect(unclocked.comparisons[0]?.changePercent).toBeCloseTo(12, 6);
    expect(compareToBaseline(base, clockedAt(slowRun(), 3.0), 10, 'b').coreClock).toBeNull();
  });
  it('the report names the unit of the changes: core cycles with both clocks, or ns/loop and why', () => {
    const clocked = compareToBaseline(clockedAt(base, 3.5), clockedAt(slowRun(), 3.5 / 1.12), 10, 'b');
    const text = renderGateText(clocked);
    expect(text).toContain("Core clock: 3.50 GHz in the baseline's runs, 3.12 GHz in this run's (-10.7%). Changes are in core cycles per read");
    expect(renderGateText(compareToBaseline(base, slowRun(), 10, 'b'))).toContain('Changes are in ns/loop: a side has runs without a core-clock reading');
  });
  const slowRun = (): BenchResultT => withRuns(base, { rdtsc: around(11.2, 0.01), rdtscp: around(11.2, 0.01), monotonic: around(11.2, 0.01) });

  it('two blocks decide together: each median past the bar, and the interval over both blocks past it', () => {
    // A first block that leans regressed (median +13%) but straddles the bar: a second block is asked for.
    const leaning = withRuns(base, { rdtscp: [10.1, 10.3, 12.2, 11.3, 11.3, 11.3, 11.3, 11.3, 11.4, 11.6] });
    const alone = compareToBaseline(base, leaning, 10, 'b');
    const c0 = alone.comparisons.find((x) => x.key === 'rdtscp');
    expect(c0?.status).toBe('inconclusive');
    expect(c0?.changeLowPercent).toBeLessThan(10);
    expect(toConfirm(alone)).toEqual(['rdtscp']);
    // A second block as slow: the two together are a regression, quoted on both blocks' runs.
    const slow = around(11.4, 0.01).map((nsPerLoop) => ({ nsPerLoop }));
    const g = compareToBaseline(base, leaning, 10, 'b', new Map([['rdtscp', slow]]));
    const c = g.comparisons.find((x) => x.key === 'rdtscp');
    expect(c?.status).toBe('regressed');
    expect(c?.changeLowPercent).toBeGreaterThan(10);
    expect(c?.medianNsPerLoop).toBeCloseTo(median([...[10.1, 10.3, 12.2, 11.3, 11.3, 11.3, 11.3, 11.3, 11.4, 11.6], ...slow.map((x) => x.nsPerLoop)]), 9);
    // A busy spell: one block +30%, the next unchanged. Pooled they would be a tight +15%; the second median fails.
    const spell = withRuns(base, { rdtscp: around(13, 0.01) });
    const calm = around(10, 0.01).map((nsPerLoop) => ({ nsPerLoop }));
    const h = compareToBaseline(base, spell, 10, 'b', new Map([['rdtscp', calm]])).comparisons.find((x) => x.key === 'rdtscp');
    expect(h).toMatchObject({ status: 'held', medianNsPerLoop: median(around(10, 0.01)) });
    // Both blocks past the bar, but the second's runs scattered: still a regression on the two together.
    const scattered = [11.5, 11.6, 11.7, 11.4, 11.6, 16, 9.9, 11.5, 11.8, 20].map((nsPerLoop) => ({ nsPerLoop }));
    const alone2 = compareToBaseline(base, withRuns(base, { rdtscp: scattered.map((x) => x.nsPerLoop) }), 10, 'b').comparisons.find((x) => x.key === 'rdtscp');
    expect(alone2?.status).toBe('inconclusive');
    const first15 = withRuns(base, { rdtscp: around(11.5, 0.01) });
    expect(compareToBaseline(base, first15, 10, 'b', new Map([['rdtscp', scattered]])).comparisons.find((x) => x.key === 'rdtscp')?.status).toBe('regressed');
  });

  it('a baseline of several processes: their runs pooled, each a stratum, so one process that ran slow is outvoted', () => {
    // One process 7% slow in every run (seen on sys_monotonic here), two at the machine's level.
    const slowProcess = withRuns(base, { rdtscp: around(10.7, 0.01) });
    const run = withRuns(base, { rdtscp: around(11.5, 0.01) });
    const alone = compareToBaseline(slowProcess, run, 10, 'b').comparisons.find((x) => x.key === 'rdtscp');
    expect(alone?.status).not.toBe('regressed');
    const g = compareToBaseline([base, slowProcess, base], run, 10, 'b1,b2,b3');
    const c = g.comparisons.find((x) => x.key === 'rdtscp');
    expect(c?.status).toBe('regressed');
    expect(c?.baselineMedianNsPerLoop).toBeCloseTo(median([...around(10, 0.01), ...around(10.7, 0.01), ...around(10, 0.01)]), 9);
    expect(g.baselineFile).toBe('b1,b2,b3');
    // A method in only some of the reports is compared with those.
    const noMonotonic = structuredClone(base);
    noMonotonic.methods = noMonotonic.methods.filter((m) => m.method !== 'monotonic');
    const g2 = compareToBaseline([noMonotonic, base], base, 10, 'b');
    expect(g2.comparisons.find((x) => x.key === 'monotonic')?.status).toBe('held');
    // A list of one is the report itself.
    expect(compareToBaseline([slowProcess], run, 10, 'b')).toEqual(compareToBaseline(slowProcess, run, 10, 'b'));
  });

  it('findings: inconclusive (advice: more --runs), a noisy baseline (a threshold that would gate), the floor', () => {
    const noisyBase = withRuns(base, { monotonic: around(10, 0.2) });
    const run = withRuns(benchResult({ rdtsc: 10, rdtscp: 10, monotonic: 10 }), { rdtsc: around(11, 0.05), rdtscp: around(10, 0.01), monotonic: around(10, 0.01) });
    const g = compareToBaseline(noisyBase, run, 10, 'b');
    expect(g.comparisons.map((c) => c.status)).toEqual(['inconclusive', 'held', 'noisy-baseline', 'missing-in-baseline']);
    expect(g.verdict).toBe('passed');
    const phrased = gateFindings(g).map((f) => phrase(f));
    expect(phrased[0]?.text).toMatch(/^Inconclusive against the baseline: .*: rdtsc \+[\d.]+% \[\+[\d.]+, \+[\d.]+\]\.$/);
    expect(phrased[0]?.advice).toMatch(/more --runs/);
    expect(phrased[1]?.text).toMatch(/too scattered to gate at 10%.*monotonic [\d.]+%/);
    expect(phrased[1]?.advice).toMatch(/--threshold \d+ or more/);
    const coarse = compareToBaseline(benchResult({ monotonic_coarse: 3.5 }), benchResult({ monotonic_coarse: 3.5 }), 10, 'b');
    expect(phrase(gateFindings(coarse)[0]!).text).toBe('A change under 1 ns/loop is never a regression: for these fast methods the bar is that floor, not 10%: monotonic_coarse 28.6%.');
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

  it('applyGate attaches the gate and its findings only with a baseline; the text marks regressions with their interval', () => {
    const run = benchResult({ rdtsc: 20 });
    expect(applyGate(run, { thresholdPercent: 10 })).toBe(run);
    const gated = applyGate(run, { baselineName: 'b.json', baseline: benchResult({ rdtsc: 10 }), thresholdPercent: 10 });
    expect(gated.gate?.regressions).toBe(1);
    const text = renderGateText(gated.gate);
    expect(text).toMatch(/\[FAIL\] rdtsc  20\.00 ns\/loop against baseline 10\.00 \(\+100\.0% \[\+\d+\.\d, \+\d+\.\d\]\)/);
    expect(text).toContain('[FAIL] 1 regression past 10%');
    expect(regressionFailure(gated)).toMatch(/^regression past 10% against b\.json: rdtsc \+100\.0% \[\+[\d.]+, \+[\d.]+\]$/);
  });
});

describe("compare's ratios carry their interval", () => {
  const turn = (clocksource: string, round: number, monotonic: number[]): ClocksourceRunT => ({
    clocksource,
    round,
    switched: null,
    clocksourceDuring: clocksource,
    bench: withRuns(benchResult({ monotonic: median(monotonic) }), { monotonic }),
    warp: null,
  });

  it('kvm-clock/tsc with its 95% interval, resampled within each turn; the first clocksource has none', () => {
    const runs = [turn('tsc', 1, around(16, 0.01)), turn('kvm-clock', 1, around(20.8, 0.01)), turn('kvm-clock', 2, around(20.8, 0.01)), turn('tsc', 2, around(16, 0.01))];
    const [row] = compareRows(runs, ['monotonic']);
    expect(row?.ratio['kvm-clock']).toBeCloseTo(1.3, 2);
    const iv = row?.ratioInterval?.['kvm-clock'];
    expect(iv?.low).toBeGreaterThan(1.25);
    expect(iv?.high).toBeLessThan(1.35);
    expect(row?.ratioInterval?.['tsc']).toBeNull();
    // Rendered as a reader quotes it.
    expect(ratioWithInterval(row!.ratio['kvm-clock']!, iv)).toMatch(/^1\.30x \[1\.\d\d, 1\.\d\d\]$/);
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

// What a warp run could not have seen: every warp result states its
// detection limit (the smallest backward step that could show, from the
// measured hand-over between CPUs), the hand-offs per pair, and for a method
// that held the 95% bound 3/N on its rate. Additive to warp.test.ts.
import { describe, expect, it } from 'vitest';
import { WarpResult, type WarpResultT } from '../src/results/warp.js';
import { detectionOf } from '../src/runners/warp-detection.js';
import { runCli } from './helpers/cli.js';
import { unmet } from './helpers/needs.js';
import { loadBinding } from '../src/native/binding.js';

type Measured = Extract<WarpResultT['methods'][number], { status: 'measured' }>;

describe('detectionOf', () => {
  const matrix = [
    { fromCpu: 0, toCpu: 1, handoffs: 600, smallestStep: 140 },
    { fromCpu: 1, toCpu: 0, handoffs: 400, smallestStep: 70 },
  ];
  const buckets = [0, 0, 0, 0, 0, 0, 10, 30, 900, 60];
  it('the smallest step that could show is one more than the smallest forward step; the rate bound is 3/N when held', () => {
    const d = detectionOf(matrix, buckets, 0, (x) => x / 2);
    expect(d).toEqual({ smallestStep: 71, smallestStepNs: 35.5, medianHandOver: 256, medianHandOverNs: 128, rateBound: 3 / 1000 });
  });
  it('no rate bound once it warped; none at all without a hand-off', () => {
    expect(detectionOf(matrix, buckets, 5, (x) => x)?.rateBound).toBeNull();
    expect(detectionOf([{ fromCpu: 0, toCpu: 1, handoffs: 0, smallestStep: null }], [], 0, (x) => x)).toBeNull();
  });
});

describe.skipIf(unmet({ cpus: 2, x86: true }))('warp states its detection limit', () => {
  const check = (m: Measured): void => {
    expect(m.handoffs, m.method).toBeGreaterThan(0);
    expect(m.detection, m.method).not.toBeNull();
    const d = m.detection;
    if (!d) return;
    expect(d.smallestStep).toBeGreaterThan(0);
    expect(d.smallestStepNs).toBeGreaterThan(0);
    if (m.warps === 0) expect(d.rateBound).toBeCloseTo(3 / (m.handoffs ?? 1), 15);
    else expect(d.rateBound).toBeNull();
    const matrix = m.handoffMatrix ?? [];
    expect(matrix.reduce((s, p) => s + p.handoffs, 0)).toBe(m.handoffs);
  };

  it('in JSON and in the text line, for every method', () => {
    // The ordered TSC read CPUID offers: rdtscp, else lfence_rdtsc.
    const read = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';
    const r = runCli(['warp', '--json', '--methods', `monotonic,${read},rdtsc`, '--duration', '0.3', '--cpus', '0,1']);
    expect(r.code).toBe(0);
    const result = WarpResult.parse(JSON.parse(r.stdout));
    for (const m of result.methods) {
      expect(m.status).toBe('measured');
      if (m.status === 'measured') check(m);
    }
    const text = runCli(['warp', '--methods', 'monotonic', '--duration', '0.3', '--cpus', '0,1']);
    expect(text.stdout).toMatch(/held: no warp in [\d,]+ hand-offs \(rate < [\d.]+e-\d+ at 95%\); steps shorter than [\d.,]+ ns could not be seen/);
  });

  it('--pairs runs every pair of this machine, each with hand-offs both ways', () => {
    const r = runCli(['warp', '--json', '--pairs', '--methods', 'lfence_rdtsc', '--duration', '0.4']);
    expect(r.code).toBe(0);
    const result = WarpResult.parse(JSON.parse(r.stdout));
    expect(result.options.pairs).toBe(true);
    const m = result.methods[0];
    expect(m?.status).toBe('measured');
    if (m?.status !== 'measured') return;
    check(m);
    const n = result.options.cpus.length;
    expect(m.handoffMatrix).toHaveLength(n * (n - 1));
    for (const p of m.handoffMatrix ?? []) expect(p.handoffs, `${p.fromCpu} -> ${p.toCpu}`).toBeGreaterThan(0);
  });

  it('--self-test still finds the planted warp, now with a limit and no rate bound', () => {
    const r = runCli(['warp', '--json', '--self-test', '--duration', '0.4', '--cpus', '0,1']);
    const result = WarpResult.parse(JSON.parse(r.stdout));
    expect(result.selfTest?.passed, result.selfTest?.reason).toBe(true);
    // Skewed RDTSCP, or LFENCE;RDTSC with the CPU from getcpu where CPUID hides RDTSCP.
    expect(result.selfTest?.method).toBe(loadBinding().features().rdtscp ? 'skewed_rdtscp' : 'skewed_lfence_rdtsc');
    const m = result.methods[0];
    if (m?.status === 'measured') check(m);
  });
});

// The warp text report on fixtures: the lines a person pastes, for a warp
// this machine cannot produce (a monotonic method that went backwards).
import { describe, expect, it } from 'vitest';
import { textReport } from '../src/reports/text/index.js';
import { WarpResult, type WarpMethodResultT, type WarpResultT } from '../src/results/warp.js';

const failed: WarpMethodResultT = {
  method: 'rdtscp',
  status: 'measured',
  contract: 'monotonic',
  unit: 'cycles',
  durationSeconds: 10,
  reads: 1000,
  readsPerSecond: 100,
  readsPerCpu: [
    { cpu: 0, reads: 600 },
    { cpu: 1, reads: 400 },
  ],
  warps: 3,
  largest: { fromCpu: 1, toCpu: 0, amount: '1843', amountNs: 753.6, before: '5000001843', after: '5000000000' },
  pairs: [{ fromCpu: 1, toCpu: 0, warps: 3, largest: '1843' }],
  verdict: 'failed',
};

const result: WarpResultT = {
  schema: 'clocklab/1',
  command: 'warp',
  startedAt: '2026-11-25T08:00:00.000Z',
  machine: {
    hostname: 'guest',
    kernel: { release: '6.18.0', version: '#1', arch: 'x64' },
    isX86: true,
    cpu: null,
    onlineCpus: [0, 1],
    tscFlags: { constant_tsc: true, nonstop_tsc: true, tsc_reliable: false, tsc_known_freq: true, rdtscp: true, rdpid: true, tsc_adjust: true, invariantTsc: true },
    hypervisor: null,
    clocksources: { available: ['tsc'], current: 'tsc' },
  },
  options: { methods: ['rdtscp', 'thread_cputime'], cpus: [0, 1], durationSeconds: 10, offsets: false, selfTest: false },
  methods: [failed, { method: 'thread_cputime', status: 'unsupported', reason: 'not comparable across CPUs' }],
  offsets: null,
  verdict: 'failed',
  disturbance: { cpus: [0, 1], loadAverageBefore: [0.1, 0.2, 0.3], stealNs: 0, stealPercent: 0, clocksourceBefore: 'tsc', clocksourceAfter: 'tsc' },
  findings: [{ code: 'WARP_MONOTONIC', severity: 'fail', args: { method: 'rdtscp', warps: 3, amount: '1843', unit: 'cycles', amountNs: 753.6, fromCpu: 1, toCpu: 0 } }],
  selfTest: null,
};

describe('warp text report', () => {
  it('the fixture is a valid result', () => {
    expect(WarpResult.safeParse(result).success).toBe(true);
  });

  it('a monotonic warp prints a [FAIL] line with the pair and both reads', () => {
    expect(textReport({ ...result, methods: [failed] }).split('\n')).toContain(
      '[FAIL] rdtscp  cpu 1 -> cpu 0: 1843 cycles (753.6 ns) backwards (before 5000001843, after 5000000000); 3 warps in 1,000 reads',
    );
  });

  it('the report has the line, a FAILED verdict, the skip reason and the finding', () => {
    const text = textReport(result);
    expect(text).toMatch(/^\[FAIL\] rdtscp/m);
    expect(text).toMatch(/^\[SKIP\] thread_cputime\s+not comparable across CPUs$/m);
    expect(text).toMatch(/│ FAILED/);
    expect(text).toMatch(/rdtscp went backwards across CPUs 3 times, by up to 1843 cycles \(753.6 ns\), cpu 1 -> cpu 0; it must be monotonic/);
  });
});

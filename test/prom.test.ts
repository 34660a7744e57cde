// prom.test.ts: does every result become Prometheus metrics that say what it
// says, in the text format, with HELP and TYPE on every family, bounded
// labels only, each metric documented, and a file that is replaced whole?
// Pure where it can be: results judged from hand-made evidence by the real
// judges; the writer on a temporary directory.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { phraseCheck } from '../src/findings/phrase.js';
import { writeFileAtomic } from '../src/cli/report-files.js';
import { PROM_FAMILIES, promSamples, promText, renderProm, type PromSample } from '../src/reports/prom.js';
import type { CheckItemRawT, CheckResultT } from '../src/results/check.js';
import type { PvclockResultT } from '../src/results/pvclock.js';
import { judgeClocksource, judgeDisturbance, judgePvclock, judgeTimesync, judgeVdso, judgeWarp, recommendFromTsc, type CheckJudgement } from '../src/runners/check/judge.js';
import { benchResult, disturbance, infoResult, machine, warpResult } from './fixtures/results.js';

const BENCH = benchResult({ monotonic: 28, realtime: 29, sys_monotonic: 400 });
/** The fastest run of a method in BENCH, in ns: what the vdso check judges. */
const floorNs = (method: string): number => {
  const m = BENCH.methods.find((x) => x.method === method);
  return m?.status === 'measured' ? m.summary.minNsPerLoop : Number.NaN;
};
const labelsOf = (s: PromSample): Record<string, string> => s.labels as Record<string, string>;

const RUN = { version: '9.9.9', endedAtMs: 1_800_000_000_000, durationSeconds: 0.25 };
const PASSED = { passed: true, failures: [] };

/** A pvclock result with only what the check and the renderer read. */
function pvclock(stableBit: boolean, tornReads: number): PvclockResultT {
  return {
    command: 'pvclock',
    machine,
    records: [{ vcpu: 0 }, { vcpu: 1 }],
    agreement: { sameParameters: true, differingFields: [], maxNsDifference: 0 },
    vdso: { stableBit, currentClocksource: 'tsc', pageInUse: false },
    watch: { seconds: 0.5, counts: [{ tornReads }] },
  } as unknown as PvclockResultT;
}

/** A check result judged by the real judges from hand-made evidence. */
function checkResult(opts: { warp?: boolean; synced?: boolean; stable?: boolean } = {}): CheckResultT {
  const item = (name: CheckItemRawT['name'], v: CheckJudgement): CheckItemRawT => ({ name, ...v, elapsedMs: 40 });
  const timex = { state: opts.synced === false ? 5 : 0, status: 0x2000, offsetNs: 1200, maxErrorUs: 2000, estErrorUs: 30, freqPpm16: 0, taiSeconds: 37 };
  const checks = [
    item('vdso', judgeVdso(BENCH, 'tsc')),
    item('warp', judgeWarp(warpResult(opts.warp ?? false))),
    item('pvclock', judgePvclock(pvclock(opts.stable ?? true, 0))),
    item('clocksource', judgeClocksource(machine, recommendFromTsc(machine))),
    item('timesync', judgeTimesync({ timex: { ...timex, synchronised: opts.synced !== false }, daemons: ['chrony'], ptpClocks: [{ device: 'ptp0', name: 'KVM virtual PTP' }] }, true)),
    item('disturbance', judgeDisturbance(disturbance)),
  ];
  const statuses = new Set(checks.map((c) => c.status));
  return phraseCheck({
    schema: 'clocklab/1',
    command: 'check',
    startedAt: '2026-11-25T08:03:00.000Z',
    machine,
    options: { warpSeconds: 0.02, strict: false, compareFile: null, light: true },
    checks,
    verdict: statuses.has('fail') ? 'unhealthy' : statuses.has('warn') ? 'warnings' : 'healthy',
    elapsedMs: 300,
    disturbance,
    findings: [],
  });
}

/** The value of one sample, found by name and labels. */
function value(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => labelsOf(s)[k] === v))?.value;
}

describe('the metric families', () => {
  it('are named clocklab_*, in base units, and each is documented in docs/metrics.md', () => {
    const doc = readFileSync(new URL('../docs/metrics.md', import.meta.url), 'utf8');
    for (const [name, f] of Object.entries(PROM_FAMILIES)) {
      expect(name).toMatch(/^clocklab_[a-z0-9_]+$/);
      // No ms, us, ns or percent: seconds, ratios, cycles, counts.
      expect(name).not.toMatch(/_(milli|micro|nano)?seconds_|_ms$|_us$|_ns$|percent/);
      expect(f.help.length).toBeGreaterThan(10);
      expect(doc).toContain(`\`${name}\``);
      for (const l of f.labels) expect(['command', 'method', 'clocksource', 'contract', 'check', 'status', 'verdict', 'profile', 'daemon', 'version', 'cpu_a', 'cpu_b', 'cpu', 'clock', 'source']).toContain(l);
    }
  });
});

describe('a result as metrics', () => {
  it('check: every check state, the verdict, read cost, warps and reads, pvclock, time sync, steal', () => {
    const s = promSamples(checkResult(), PASSED, RUN);
    expect(value(s, 'clocklab_build_info', { version: '9.9.9' })).toBe(1);
    expect(value(s, 'clocklab_last_run_timestamp_seconds', { command: 'check' })).toBe(1_800_000_000);
    expect(value(s, 'clocklab_run_duration_seconds', { command: 'check' })).toBe(0.25);
    // To the microsecond: what performance.now() differences give is not printed with its binary noise.
    const noisy = promSamples(checkResult(), PASSED, { ...RUN, durationSeconds: 0.07259944000000002 });
    expect(value(noisy, 'clocklab_run_duration_seconds', { command: 'check' })).toBe(0.072599);
    expect(value(s, 'clocklab_verdict_ok', { command: 'check' })).toBe(1);
    expect(value(s, 'clocklab_check_verdict', { verdict: 'healthy' })).toBe(1);
    expect(value(s, 'clocklab_check_profile_info', { profile: 'light' })).toBe(1);
    for (const check of ['vdso', 'warp', 'pvclock', 'clocksource', 'timesync', 'disturbance']) {
      expect(value(s, 'clocklab_check_ok', { check })).toBe(1);
      // A state set: exactly one status is 1.
      const states = s.filter((x) => x.name === 'clocklab_check_status' && labelsOf(x)['check'] === check);
      expect(states.map((x) => labelsOf(x)['status']).sort()).toEqual(['fail', 'ok', 'skipped', 'warn']);
      expect(states.filter((x) => x.value === 1).map((x) => labelsOf(x)['status'])).toEqual(['ok']);
    }
    expect(value(s, 'clocklab_read_cost_seconds', { command: 'check', method: 'monotonic', clocksource: 'tsc' })).toBe(floorNs('monotonic') / 1e9);
    expect(value(s, 'clocklab_read_cost_seconds', { method: 'sys_monotonic' })).toBe(floorNs('sys_monotonic') / 1e9);
    expect(value(s, 'clocklab_warps', { command: 'check', method: 'rdtsc', contract: 'unordered' })).toBe(12);
    expect(value(s, 'clocklab_warp_reads', { command: 'check', method: 'monotonic', contract: 'monotonic' })).toBe(4_000_000);
    expect(value(s, 'clocklab_pvclock_stable_bit', { command: 'check' })).toBe(1);
    expect(value(s, 'clocklab_pvclock_torn_reads', { command: 'check' })).toBe(0);
    expect(value(s, 'clocklab_pvclock_records_agree', { command: 'check' })).toBe(1);
    expect(value(s, 'clocklab_pvclock_vcpus', { command: 'check' })).toBe(2);
    expect(value(s, 'clocklab_clocksource_recommended_info', { command: 'check', clocksource: 'tsc' })).toBe(1);
    expect(value(s, 'clocklab_timesync_synchronised')).toBe(1);
    expect(value(s, 'clocklab_timesync_max_error_seconds')).toBe(0.002);
    expect(value(s, 'clocklab_timesync_estimated_error_seconds')).toBe(0.00003);
    expect(value(s, 'clocklab_timesync_offset_seconds')).toBeCloseTo(1.2e-6, 12);
    expect(value(s, 'clocklab_timesync_daemon_info', { daemon: 'chrony' })).toBe(1);
    expect(value(s, 'clocklab_timesync_ptp_kvm')).toBe(1);
    expect(value(s, 'clocklab_steal_ratio', { command: 'check' })).toBe(0.001);
    expect(value(s, 'clocklab_steal_seconds', { command: 'check' })).toBe(0.001);
  });

  it('check: a warp, a lost stable bit and an unsynchronised clock show as such', () => {
    const s = promSamples(checkResult({ warp: true, synced: false, stable: false }), { passed: false, failures: ['x'] }, RUN);
    expect(value(s, 'clocklab_verdict_ok')).toBe(0);
    expect(value(s, 'clocklab_check_verdict', { verdict: 'unhealthy' })).toBe(1);
    expect(value(s, 'clocklab_check_status', { check: 'warp', status: 'fail' })).toBe(1);
    expect(value(s, 'clocklab_check_ok', { check: 'warp' })).toBe(0);
    expect(value(s, 'clocklab_warps', { method: 'monotonic', contract: 'monotonic' })).toBe(3);
    expect(value(s, 'clocklab_pvclock_stable_bit')).toBe(0);
    expect(value(s, 'clocklab_timesync_synchronised')).toBe(0);
    expect(value(s, 'clocklab_check_status', { check: 'timesync', status: 'warn' })).toBe(1);
  });

  it('warp: reads, warps, the largest in seconds, the verdict per method; TSC offsets per CPU pair', () => {
    const base = warpResult(true);
    const detection = { smallestStep: 41, smallestStepNs: 41, medianHandOver: 64, medianHandOverNs: 64, rateBound: null };
    const methods = base.methods.map((m) => (m.status === 'measured' && m.method === 'monotonic' ? { ...m, handoffs: 9000, detection } : m));
    const w = { ...base, methods, offsets: [{ cpuA: 0, cpuB: 1, offsetCycles: -36.5, errorCycles: 134.5, samples: 65_344 }] };
    const s = promSamples(w, { passed: false, failures: ['warp'] }, RUN);
    const l = { command: 'warp', method: 'monotonic', contract: 'monotonic', clocksource: 'tsc' };
    expect(value(s, 'clocklab_warps', l)).toBe(3);
    expect(value(s, 'clocklab_warp_reads', l)).toBe(4_000_000);
    expect(value(s, 'clocklab_warp_largest_seconds', l)).toBeCloseTo(1843e-9, 15);
    expect(value(s, 'clocklab_warp_ok', l)).toBe(0);
    expect(value(s, 'clocklab_warp_handoffs', l)).toBe(9000);
    expect(value(s, 'clocklab_warp_detection_limit_seconds', l)).toBeCloseTo(41e-9, 15);
    expect(value(s, 'clocklab_warp_detection_limit_seconds', { method: 'rdtsc' })).toBeUndefined();
    expect(value(s, 'clocklab_warp_ok', { method: 'rdtsc' })).toBe(1);
    expect(value(s, 'clocklab_warp_largest_seconds', { method: 'rdtscp' })).toBe(0);
    expect(value(s, 'clocklab_tsc_offset_cycles', { cpu_a: '0', cpu_b: '1' })).toBe(-36.5);
    expect(value(s, 'clocklab_tsc_offset_bound_cycles', { cpu_a: '0', cpu_b: '1' })).toBe(171);
  });

  it('bench: the median cost and spread per method and clocksource; unsupported methods are absent', () => {
    const s = promSamples(benchResult(), PASSED, RUN);
    expect(value(s, 'clocklab_read_cost_seconds', { command: 'bench', method: 'rdtscp', clocksource: 'tsc' })).toBeCloseTo(12e-9, 15);
    expect(value(s, 'clocklab_read_cost_spread_ratio', { method: 'rdtscp' })).toBeGreaterThanOrEqual(0);
    expect(value(s, 'clocklab_read_cost_seconds', { method: 'rdpid' })).toBeUndefined();
  });

  it('pvclock: the stable bit, agreement, torn reads', () => {
    const s = promSamples({ ...pvclock(true, 2), disturbance } as PvclockResultT, { passed: false, failures: ['torn'] }, RUN);
    expect(value(s, 'clocklab_pvclock_stable_bit', { command: 'pvclock' })).toBe(1);
    expect(value(s, 'clocklab_pvclock_torn_reads', { command: 'pvclock' })).toBe(2);
    expect(value(s, 'clocklab_pvclock_watch_seconds', { command: 'pvclock' })).toBe(0.5);
  });
});

describe('the text format', () => {
  it('has HELP and TYPE on every family, and only the families with a sample', async () => {
    const text = await renderProm(promSamples(checkResult(), PASSED, RUN));
    const names = new Set([...text.matchAll(/^(clocklab_[a-z0-9_]+)[{ ]/gm)].map((m) => m[1]));
    expect(names.size).toBeGreaterThan(20);
    for (const n of names) {
      expect(text).toContain(`# HELP ${n} `);
      expect(text).toContain(`# TYPE ${n} gauge\n`);
    }
    // No family without samples (a bare HELP/TYPE, or a default 0).
    for (const m of text.matchAll(/^# TYPE (\S+) /gm)) expect(names.has(m[1])).toBe(true);
  });

  it('escapes label values through the library (quote, backslash, newline)', async () => {
    const odd = { ...infoResult, machine: { ...machine, clocksources: { available: [], current: 'a"b\\c\nd' } } };
    const text = await promText(odd, PASSED, RUN);
    expect(text).toContain('clocklab_clocksource_info{command="info",clocksource="a\\"b\\\\c\\nd"} 1');
  });

  it('a result that does not match the report schema still gets the run metrics', async () => {
    const text = await promText({ command: 'future' }, PASSED, RUN);
    expect(text).toContain('clocklab_last_run_timestamp_seconds{command="future"} 1800000000');
    expect(text).toContain('clocklab_build_info{version="9.9.9"} 1');
  });
});

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clocklab-prom-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole and leaves no temporary file', () => {
    const file = join(dir, 'clocklab.prom');
    writeFileAtomic(file, 'a 1\n');
    writeFileAtomic(file, 'b 2\n');
    expect(readFileSync(file, 'utf8')).toBe('b 2\n');
    expect(readdirSync(dir)).toEqual(['clocklab.prom']);
  });

  it('throws where it cannot write, and leaves no temporary file', () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.prom'), 'a 1\n')).toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

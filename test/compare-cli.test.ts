// compare-cli.test.ts: `clocklab compare` as a user runs it, with the real
// bench and warp runners: tiny loop counts, so each clocksource is switched
// to for well under a second, and the machine always ends where it started.
// In the `standin` project (vitest.config.ts) the switches land on a stand-in
// clocksource0 (test/helpers/standin.ts) while the bench measures whatever
// clocksource the kernel really uses: there these tests test the switching,
// the runs and the report, not the figures.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CompareResult } from '../src/results/compare.js';
import { loadBinding } from '../src/native/binding.js';
import { ReportResult } from '../src/results/report.js';
import { CLI, runCli } from './helpers/cli.js';
import { current, fingerprint, putBack, tempStateDir, waitExit } from './helpers/clocksource.js';
import { unmet } from './helpers/needs.js';

const START = current();
const OTHER = START === 'tsc' ? 'kvm-clock' : 'tsc';
const TINY = ['--loops', '100000', '--runs', '2'];
/** A read that never touches the clocksource: RDTSCP, or LFENCE;RDTSC where CPUID hides it. */
const CONTROL = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';

afterAll(() => {
  putBack(START);
  expect(current()).toBe(START);
});

describe.skipIf(unmet({ root: true, clocksources: ['tsc', 'kvm-clock'], cpus: 2 }))('clocklab compare, real runners', () => {
  it('measures each clocksource, prints them side by side with a recommendation, and ends on the start', () => {
    const stateDir = tempStateDir();
    const r = runCli(['compare', ...TINY, '--methods', `monotonic,realtime,${CONTROL}`], { env: { CLOCKLAB_STATE_DIR: stateDir } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`== ${START}, round 1 (already current, not switched; read back after: ${START})`);
    expect(r.stdout).toContain(`== ${OTHER}, round 1 (switched from ${START} in `);
    expect(r.stdout).toContain(`== ${OTHER}, round 2 (already current, not switched`);
    expect(r.stdout).toContain(`== ${START}, round 2 (switched from ${OTHER} in `);
    expect(r.stdout).toMatch(new RegExp(`method\\s+│ ${START} ns/loop\\s+│ ${OTHER} ns/loop\\s+│\\s+${OTHER}/${START}`));
    expect(r.stdout).toMatch(/│ monotonic\s+│\s+\d+\.\d\d │\s+\d+\.\d\d │\s+\d+\.\d\dx \[\d+\.\d\d, \d+\.\d\d\] │/);
    expect(r.stdout).toMatch(/recommendation\n(\[OK\]   recommended clocksource|\[INFO\] .* is faster and safe|\[WARN\] no recommendation)/);
    expect(r.stdout).toContain(`clocksource back on ${START} (2 confirmed switches`);
    expect(r.stderr).toBe(''); // piped: no progress, no notes
    expect(current()).toBe(START);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
  });

  it('--json gives a clocklab/1 compare result; --warp adds the verdicts per clocksource', () => {
    const r = runCli(
      ['compare', ...TINY, '--methods', `monotonic,realtime,${CONTROL}`, '--warp', '--warp-duration', '0.2', '--warp-methods', `monotonic,${CONTROL}`, '--json'],
      { env: { CLOCKLAB_STATE_DIR: tempStateDir() } },
    );
    expect(r.code, r.stderr).toBe(0);
    const result = CompareResult.parse(JSON.parse(r.stdout));
    expect(result.runs.map((x) => x.clocksourceDuring)).toEqual([START, OTHER, OTHER, START]);
    expect(result.runs.map((x) => x.warp?.verdict ?? null)).toEqual(['held', 'held', null, null]);
    for (const run of result.runs) {
      expect(run.bench.disturbance.clocksourceAfter).toBe(run.clocksource);
    }
    expect(result.comparison.find((x) => x.method === 'monotonic')?.warp).toEqual({ [START]: 'held', [OTHER]: 'held' });
    expect(result.restored).toBe(true);
    expect(result.recommendation.safety.find((s) => s.clocksource === 'tsc')?.evidence.find((e) => e.fact === 'warp check')?.ok).toBe(true);
    expect(current()).toBe(START);
  });

  it('--out writes the four report files; --baseline gates on clocksource/method medians; a bad baseline switches nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'clocklab-compare-out-'));
    const env = { CLOCKLAB_STATE_DIR: tempStateDir() };
    const first = runCli(['compare', ...TINY, '--methods', 'monotonic,realtime', '--out', out], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    const report = ReportResult.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.command).toBe('compare');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('## clocklab compare');
    const gated = runCli(['compare', ...TINY, '--methods', 'monotonic,realtime', '--baseline', join(out, 'report.json'), '--threshold', '1000', '--json'], { env });
    expect(gated.code, gated.stderr).toBe(0);
    const result = CompareResult.parse(JSON.parse(gated.stdout));
    expect(result.gate?.comparisons.map((c) => c.key).sort()).toEqual([`${OTHER}/monotonic`, `${OTHER}/realtime`, `${START}/monotonic`, `${START}/realtime`].sort());
    expect(result.gate?.verdict).toBe('passed');
    const before = fingerprint();
    const bad = runCli(['compare', '--baseline', join(out, 'nope.json')], { env });
    expect(bad.code).toBe(2);
    expect(fingerprint()).toEqual(before);
    expect(current()).toBe(START);
  });

  it('--current-only runs as an unprivileged user without switching', () => {
    const before = fingerprint();
    const r = runCli(['compare', ...TINY, '--methods', 'monotonic,realtime', '--current-only'], {
      env: { CLOCKLAB_STATE_DIR: tempStateDir() },
      uid: 65534,
      gid: 65534,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`== ${START}, round 1 (already current, not switched`);
    expect(r.stdout).toContain(`only ${START} was measured; a recommendation needs two to compare`);
    expect(fingerprint()).toEqual(before);
  });

  it('a real compare interrupted with SIGINT while on the other clocksource restores before it exits', async () => {
    const stateDir = tempStateDir();
    const child = spawn(process.execPath, [CLI, 'compare', '--loops', '2000000', '--runs', '20', '--methods', 'monotonic,realtime'], {
      env: { ...process.env, CLOCKLAB_STATE_DIR: stateDir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = waitExit(child);
    // Poll until the run has switched away (the journal is written first).
    const deadline = Date.now() + 30_000;
    while (current() !== OTHER && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(current()).toBe(OTHER);
    expect(JSON.parse(readFileSync(join(stateDir, 'clocksource.journal.json'), 'utf8'))).toMatchObject({ original: START, pid: child.pid });
    child.kill('SIGINT');
    const r = await exit;
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr).toContain(`SIGINT: clocksource restored to '${START}'`);
    expect(current()).toBe(START);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
  });
});

// prom-cli.test.ts: does every command's --prom FILE write a file promtool
// accepts (real runs of check --light, bench, warp --offsets, pvclock --watch,
// compare --current-only and info on this machine), holding the figures the
// same run printed with --json? And is a directory that cannot take the file
// refused before anything is measured (exit 2)?
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { unmet } from './helpers/needs.js';

const dir = mkdtempSync(join(tmpdir(), 'clocklab-prom-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noPromtool = unmet({ commands: ['promtool'] });

/** Runs `clocklab ARGS --json --prom FILE`; returns the file, the result and the exit code. */
function run(name: string, args: string[]): { text: string; result: Record<string, unknown>; code: number | null } {
  const file = join(dir, `${name}.prom`);
  const r = runCli([...args, '--json', '--prom', file]);
  expect([0, 1], r.stderr).toContain(r.code);
  return { text: readFileSync(file, 'utf8'), result: JSON.parse(r.stdout) as Record<string, unknown>, code: r.code };
}

/** promtool's parser and linter: exit 0 and nothing said. */
function promtoolAccepts(text: string): void {
  if (noPromtool) return;
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}

const sample = (text: string, line: RegExp): number => {
  const m = new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`no sample ${line.source} in\n${text}`);
  return Number(m[m.length - 1]);
};

describe('--prom FILE on a real run', () => {
  it('check --light: promtool accepts it; every check, the verdict, time sync, the run', () => {
    const { text, result, code } = run('check', ['check', '--light']);
    promtoolAccepts(text);
    const checks = result['checks'] as Array<{ name: string; status: string }>;
    for (const c of checks) expect(sample(text, new RegExp(`clocklab_check_status\\{check="${c.name}",status="${c.status}"\\}`))).toBe(1);
    expect(sample(text, /clocklab_check_verdict\{verdict="(healthy|warnings|unhealthy)"\}/)).toBeGreaterThanOrEqual(0);
    expect(sample(text, new RegExp(`clocklab_check_verdict\\{verdict="${String(result['verdict'])}"\\}`))).toBe(1);
    expect(sample(text, /clocklab_verdict_ok\{command="check"\}/)).toBe(code === 0 ? 1 : 0);
    expect(sample(text, /clocklab_check_profile_info\{profile="light"\}/)).toBe(1);
    expect(sample(text, /clocklab_timesync_synchronised/)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sample(text, /clocklab_last_run_timestamp_seconds\{command="check"\}/) - Date.now() / 1000)).toBeLessThan(600);
    expect(text).toMatch(/^clocklab_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
  });

  it('bench: the read cost per method, as --json says', () => {
    const { text, result } = run('bench', ['bench', '--methods', 'monotonic,lfence_rdtsc', '--loops', '100000', '--runs', '3']);
    promtoolAccepts(text);
    const cs = ((result['machine'] as { clocksources: { current: string } }).clocksources.current);
    for (const m of result['methods'] as Array<{ method: string; summary: { medianNsPerLoop: number } }>) {
      expect(sample(text, new RegExp(`clocklab_read_cost_seconds\\{command="bench",method="${m.method}",clocksource="${cs}"\\}`))).toBeCloseTo(m.summary.medianNsPerLoop / 1e9, 15);
    }
  });

  it.skipIf(unmet({ cpus: 2 }))('warp --offsets: reads and warps per method, the TSC offset bound per CPU pair', () => {
    const { text, result } = run('warp', ['warp', '--methods', 'monotonic,rdtsc', '--duration', '0.2', '--offsets']);
    promtoolAccepts(text);
    for (const m of result['methods'] as Array<{ method: string; contract: string; reads: number; warps: number; detection?: { smallestStepNs: number } | null }>) {
      const labels = `command="warp",method="${m.method}",contract="${m.contract}",clocksource="[^"]+"`;
      expect(sample(text, new RegExp(`clocklab_warp_reads\\{${labels}\\}`))).toBe(m.reads);
      expect(sample(text, new RegExp(`clocklab_warps\\{${labels}\\}`))).toBe(m.warps);
      if (m.detection) expect(sample(text, new RegExp(`clocklab_warp_detection_limit_seconds\\{${labels}\\}`))).toBeCloseTo(m.detection.smallestStepNs / 1e9, 15);
    }
    const o = (result['offsets'] as Array<{ cpuA: number; cpuB: number; offsetCycles: number; errorCycles: number }>)[0];
    expect(o).toBeDefined();
    if (o) expect(sample(text, new RegExp(`clocklab_tsc_offset_bound_cycles\\{cpu_a="${o.cpuA}",cpu_b="${o.cpuB}"\\}`))).toBe(Math.abs(o.offsetCycles) + o.errorCycles);
  });

  it.skipIf(unmet({ kvm: true }))('pvclock --watch: the stable bit, agreement, torn reads', () => {
    const { text, result } = run('pvclock', ['pvclock', '--watch', '0.2', '--window-ms', '50']);
    promtoolAccepts(text);
    expect(sample(text, /clocklab_pvclock_stable_bit\{command="pvclock"\}/)).toBe((result['vdso'] as { stableBit: boolean }).stableBit ? 1 : 0);
    expect(sample(text, /clocklab_pvclock_torn_reads\{command="pvclock"\}/)).toBe(0);
    expect(sample(text, /clocklab_pvclock_vcpus\{command="pvclock"\}/)).toBe((result['records'] as unknown[]).length);
  });

  it('compare --current-only and info: accepted too', () => {
    const c = run('compare', ['compare', '--current-only', '--methods', 'monotonic', '--loops', '100000', '--runs', '2']);
    promtoolAccepts(c.text);
    expect(c.text).toMatch(/^clocklab_read_cost_seconds\{command="compare",method="monotonic",clocksource="[^"]+"\} \S+$/m);
    const i = run('info', ['info']);
    promtoolAccepts(i.text);
    expect(i.text).toMatch(/^clocklab_clocksource_info\{command="info",clocksource="[^"]+"\} 1$/m);
  });
});

describe('--prom refuses, before measuring (exit 2), a file it could not write', () => {
  it.each([
    ['a directory that does not exist', () => join(dir, 'missing', 'clocklab.prom'), /its directory .*missing must exist and be writable/],
    ['a directory given as the file', () => dir, /is a directory/],
    ['a directory that cannot be written (procfs)', () => '/proc/clocklab.prom', /must exist and be writable/],
  ])('%s', (_what, file, message) => {
    const target = file();
    const r = runCli(['check', '--prom', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    // Refused before measuring: nothing on stdout.
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it.skipIf(unmet({ root: true }))('a directory another user cannot write', () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o755);
    chmodSync(dir, 0o755);
    const r = runCli(['check', '--prom', join(ro, 'clocklab.prom')], { uid: 65534, gid: 65534 });
    expect(r.code, r.stderr).toBe(2);
    expect(readdirSync(ro)).toEqual([]);
  });
});

// `clocklab check` on the real machine, and with each failing condition
// injected at the evidence's source so the same judging, reporting and exit
// code path runs.
import { phraseWarp } from '../src/findings/phrase.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as MainModule from '../src/cli/main.js';
import { loadBinding } from '../src/native/binding.js';
import { realInputs } from '../src/probes/machine.js';
import { openPvclockPage } from '../src/probes/pvclock.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { overlaySource } from '../src/probes/source.js';
import { CheckResult, type CheckResultT } from '../src/results/check.js';
import { type Collectors } from '../src/runners/check/index.js';
import { readKernelLog } from '../src/probes/source.js';
import type * as PvclockModule from '../src/runners/pvclock.js';
import type * as WarpModule from '../src/runners/warp.js';
import { fromDist } from './helpers/dist.js';
import { PIPED, runCli } from './helpers/cli.js';
import { skipping, unmet } from './helpers/needs.js';
import { benchResult } from './fixtures/results.js';
import { fakePvclockPage } from './helpers/pvclock-page.js';

// The CLI and runners come from dist/: the warp runner's workers load compiled code.
const { main } = await fromDist<typeof MainModule>('cli/main.js');
const { runPvclock } = await fromDist<typeof PvclockModule>('runners/pvclock.js');
const { skewedRead, runWarp } = await fromDist<typeof WarpModule>('runners/warp.js');

const binding = loadBinding();

/** Runs the CLI in-process with injected evidence; returns exit code and output. */
async function check(args: string[], collect: Partial<Collectors>, inputs = realInputs(binding)): Promise<{ code: number; result: CheckResultT; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    const code = await main(['node', 'clocklab', 'check', '--json', '--duration', '0.4', ...args], { ...PIPED, inject: { check: { collect, inputs } } });
    return { code, result: CheckResult.parse(JSON.parse(stdout)), stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const byName = (r: CheckResultT, name: string) => r.checks.find((c) => c.name === name);

afterEach(() => {
  for (const c of [0, 1, 2, 3]) binding.setTscSkew(c, 0);
});

describe('clocklab check on this machine', () => {
  it('every check is ok or a documented warning, and text and JSON agree', () => {
    // How long check takes is printed by bench/abort.ts, not limited here.
    const r = runCli(['check', '--json']);
    const result = CheckResult.parse(JSON.parse(r.stdout));
    process.stderr.write(`[INFO] check: ${result.checks.map((c) => `${c.name}=${c.status}`).join(' ')}\n`);
    expect(result.checks.map((c) => c.name)).toEqual(['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'timesync', 'disturbance']);
    // The TSC check warns exactly where this machine's kernel withholds tsc
    // (a boot parameter, the watchdog ...) or its flags are not all good.
    const m = result.machine;
    const tscWarns = m.kernelView?.tsc.withheld != null || !m.clocksources.available.includes('tsc') || !(m.tscFlags.constant_tsc && m.tscFlags.nonstop_tsc && m.tscFlags.invariantTsc);
    expect(byName(result, 'tsc')?.status).toBe(tscWarns ? 'warn' : 'ok');
    for (const c of result.checks) {
      // Documented warnings: steal on a shared host; a clocksource other than
      // the recommended one; a clock no daemon has synchronised (CI guests).
      if (c.status === 'warn') expect(['disturbance', 'clocksource', 'timesync', ...(tscWarns ? ['tsc'] : [])]).toContain(c.name);
      expect(c.status).not.toBe('fail');
    }
    expect(r.code).toBe(0);
    const text = runCli(['check']);
    expect(text.code).toBe(0);
    for (const c of result.checks) expect(text.stdout).toMatch(new RegExp(`^\\[(OK|WARN|SKIP)\\]\\s+${c.name}\\s`, 'm'));
  });

  it('--out writes junit.xml with one testcase per check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clocklab-check-'));
    try {
      expect(runCli(['check', '--duration', '0.4', '--out', dir]).code).toBe(0);
      const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
      for (const name of ['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'timesync', 'disturbance']) expect(xml).toContain(`name="check ${name}"`);
      expect(xml.match(/<testcase /g)).toHaveLength(7);
      expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/Healthy|Warnings/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--compare FILE judges the clocksource against a stored comparison', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clocklab-check-compare-'));
    try {
      expect(runCli(['compare', '--current-only', '--loops', '100000', '--runs', '2', '--out', dir]).code).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { recommendation: Record<string, unknown>; machine: { clocksources: { available: string[]; current: string } } };
      const current = report.machine.clocksources.current;
      const other = report.machine.clocksources.available.find((c) => c !== current) ?? 'hpet';
      // A stored comparison from a day when the other clocksource won.
      report.recommendation = { ...report.recommendation, level: 'recommend', clocksource: other, reasons: [`${other} was faster`] };
      writeFileSync(join(dir, 'other.json'), JSON.stringify(report));
      const r = runCli(['check', '--json', '--duration', '0.4', '--compare', join(dir, 'other.json')]);
      const cs = CheckResult.parse(JSON.parse(r.stdout)).checks.find((c) => c.name === 'clocksource');
      expect(cs?.status).toBe('warn');
      expect(cs?.summary).toContain(`${other} is recommended`);
      expect(cs?.advice).toContain(`echo ${other} >`);
      expect(r.code).toBe(0);
      expect(runCli(['check', '--strict', '--duration', '0.4', '--compare', join(dir, 'other.json')]).code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad --duration and a --compare file that is not a compare report, exit 2', () => {
    expect(runCli(['check', '--duration', '0']).code).toBe(2);
    expect(runCli(['check', '--duration', 'x']).stderr).toMatch(/--duration must be a number of seconds above 0 and at most 3600, got 'x'/);
    const r = runCli(['check', '--compare', '/proc/cpuinfo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--compare \/proc\/cpuinfo/);
  });
});

describe('the kernel log check reads', () => {
  it.skipIf(unmet({ dmesg: true }))('is what dmesg prints: /dev/kmsg read without starting dmesg, the same messages', () => {
    const log = readKernelLog();
    expect(log).not.toBeNull();
    // A record is "prio,seq,usec,flags;message"; dmesg prints "[seconds] message".
    const messages = (log ?? '').split('\n').filter((l) => /^\d+,\d+,\d+,[^;]*;/.test(l)).map((l) => l.slice(l.indexOf(';') + 1));
    const printed = spawnSync('dmesg', [], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(messages.length).toBeGreaterThan(0);
    // The oldest records both still hold (the buffer may have grown between the two reads).
    const oldest = printed.slice(0, 20).map((l) => l.replace(/^\[[ \d.]+\] ?/, ''));
    expect(messages.slice(0, oldest.length)).toEqual(oldest);
  });
});

describe('clocklab check with a fault injected', () => {
  it('a bench where monotonic costs what the syscall costs fails the vDSO check, exit 1, saying why', async () => {
    // A vDSO that falls back to the system call cannot be made on this
    // machine (tsc and kvm-clock both have a vDSO mode), and a real syscall
    // measurement under monotonic's name would be a relabelled result: the
    // evidence is a bench result made by hand, figures of a machine whose
    // vDSO fell back (test/fixtures/results.ts), judged by the real code.
    const bench: Collectors['bench'] = async () => benchResult({ monotonic: 121, realtime: 118, sys_monotonic: 120 });
    const { code, result, stderr } = await check([], { bench });
    const vdso = byName(result, 'vdso');
    expect(vdso?.status).toBe('fail');
    expect(vdso?.summary).toMatch(/^monotonic and realtime cost like the system call \(.*\): the vDSO fell back$/);
    expect(vdso?.advice).toMatch(/vDSO|clocksource/);
    expect(code).toBe(1);
    expect(stderr).toMatch(/check failed: vdso/);
  });

  it.skipIf(unmet({ cpus: 2 }))('a warp of a method that must be monotonic fails the warp check, exit 1', async () => {
    // The self-test's skewed read this CPU can run: RDTSCP, or LFENCE;RDTSC where CPUID hides it.
    const skewed = skewedRead(binding);
    const warp: Collectors['warp'] = async (_m, methods, seconds) => {
      binding.setTscSkew(1, 100_000);
      try {
        return phraseWarp(await runWarp({ methods: [...methods, skewed], cpus: null, durationSeconds: seconds, offsets: false, selfTest: null }));
      } finally {
        binding.setTscSkew(1, 0);
      }
    };
    const { code, result } = await check([], { warp });
    const w = byName(result, 'warp');
    expect(w?.status).toBe('fail');
    expect(w?.summary).toMatch(new RegExp(`${skewed.id}: cpu \\d -> cpu \\d \\d+ cycles backwards`));
    expect(code).toBe(1);
  });

  const pvclockNeeds = { kvm: true } as const;
  const noPage = (): string | null => skipping(openPvclockPage(binding).state === 'readable' ? null : 'needs a readable pvclock page');

  it.skipIf(unmet(pvclockNeeds) ?? noPage())('a pvclock record with the stable bit clear fails the pvclock check, exit 1', async () => {
    // Every vCPU's record with flags 0, read by the real runner from bytes
    // standing in for the page.
    const page = new Uint8Array(fakePvclockPage(onlineCpus().map(() => ({ flags: 0 }))));
    const pvclock: Collectors['pvclock'] = () => runPvclock({ windowMs: 50, watchSeconds: 0.2, pageBytes: page });
    const { code, result } = await check([], { pvclock });
    const p = byName(result, 'pvclock');
    expect(p?.status).toBe('fail');
    expect(p?.summary).toMatch(/lacks PVCLOCK_TSC_STABLE_BIT/);
    expect(p?.advice).toMatch(/master-clock/);
    expect(code).toBe(1);
  });

  it.skipIf(unmet({ ...pvclockNeeds, cpus: 2 }) ?? noPage())('two vCPU records that disagree fail the pvclock check, exit 1', async () => {
    // vCPU 1's system_time 1500 ns ahead of vCPU 0's at the same tsc_timestamp.
    const page = new Uint8Array(fakePvclockPage([{}, { systemTime: 6500n }]));
    const pvclock: Collectors['pvclock'] = () => runPvclock({ windowMs: 50, watchSeconds: 0.2, pageBytes: page });
    const { code, result } = await check([], { pvclock });
    expect(byName(result, 'pvclock')?.summary).toMatch(/records disagree \(systemTimeNs; up to 1500 ns\)/);
    expect(code).toBe(1);
  });

  it('a cpuinfo without constant_tsc warns on the TSC and the clocksource; --strict makes it exit 1', async () => {
    const base = realInputs(binding);
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8').replaceAll(' constant_tsc', '');
    const inputs = { ...base, source: overlaySource({ '/proc/cpuinfo': cpuinfo }, base.source) };
    const lax = await check([], {}, inputs);
    expect(byName(lax.result, 'tsc')?.status).toBe('warn');
    expect(byName(lax.result, 'tsc')?.summary).toMatch(/no constant_tsc/);
    expect(lax.code).toBe(0);
    const strict = await check(['--strict'], {}, inputs);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/check failed: .*tsc/);
  });

  it('a kernel log that marked the TSC unstable warns on the TSC: exit 0, and 1 with --strict', async () => {
    const kernelLog = (): string => '[   12.5] clocksource: Marking TSC unstable due to clocksource watchdog\n';
    const { code, result } = await check([], { kernelLog });
    expect(byName(result, 'tsc')?.status).toBe('warn');
    expect(byName(result, 'tsc')?.summary).toMatch(/Marking TSC unstable/);
    expect(result.checks.some((c) => c.status === 'fail')).toBe(false);
    expect(code).toBe(0);
    const strict = await check(['--strict'], { kernelLog });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/check failed: .*tsc/);
  });
});

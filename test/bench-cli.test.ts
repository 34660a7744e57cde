// `clocklab bench` and `clocklab methods` as a user runs them: the thread's
// line byte for byte, a table that agrees with the JSON, JSON alone on stdout
// with --json, and bad input refused with exit 2 and a message that helps.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METHODS } from '../src/methods.js';
import { FEATURE_BITS, loadBinding } from '../src/native/binding.js';
import { BenchResult, type BenchResultT } from '../src/results/bench.js';
import { MethodsResult } from '../src/results/methods.js';
import { runMethods } from '../src/runners/methods.js';
import { PIPED, runCli } from './helpers/cli.js';

const binding = loadBinding();
const dir = mkdtempSync(join(tmpdir(), 'clocklab-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The thread's line: printf("%d loops in %.5fs = %.2f nsec / loop\n"), after the method. */
const LINE = /^(\S+) +(\d+) loops in (\d+\.\d{5})s = (\d+\.\d{2}) nsec \/ loop$/;

describe('clocklab bench', () => {
  const methods = ['rdtsc', 'monotonic', 'monotonic_coarse', 'sys_monotonic'];
  const run = runCli(['bench', '--methods', methods.join(','), '--loops', '20000', '--runs', '3', '--out', dir]);
  const result: BenchResultT = BenchResult.parse(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')));

  it('exits 0 and prints one line per run in the thread format, matching the JSON', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(''); // not a TTY: no progress bar, nothing else
    const lines = run.stdout.split('\n').filter((l) => / loops in /.test(l));
    expect(lines).toHaveLength(methods.length * 3);
    let i = 0;
    for (const m of result.methods) {
      expect(m.status).toBe('measured');
      if (m.status !== 'measured') continue;
      for (const r of m.runs) {
        const line = lines[i++] ?? '';
        const g = LINE.exec(line);
        expect(g, line).not.toBeNull();
        expect(g?.[1]).toBe(m.method);
        expect(Number(g?.[2])).toBe(20000);
        expect(Math.abs(Number(g?.[3]) - r.elapsedNs / 1e9)).toBeLessThanOrEqual(0.5e-5 + 1e-12);
        expect(Math.abs(Number(g?.[4]) - r.nsPerLoop)).toBeLessThanOrEqual(0.005 + 1e-9);
        // Byte for byte after the method: two spaces after the padded name, then the printf body.
        expect(line.slice(line.indexOf('  ') + 2).trimStart()).toBe(
          `20000 loops in ${(r.elapsedNs / 1e9).toFixed(5)}s = ${r.nsPerLoop.toFixed(2)} nsec / loop`,
        );
      }
    }
  });

  it('prints one table whose rows agree with the JSON summary', () => {
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('│') && !l.includes('median'));
    expect(rows).toHaveLength(methods.length);
    for (const [k, m] of result.methods.entries()) {
      if (m.status !== 'measured') continue;
      const cells = (rows[k] ?? '').split('│').map((c) => c.trim()).filter((c) => c !== '');
      const s = m.summary;
      expect(cells).toEqual([
        m.method,
        s.medianNsPerLoop.toFixed(2),
        s.minNsPerLoop.toFixed(2),
        s.maxNsPerLoop.toFixed(2),
        s.spreadPercent.toFixed(1),
        s.cyclesPerLoop.toFixed(1),
        // The base shows its 1.00x alone; every other ratio its 95% interval.
        s.ratioToFastestClockInterval
          ? `${(s.ratioToFastestClock ?? NaN).toFixed(2)}x [${s.ratioToFastestClockInterval.low.toFixed(2)}, ${s.ratioToFastestClockInterval.high.toFixed(2)}]`
          : `${(s.ratioToFastestClock ?? NaN).toFixed(2)}x`,
      ]);
      if (m.method === 'monotonic') expect(s.ratioToFastestClockInterval).toBeNull();
      else expect(s.ratioToFastestClockInterval?.high).toBeGreaterThanOrEqual(s.ratioToFastestClockInterval?.low ?? Infinity);
    }
    expect(run.stdout).toMatch(/ratio: median ns\/loop over that of monotonic, the fastest fine-resolution clock_gettime method/);
    expect(run.stdout).not.toMatch(/\x1b\[/);
  });

  it('records what could disturb the run', () => {
    expect(result.disturbance.cpus).toEqual([result.options.cpu]);
    expect(result.disturbance.clocksourceBefore).toBe(result.machine.clocksources.current);
    expect(result.disturbance.loadAverageBefore).toHaveLength(3);
    expect(result.options).toMatchObject({ methods, loops: 20000, runs: 3, durationSeconds: null, warmup: true });
  });

  it('--json prints the result object alone', () => {
    const r = runCli(['bench', '--methods', 'rdtsc,monotonic', '--loops', '10000', '--runs', '2', '--json', '--no-warmup', '--cpu', '0']);
    expect(r.code, r.stderr).toBe(0);
    const parsed = BenchResult.parse(JSON.parse(r.stdout));
    expect(parsed.options).toMatchObject({ cpu: 0, warmup: false, runs: 2 });
    expect(r.stderr).toBe('');
  });

  it('--duration instead of --runs', () => {
    const r = runCli(['bench', '--methods', 'monotonic', '--loops', '10000', '--duration', '0.05', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(BenchResult.parse(JSON.parse(r.stdout)).options).toMatchObject({ runs: null, durationSeconds: 0.05 });
  });

  it('--methods all measures what runs here and says what it skipped', async () => {
    // RDPID and RDTSCP masked in the addon (its CPUID check, native/cpuid.h),
    // so those methods really cannot run: the path a CPU without them takes,
    // on every machine. What else cannot run here (the pvclock readers on a
    // guest without a page) the availability probe says, mask in place.
    const { main } = await import('../src/cli/main.js');
    const { methodAvailability } = await import('../src/probes/availability.js');
    const MASK = FEATURE_BITS.rdpid | FEATURE_BITS.rdtscp;
    const masked = <T>(f: () => T): T => {
      binding.maskFeatures(MASK);
      try {
        return f();
      } finally {
        binding.maskFeatures(0);
      }
    };
    const run = async (args: string[]): Promise<{ code: number; stdout: string }> => {
      let stdout = '';
      const out = vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((stdout += String(t)), true));
      binding.maskFeatures(MASK);
      try {
        return { code: await main(['node', 'clocklab', 'bench', '--methods', 'all', '--loops', '1000', '--runs', '1', ...args], PIPED), stdout };
      } finally {
        binding.maskFeatures(0);
        out.mockRestore();
      }
    };
    const cannot = masked(() => METHODS.filter((m) => !methodAvailability(binding, m).available).map((m) => m.id));
    // Every method that executes RDPID or RDTSCP is among them, whatever the CPU.
    for (const m of METHODS.filter((x) => x.requires.includes('rdpid') || x.requires.includes('rdtscp'))) expect(cannot).toContain(m.id);
    const json = await run(['--json']);
    expect(json.code).toBe(0);
    const parsed = BenchResult.parse(JSON.parse(json.stdout));
    expect(parsed.methods.map((m) => m.method)).toEqual(METHODS.map((m) => m.id));
    const skipped = parsed.methods.filter((m) => m.status !== 'measured');
    expect(skipped.map((m) => [m.method, m.status])).toEqual(cannot.map((id) => [id, 'unsupported']));
    const reason = (id: string): string => {
      const m = skipped.find((x) => x.method === id);
      return m?.status === 'unsupported' ? m.reason : '';
    };
    expect(reason('rdpid')).toMatch(/CPUID\.\(EAX=7,ECX=0\):ECX\[22\]/);
    expect(reason('rdtscp')).toMatch(/CPUID\.80000001H:EDX\[27\]/);
    // The text report says so, with the reason, and times every other method.
    const text = await run([]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\[SKIP\]\s+rdpid\s+\S.*$/m);
    expect(text.stdout).toMatch(/^\[SKIP\]\s+rdtscp\s+\S.*CPUID\.80000001H:EDX\[27\].*$/m);
    expect(text.stdout.match(/^\[SKIP\]/gm)).toHaveLength(cannot.length);
    for (const m of METHODS.filter((x) => !cannot.includes(x.id))) expect(text.stdout).toMatch(new RegExp(`^${m.id} +1000 loops in `, 'm'));
  });

  it('--help names the default methods, all, and the exit codes', () => {
    const r = runCli(['bench', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/default:\s+rdtsc,rdtscp,lfence_rdtsc,monotonic,realtime,monotonic_raw,monotonic_coarse,sys_monotonic,gettimeofday/);
    expect(r.stdout).toMatch(/'all'/);
    expect(r.stdout).toMatch(/Exit codes/);
  });
});

describe('clocklab bench: bad input exits 2 with a message', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--methods', 'bogus'], /unknown method 'bogus'; known methods: rdtsc, rdtscp, .*gettimeofday, time/],
    [['--methods', ''], /the method list \(--methods\) is empty/],
    [['--loops', '0'], /--loops must be a whole number from 1 to 4294967295, got 0$/m],
    [['--loops', '-5'], /--loops must be a whole number from 1 to 4294967295, got -5$/m],
    [['--loops', '1.5'], /--loops must be a whole number from 1 to 4294967295, got 1.5$/m],
    [['--loops', 'abc'], /--loops must be a whole number from 1 to 4294967295, got 'abc'$/m],
    [['--loops', '4294967296'], /--loops must be a whole number from 1 to 4294967295, got 4294967296$/m],
    [['--loops', '99999999999999999999'], /--loops must be a whole number from 1 to 4294967295/],
    [['--runs', '0'], /--runs must be a whole number from 1 to 100000, got 0$/m],
    [['--runs', 'x'], /--runs must be a whole number from 1 to 100000, got 'x'$/m],
    [['--runs', '100000000'], /--runs must be a whole number from 1 to 100000, got 100000000$/m],
    [['--runs', '3', '--duration', '1'], /give --runs or --duration, not both/],
    [['--duration', '0'], /--duration must be a number of seconds above 0 and at most 3600, got 0$/m],
    [['--cpu', '4095'], /CPU 4095 is not online/],
    [['--methods', 'sys_monotonic', '--loops', '4294967295', '--runs', '100'], /would take about/],
    [['--out', '/proc/clocklab'], /--out \/proc\/clocklab is not a writable directory/],
    [['--out', join(dir, 'a-file')], /--out .*a-file is not a writable directory \(it is not a directory\)/],
  ];
  writeFileSync(join(dir, 'a-file'), '');
  for (const [args, msg] of cases) {
    it(args.join(' '), () => {
      const r = runCli(['bench', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    });
  }
});

describe('clocklab bench --out on a read-only mount', () => {
  // Root may write anywhere by mode bits, so a read-only tmpfs stands in for
  // the directory a user cannot write: refused before anything is measured.
  const ro = join(dir, 'ro');
  const why = process.getuid?.() !== 0 ? 'needs root to mount a read-only tmpfs' : null;
  if (why) process.stderr.write(`[SKIP] ${why}\n`);
  let mounted = false;
  beforeAll(() => {
    if (why) return;
    mkdirSync(ro);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`mount -t tmpfs -o ro failed: ${m.stderr}`);
    mounted = true;
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [ro]);
  });
  it.skipIf(why)('exits 2 with the reason, and prints no measurement', () => {
    const r = runCli(['bench', '--methods', 'rdtsc', '--out', ro]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--out .*ro is not a writable directory \(EROFS/);
    expect(r.stdout).toBe('');
  });
});

describe('clocklab methods', () => {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));

  it('--json lists every registry method with whether it runs here', () => {
    const r = runCli(['methods', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const parsed = MethodsResult.parse(JSON.parse(r.stdout));
    expect(parsed.methods.map((m) => m.method)).toEqual(METHODS.map((m) => m.id));
    const byId = new Map(parsed.methods.map((m) => [m.method, m]));
    expect(byId.get('rdtscp')?.available).toBe(flags.has('rdtscp'));
    expect(byId.get('rdpid')?.available).toBe(flags.has('rdpid'));
    expect(byId.get('monotonic')?.available).toBe(true);
    for (const m of parsed.methods) expect(m.available === (m.reason === null), m.method).toBe(true);
  });

  it('has no report files: --out is refused with exit 2', () => {
    const r = runCli(['methods', '--out', join(dir, 'methods')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--out'/);
  });

  it('prints a table of every method', () => {
    const r = runCli(['methods']);
    expect(r.code).toBe(0);
    for (const m of METHODS) expect(r.stdout).toMatch(new RegExp(`│ ${m.id} +│`));
    expect(r.stdout).toMatch(/\d+ of \d+ methods run on this machine/);
  });

  it('says why not: the instruction and CPUID bit, or the clock the kernel lacks', () => {
    const binding = loadBinding();
    binding.maskFeatures(FEATURE_BITS.rdpid | FEATURE_BITS.rdtscp);
    try {
      // The kernel lacks no clock here, so one is taken away at the binding,
      // failing as the addon fails for a clock id clock_gettime refuses.
      const tai = binding.methodTable.findIndex((m) => m.name === 'tai');
      const lacking = {
        ...binding,
        methodRead(index: number): bigint {
          if (index === tai) throw Object.assign(new Error('tai: Invalid argument'), { code: 'ERR_CLOCKLAB_ERRNO', errno: 22 });
          return binding.methodRead(index);
        },
      };
      const r = runMethods({ binding: lacking });
      const byId = new Map(r.methods.map((m) => [m.method, m]));
      expect(byId.get('rdpid')).toMatchObject({ available: false, cause: 'cpu', reason: 'rdpid is not available on this CPU (CPUID.(EAX=7,ECX=0):ECX[22] is clear)' });
      expect(byId.get('rdtscp')).toMatchObject({ available: false, cause: 'cpu', reason: expect.stringMatching(/CPUID\.80000001H:EDX\[27\]/) as unknown });
      expect(byId.get('tai')).toMatchObject({ available: false, cause: 'kernel', reason: 'clock_gettime(CLOCK_TAI) fails with EINVAL: the kernel does not have this clock' });
      expect(byId.get('monotonic')?.available).toBe(true);
    } finally {
      binding.maskFeatures(0);
    }
  });
});

// `clocklab warp` as a user runs it: exit codes, messages, the JSON result,
// the self-test, and quiet output when piped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WarpResult } from '../src/results/warp.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { CLI, runCli } from './helpers/cli.js';
import { skipping, unmet } from './helpers/needs.js';
import { loadBinding } from '../src/native/binding.js';

const offline = Math.max(...onlineCpus()) + 1;
/** The ordered TSC read CPUID offers, and the self-test's skewed read of it
 * (these tests run the CLI as a child, so the machine's own path). */
const READ = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';
const SKEWED = `skewed_${READ}`;

describe('clocklab warp: bad input exits 2 with a clear message', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--cpus', String(offline)], new RegExp(`CPU ${offline} is not online; online CPUs: `)],
    [['--cpus', '5000'], /CPU 5000 is out of range/],
    [['--cpus', ''], /the CPU list is empty/],
    [['--cpus', '0,,x'], /malformed CPU list/],
    [['--cpus', '3-1'], /runs backwards/],
    [['--duration', '0'], /--duration must be a number of seconds above 0 and at most 86400, got 0$/m],
    [['--duration', 'ten'], /--duration must be a number of seconds above 0 and at most 86400, got 'ten'/],
    [['--duration', '-3'], /--duration must be a number of seconds above 0/],
    [['--duration', 'NaN'], /--duration must be a number of seconds above 0/],
    [['--methods', 'monotonic,nope'], /unknown method 'nope'/],
    [['--methods', ','], /the method list \(--methods\) is empty/],
    [['--self-test', '--cpus', '0'], /the self-test \(--self-test\) needs at least two CPUs \(--cpus\)/],
    [['--skew', '100'], /--skew only applies with --self-test/],
    [['--self-test', '--skew', 'lots'], /--skew must be a non-zero whole number/],
  ];
  for (const [args, message] of cases) {
    it(`warp ${args.map((a) => (a === '' ? "''" : a)).join(' ')}`, () => {
      const r = runCli(['warp', ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }
});

describe('clocklab warp', () => {
  it('--help says what --duration means', () => {
    const r = runCli(['warp', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/seconds EACH method runs/);
  });

  it('--json prints a valid result; piped, no progress reaches stderr', () => {
    const r = runCli(['warp', '--json', '--methods', 'monotonic,rdtsc', '--duration', '0.3', '--cpus', '0']);
    expect(r.code).toBe(0);
    const result = WarpResult.parse(JSON.parse(r.stdout));
    expect(result.methods.map((m) => m.method)).toEqual(['monotonic', 'rdtsc']);
    expect(result.options).toMatchObject({ cpus: [0], durationSeconds: 0.3, offsets: false, selfTest: false });
    expect(r.stderr).toBe('');
  });

  it.skipIf(unmet({ cpus: 2 }))('--self-test finds the planted warp and exits 0, with a line to paste naming the read', () => {
    const r = runCli(['warp', '--self-test', '--duration', '0.5', '--cpus', '0,1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^self-test: CPU 1's ${SKEWED} reads were lowered by 100000 cycles`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^\\[INFO\\] ${SKEWED}`, 'm'));
    expect(r.stdout).toMatch(/^\[INFO\] skewed_\w+\s+cpu 0 -> cpu 1: \d+ cycles \([\d.,]+ ns\) backwards \(before \d+, after \d+\)/m);
    expect(r.stdout).toMatch(/^\[OK\]\s+self-test\s+found \d+ warps into CPU 1/m);
  });

  it.skipIf(unmet({ cpus: 2 }))('a self-test whose skew is below what the lock hand-off can show fails: exit 1', () => {
    // 20 cycles is far less than one cache-line transfer between CPUs, so no
    // warp of about 20 cycles can be seen: the checker must say it did not
    // find the skew rather than pass.
    const r = runCli(['warp', '--self-test', '--skew', '20', '--duration', '0.3', '--cpus', '0,1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\[FAIL\] self-test/m);
    expect(r.stderr).toMatch(/clocklab: the self-test failed: /);
  });

  it('text output: an [OK] line per method that held, and the table', () => {
    const r = runCli(['warp', '--methods', `monotonic,${READ}`, '--duration', '0.3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[OK\]\s+monotonic\s+no warp in [\d,]+ reads on \d+ CPUs? over/m);
    expect(r.stdout).toMatch(new RegExp(`^\\[OK\\]\\s+${READ}\\s+no warp`, 'm'));
    expect(r.stdout).toMatch(/│ method\s+│ contract\s+│\s+reads │/);
  });
});

describe('clocklab warp under a narrower CPU affinity', () => {
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  it.skipIf(unmet({ cpus: 2 }) ?? skipping(taskset ? null : 'needs taskset (util-linux)'))('a named CPU the process may not run on exits 3; by default it is left out', () => {
    const run = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(taskset ?? 'taskset', ['-c', '0', process.execPath, CLI, 'warp', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const named = run(['--cpus', '0,1', '--duration', '0.1']);
    expect(named.code).toBe(3);
    expect(named.stderr).toMatch(/CPU 1 is online but this process may not run there/);
    const dflt = run(['--methods', 'monotonic', '--duration', '0.1', '--json']);
    expect(dflt.code).toBe(0);
    expect(WarpResult.parse(JSON.parse(dflt.stdout)).options.cpus).toEqual([0]);
  });
});

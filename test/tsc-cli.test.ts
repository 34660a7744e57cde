// `clocklab tsc` as a user runs it: bad input exits 2, a replay says its
// claims and exits 0, a measurement's JSON matches the schema and its exit
// code is the verdict's, --prom writes the gauges.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TscResult } from '../src/results/tsc.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { runCli } from './helpers/cli.js';
import { unmet } from './helpers/needs.js';

const offline = Math.max(...onlineCpus()) + 1;

describe('clocklab tsc: bad input exits 2 with a clear message', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--duration', '0.05'], /--duration must be a number of seconds from 0.1 to 3600, got 0.05/],
    [['--duration', 'ten'], /--duration must be a number of seconds from 0.1 to 3600, got 'ten'/],
    [['--cpus', String(offline)], new RegExp(`CPU ${offline} is not online`)],
    [['--self-test', '--cpus', '0'], /the self-test \(--self-test\) needs at least two CPUs \(--cpus\)/],
    [['--machine', 'test/fixtures/machines/pvm-on-bhyve-amd', '--self-test'], /has nothing to measure/],
  ];
  for (const [args, message] of cases) {
    it(`tsc ${args.join(' ')}`, () => {
      const r = runCli(['tsc', ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }
});

describe('clocklab tsc on a capture', () => {
  it('the PVM guest: its claims side by side, the boot parameter named, exit 0', () => {
    const r = runCli(['tsc', '--machine', 'test/fixtures/machines/pvm-on-bhyve-amd']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usable from user space\s+not measured \(a replay: claims only\)/);
    expect(r.stdout).toMatch(/pvclock\s+│\s+2096\.038000 MHz.*\+0\.000 ppm/);
    expect(r.stdout).toMatch(/kernel uses the TSC\s+no: kvm-clock \(tsc withheld: boot parameter, tsc=unstable, not measured\); it scales the TSC/);
  });
});

describe('clocklab tsc on this machine', () => {
  it.skipIf(unmet({ x86: true }))('--json is a TscResult and the exit code is its verdict; --prom has the rate gauges', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clocklab-tsc-'));
    const prom = join(dir, 'tsc.prom');
    const r = runCli(['tsc', '--duration', '0.5', '--no-fence', '--json', '--prom', prom]);
    const result = TscResult.parse(JSON.parse(r.stdout));
    expect(r.code, r.stderr).toBe(result.verdict.usable ? 0 : 1);
    expect(result.rates.map((x) => x.cpu)).toEqual(result.options.cpus);
    const text = readFileSync(prom, 'utf8');
    for (const c of result.options.cpus) expect(text).toMatch(new RegExp(`clocklab_tsc_rate_hertz\\{command="tsc",cpu="${c}",clock="monotonic_raw"\\} \\d{9,}`));
    expect(text).toMatch(/clocklab_tsc_usable\{command="tsc"\} [01]/);
  });
});

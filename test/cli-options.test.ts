// cli-options.test.ts: do the options the README documents do what it says,
// run as a user runs them? warp --offsets, --out and --methods all; pvclock
// --out; compare --cpu and --warp-cpus (with --current-only: no root, no
// switch); --help of compare, check, methods and restore; the progress bar
// on a real terminal; and the compare and pvclock reports against the
// shipped JSON Schema.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_COMMANDS } from '../src/cli/commands/index.js';
import { METHODS } from '../src/methods.js';
import { loadBinding } from '../src/native/binding.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { openPvclockPage } from '../src/probes/pvclock.js';
import { CompareResult } from '../src/results/compare.js';
import { PvclockResult } from '../src/results/pvclock.js';
import { WarpResult } from '../src/results/warp.js';
import { isWarpCheckable } from '../src/runners/warp.js';
import { CLI, runCli } from './helpers/cli.js';
import { skipping, unmet } from './helpers/needs.js';

const tmp = mkdtempSync(join(tmpdir(), 'clocklab-options-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const schema: unknown = JSON.parse(readFileSync(new URL('../schema/report.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema as object);
/** The schema's complaints about a report, [] when it validates. */
const schemaErrors = (report: unknown): unknown[] => (validate(report) ? [] : (validate.errors ?? ['invalid']));

const REPORT_FILES = ['junit.xml', 'report.html', 'report.json', 'summary.md'];
const noPage = unmet({ kvm: true }) ?? skipping(openPvclockPage(loadBinding()).state === 'readable' ? null : 'needs a readable pvclock page');

describe('clocklab warp', () => {
  it.skipIf(unmet({ cpus: 2 }))('--offsets prints the table of TSC offsets per CPU pair, as the JSON has them, naming the read', () => {
    // RDTSCP where CPUID offers it, else LFENCE;RDTSC (never RDTSCP that CPUID hides).
    const read = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';
    const text = runCli(['warp', '--methods', 'lfence_rdtsc', '--duration', '0.2', '--cpus', '0,1', '--offsets']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^== TSC offsets between CPUs$/m);
    expect(text.stdout).toContain(`Ping-pong over one cache line, read with ${read}; B minus A at the same instant.`);
    expect(text.stdout).toMatch(/│ CPU A │ CPU B │ offset \(cycles\) │ error \(± cycles\) │ round trips │/);
    expect(text.stdout).toMatch(/│ +0 │ +1 │ +-?[\d.,]+ │ +[\d.,]+ │ +[\d,]+ │/);
    const json = runCli(['warp', '--methods', 'lfence_rdtsc', '--duration', '0.2', '--cpus', '0,1', '--offsets', '--json']);
    const result = WarpResult.parse(JSON.parse(json.stdout));
    expect(result.options.offsets).toBe(true);
    expect(result.offsetsMethod).toBe(read);
    expect(result.offsets?.map((o) => [o.cpuA, o.cpuB])).toEqual([[0, 1]]);
    expect(result.offsets?.[0]?.samples).toBeGreaterThan(0);
  });

  it('--out writes the four report files, and report.json validates against the schema', () => {
    const out = join(tmp, 'warp');
    const r = runCli(['warp', '--methods', 'monotonic', '--duration', '0.1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(REPORT_FILES);
    const report: unknown = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(schemaErrors(report)).toEqual([]);
    expect(WarpResult.parse(report).methods.map((m) => m.method)).toEqual(['monotonic']);
    expect(readFileSync(join(out, 'summary.md'), 'utf8').split('\n')[0]).toBe('## clocklab warp: ✅ passed');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('name="warp monotonic"');
    // The text report still goes to stdout.
    expect(r.stdout).toMatch(/^\[OK\]\s+monotonic\s+no warp/m);
  });

  it('--methods all checks every method with a cross-CPU contract, and says why it leaves the others out', () => {
    const r = runCli(['warp', '--methods', 'all', '--duration', '0.05', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = WarpResult.parse(JSON.parse(r.stdout));
    expect(result.methods.map((m) => m.method)).toEqual(METHODS.filter(isWarpCheckable).map((m) => m.id));
    for (const m of result.methods) {
      if (m.status === 'measured') expect(m.readsPerCpu.map((c) => c.cpu), m.method).toEqual(onlineCpus());
      else expect(m.reason, m.method).toMatch(/\S/);
    }
    // Per-thread clocks and the CPU number are not time across CPUs: 'all' leaves them out.
    expect(result.methods.map((m) => m.method)).not.toContain('thread_cputime');
    expect(result.methods.map((m) => m.method)).not.toContain('rdpid');
  });
});

describe.skipIf(noPage)('clocklab pvclock', () => {
  it('--out writes the four report files, and report.json validates against the schema', () => {
    const out = join(tmp, 'pvclock');
    const r = runCli(['pvclock', '--window-ms', '100', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(REPORT_FILES);
    const report: unknown = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(schemaErrors(report)).toEqual([]);
    expect(PvclockResult.parse(report).records.length).toBe(onlineCpus().length);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/^## clocklab pvclock: /);
    expect(r.stdout).toMatch(/^pvclock page\s+0x[0-9a-f]+/m);
  });

  it('--json with --watch validates against the schema', () => {
    const r = runCli(['pvclock', '--window-ms', '100', '--watch', '0.5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report: unknown = JSON.parse(r.stdout);
    expect(schemaErrors(report)).toEqual([]);
    expect(PvclockResult.parse(report).watch?.counts.length).toBe(onlineCpus().length);
  });
});

// --current-only: measures where it stands, so no root and no switch.
describe.skipIf(unmet({ cpus: 2 }))('clocklab compare --cpu and --warp-cpus', () => {
  const compare = (args: string[]) =>
    runCli(['compare', '--current-only', '--methods', 'monotonic,lfence_rdtsc', '--loops', '10000', '--runs', '2', '--warp', '--warp-duration', '0.1', '--warp-methods', 'monotonic', ...args, '--json']);

  it('--cpu 1 times the loops on CPU 1; --warp-cpus 0,1 checks warps on those two; the report validates against the schema', () => {
    const r = compare(['--cpu', '1', '--warp-cpus', '0,1']);
    expect(r.code, r.stderr).toBe(0);
    const report: unknown = JSON.parse(r.stdout);
    expect(schemaErrors(report)).toEqual([]);
    const result = CompareResult.parse(report);
    expect(result.options).toMatchObject({ cpu: 1, warp: true, warpCpus: [0, 1] });
    expect(result.runs.map((x) => x.bench.options.cpu)).toEqual([1]);
    expect(result.runs[0]?.warp?.options.cpus).toEqual([0, 1]);
    expect(result.runs[0]?.warp?.methods.map((m) => m.status === 'measured' && m.readsPerCpu.map((c) => c.cpu))).toEqual([[0, 1]]);
  });

  it('--warp-cpus 1 checks on CPU 1 alone; a CPU that is not online is refused, exit 2', () => {
    const r = compare(['--cpu', '0', '--warp-cpus', '1']);
    expect(r.code, r.stderr).toBe(0);
    const result = CompareResult.parse(JSON.parse(r.stdout));
    expect(result.runs.map((x) => x.bench.options.cpu)).toEqual([0]);
    expect(result.runs[0]?.warp?.options.cpus).toEqual([1]);
    const offline = Math.max(...onlineCpus()) + 1;
    for (const bad of [['--cpu', String(offline)], ['--warp-cpus', String(offline)]]) {
      const refused = compare(bad);
      expect(refused.code, bad.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`CPU ${offline} is not online`));
      expect(refused.stdout).toBe('');
    }
  });
});

describe('--help', () => {
  for (const name of ['compare', 'check', 'methods', 'restore'] as const) {
    it(`clocklab ${name} --help lists every flag of its table and says what it does, exit 0`, () => {
      const cli = CLI_COMMANDS.find((c) => c.name === name);
      if (!cli) throw new Error(`no CLI table for ${name}`);
      const r = runCli([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Usage: clocklab ${name} \\[options\\]$`, 'm'));
      // The description, rewrapped by commander: compare its words.
      const words = (s: string): string => s.replace(/\s+/g, ' ');
      expect(words(r.stdout)).toContain(words(cli.description));
      for (const f of cli.flags) expect(r.stdout, f.flag).toContain(f.flag);
      if (cli.after) expect(words(r.stdout)).toContain(words(cli.after).trim());
    });
  }

  it('the help of compare and check ends with their exit codes', () => {
    expect(runCli(['compare', '--help']).stdout).toMatch(/Exit codes: 0 done, 1 a monotonic method warped or a regression past --threshold, 2 bad usage, 3 cannot/);
    expect(runCli(['check', '--help']).stdout).toMatch(/Exit codes: 0 healthy \(or warnings\); 1 a check failed \(or warned, with --strict\); 2 bad usage; 3 cannot; 130 interrupted\./);
  });
});

// script(1) gives the CLI a pseudo-terminal for stdout and stderr, as a shell would.
const tty = spawnSync('script', ['-qec', 'test -t 2', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
const noTty = skipping(tty.status === 0 ? null : 'needs util-linux script(1) and a pseudo-terminal');

describe.skipIf(noTty)('the progress bar on a real terminal', () => {
  /** What a terminal shows of a run: stdout and stderr, with the bar's redraws. */
  const onTty = (args: string[]): { code: number | null; screen: string } => {
    const r = spawnSync('script', ['-qec', [process.execPath, CLI, ...args].join(' '), '/dev/null'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm', NO_COLOR: '1' },
      timeout: 120_000,
    });
    return { code: r.status, screen: String(r.stdout) };
  };

  it('warp draws a bar with its percentage and the method being checked, then clears it for the report', () => {
    const { code, screen } = onTty(['warp', '--methods', 'monotonic,lfence_rdtsc', '--duration', '1']);
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/[█░]{10,} \d{1,3}% monotonic/);
    expect(screen).toMatch(/[█░]{10,} \d{1,3}% lfence_rdtsc/);
    // Redrawn in place (carriage returns), and the report follows the bar.
    expect(screen).toContain('\r');
    expect(screen).toMatch(/\[OK\]\s+monotonic\s+no warp/);
  });

  it('bench draws one on stderr, and --json sent to a file holds the JSON alone', () => {
    const bar = onTty(['bench', '--methods', 'monotonic', '--loops', '100000', '--runs', '20']);
    expect(bar.code, bar.screen).toBe(0);
    expect(bar.screen).toMatch(/[█░]{10,} \d{1,3}% /);
    const file = join(tmp, 'bench.json');
    const json = onTty(['bench', '--methods', 'monotonic', '--loops', '100000', '--runs', '20', '--json', '>', file]);
    expect(json.code, json.screen).toBe(0);
    expect(json.screen).toMatch(/[█░]{10,} \d{1,3}% /);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { command: string }).command).toBe('bench');
  });
});

// `clocklab capture DIR` on this machine: every file of the layout written
// (or said why not), and a replay of it through info, methods and check
// agreeing with the live probes on the same facts. Expectations come from the
// live machine, never from what this machine happens to be.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../src/api.js';
import { main } from '../src/cli/main.js';
import { UsageError } from '../src/errors.js';
import { loadBinding, type Binding } from '../src/native/binding.js';
import { parseCpuidText } from '../src/probes/capture-format.js';
import { realInputs } from '../src/probes/machine.js';
import { CAPTURE_FILES, CAPTURE_LISTS } from '../src/probes/source.js';
import { readKernelLog } from '../src/probes/source.js';
import { judgeClocksource, judgeTsc, recommendFromTsc } from '../src/runners/check/judge.js';
import { runInfo } from '../src/runners/info.js';
import { runMethods } from '../src/runners/methods.js';
import { PIPED, runCli } from './helpers/cli.js';
import { unmet } from './helpers/needs.js';

const root = mkdtempSync(join(tmpdir(), 'clocklab-capture-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (name: string): string => join(root, name);

describe.skipIf(unmet({ x86: true }))('clocklab capture on this machine', () => {
  const dir = fresh('here');
  const outcome = api.capture({ dir });
  const binding = loadBinding();

  it('writes every file of the layout, or says why not', () => {
    const written = new Set(readdirSync(dir));
    const listed = new Set(outcome.files.map((f) => f.file));
    expect(written).toEqual(listed);
    for (const f of outcome.files) expect(statSync(join(dir, f.file)).size, f.file).toBe(f.bytes);
    const layout = new Set([...CAPTURE_FILES.map((f) => f.file), ...CAPTURE_LISTS.map((l) => l.file), 'cpuid.txt', 'pvclock.txt', 'clocks.txt', 'adjtimex', 'rdtscp-probe.txt', 'README.md']);
    for (const file of layout) expect(listed.has(file) || outcome.omitted.some((o) => o.file === file), file).toBe(true);
    for (const file of ['cpuinfo', 'cpuid.txt', 'uname', 'available_clocksource', 'current_clocksource', 'cpu-online', 'maps-vvar.txt', 'pvclock.txt', 'clocks.txt', 'README.md']) {
      expect(listed.has(file), file).toBe(true);
    }
    // RDTSCP and RDPID are tried in a forked child whatever CPUID says, so the file is always there.
    expect(listed.has('rdtscp-probe.txt')).toBe(true);
    expect(outcome.replay).toBe(`clocklab info --machine ${dir}`);
  });

  it('files hold what the machine says, in the shared layout', () => {
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    expect(read('cpuinfo')).toBe(readFileSync('/proc/cpuinfo', 'utf8'));
    expect(read('available_clocksource')).toBe(readFileSync('/sys/devices/system/clocksource/clocksource0/available_clocksource', 'utf8'));
    const { cpuid } = parseCpuidText(read('cpuid.txt'));
    expect(cpuid(0, 0)).toEqual(binding.cpuid(0, 0));
    expect(cpuid(0x80000000, 0)).toEqual(binding.cpuid(0x80000000, 0));
    expect(read('cpuid.txt').split('\n')[0]).toMatch(/^0x00000000 0x00: eax=0x[0-9a-f]{8} ebx=0x[0-9a-f]{8} ecx=0x[0-9a-f]{8} edx=0x[0-9a-f]{8}$/);
    expect(read('uname').trim().split(/\s+/)[1]).toBe(readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
    for (const line of read('maps-vvar.txt').trim().split('\n').filter((l) => l !== '')) expect(line).toMatch(/\[(vvar|vvar_vclock|vdso)\]$/);
    if (outcome.files.some((f) => f.file === 'dmesg.txt')) {
      const first = read('dmesg.txt').split('\n')[0] ?? '';
      expect(first).toMatch(/^\[ *\d+\.\d{6}\] \S/);
    }
    const readme = read('README.md');
    expect(readme.split('\n')[0]).toContain(`(captured ${outcome.capturedAt})`);
    expect(readme).toContain(`clocklab ${outcome.clocklabVersion}`);
    expect(readme).toContain('What is true of this machine');
    for (const f of outcome.files) expect(readme, f.file).toContain(`\`${f.file}\``);
  });

  it('a replay of it agrees with the live probes: CPU, flags, clocksources, hypervisor, pvclock records', () => {
    const live = runInfo({ binding });
    const replay = api.info({ machine: dir });
    const strip = ({ replay: _r, ...m }: typeof replay.machine) => m;
    expect(strip(replay.machine)).toEqual(live.machine);
    expect(replay.flagDisagreements).toEqual(live.flagDisagreements);
    expect(replay.pvclock?.state).toBe(live.pvclock?.state);
    expect(replay.pvclock?.vcpus).toBe(live.pvclock?.vcpus);
    expect(replay.pvclock?.stableBit).toBe(live.pvclock?.stableBit);
    expect(replay.clocks.map((c) => [c.name, c.available, c.resolutionNs])).toEqual(live.clocks.map((c) => [c.name, c.available, c.resolutionNs]));
    // A source that needs no measuring is the same; a measured one is not replayed.
    if (live.tscFrequency && live.tscFrequency.source !== 'measured') {
      expect(replay.tscFrequency?.source).toBe(live.tscFrequency.source);
      expect(replay.tscFrequency?.hz).toBeCloseTo(live.tscFrequency.hz, -4);
    }
  });

  it('methods on the replay: every method runs there exactly where it runs here', () => {
    const live = runMethods({ binding, inputs: realInputs(binding) });
    const replay = api.methods({ machine: dir });
    expect(replay.methods.map((m) => [m.method, m.available])).toEqual(live.methods.map((m) => [m.method, m.available]));
    for (const m of replay.methods.filter((x) => !x.available && x.cause === 'cpu')) {
      expect(m.reason, m.method).toBe(live.methods.find((x) => x.method === m.method)?.reason);
    }
  });

  it('check on the replay judges the TSC and the clocksource as the live evidence does', async () => {
    const live = runInfo({ binding }).machine;
    const r = await api.check({ machine: dir });
    const status = (n: string) => r.checks.find((c) => c.name === n)?.status;
    expect(status('tsc')).toBe(judgeTsc(live, readKernelLog()).status);
    expect(status('clocksource')).toBe(judgeClocksource(live, recommendFromTsc(live)).status);
    expect(status('vdso')).toBe('skipped');
    // Judged from the captured records where the live page is readable, skipped where it is not.
    expect(status('pvclock') === 'skipped').toBe(runInfo({ binding }).pvclock?.state !== 'readable');
  });

  it('refuses a folder that exists and is not empty (UsageError), and takes an empty one', () => {
    expect(() => api.capture({ dir })).toThrow(UsageError);
    expect(() => api.capture({ dir })).toThrow('exists and is not empty');
    const empty = fresh('empty');
    mkdirSync(empty);
    expect(api.capture({ dir: empty }).files.length).toBeGreaterThan(5);
  });
});

describe('clocklab capture through the CLI', () => {
  it.skipIf(unmet({ x86: true }))('writes the folder, lists each file and prints the replay command; then replays it', () => {
    const dir = fresh('cli');
    const r = runCli(['capture', dir]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of readdirSync(dir)) expect(r.stdout, f).toMatch(new RegExp(`^  ${f.replace('.', '\\.')} +\\d+ bytes `, 'm'));
    expect(r.stdout).toContain(`replay it: clocklab info --machine ${dir}`);
    const info = runCli(['info', '--machine', dir, '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect((JSON.parse(info.stdout) as { machine: { replay: { dir: string } } }).machine.replay.dir).toBe(dir);
  });

  it('exits 2 on a folder that exists and is not empty, or on a file', () => {
    const full = fresh('full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'x');
    const r = runCli(['capture', full]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`clocklab: DIR: ${full} exists and is not empty`);
    const file = runCli(['capture', join(full, 'x')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('exists and is not a folder');
    expect(readdirSync(full)).toEqual(['x']);
  });

  it('exits 2 without DIR', () => {
    expect(runCli(['capture']).code).toBe(2);
  });

  it('exits 3 on a machine that is not x86, writing nothing', async () => {
    const real = loadBinding();
    const notX86 = Object.create(real, { isX86: { value: false } }) as Binding;
    const dir = fresh('arm');
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['node', 'clocklab', 'capture', dir], { ...PIPED, inject: { capture: { binding: notX86 } } });
    } finally {
      process.stderr.write = write;
    }
    expect(code).toBe(3);
    expect(errors.join('')).toContain('clocklab capture needs an x86 machine');
    expect(() => readdirSync(dir)).toThrow();
  });

  it('capture --help says what it writes and how to replay it', () => {
    const r = runCli(['capture', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: clocklab capture [options] <DIR>');
    expect(r.stdout).toContain('--machine DIR');
  });
});

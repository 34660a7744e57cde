// `clocklab info` against the machine's own files, and with faults injected
// at the probes' inputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../src/errors.js';
import { loadBinding } from '../src/native/binding.js';
import { realInputs } from '../src/probes/machine.js';
import { overlaySource } from '../src/probes/source.js';
import { InfoResult } from '../src/results/info.js';
import { runInfo } from '../src/runners/info.js';
import { runCli } from './helpers/cli.js';

const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
const sys = (p: string): string => readFileSync(p, 'utf8').trim();

/** The brand string of CPUID leaves 0x80000002-4 (EAX, EBX, ECX, EDX each,
 * little-endian ASCII, NUL-padded), or '' where the CPU has no such leaves. */
function cpuidBrand(): string {
  const b = loadBinding();
  if (b.cpuid(0x80000000, 0).eax < 0x80000004) return '';
  const words = [0x80000002, 0x80000003, 0x80000004].flatMap((leaf) => {
    const r = b.cpuid(leaf, 0);
    return [r.eax, r.ebx, r.ecx, r.edx];
  });
  return Buffer.from(new Uint32Array(words).buffer).toString('latin1').replace(/\0+$/, '').trim();
}

describe('clocklab info', () => {
  it('--json prints a valid result that matches /proc/cpuinfo and sysfs', () => {
    const r = runCli(['info', '--json']);
    expect(r.code).toBe(0);
    const result = InfoResult.parse(JSON.parse(r.stdout));
    const f = result.machine.tscFlags;
    for (const name of ['constant_tsc', 'nonstop_tsc', 'tsc_reliable', 'tsc_known_freq', 'rdtscp', 'rdpid', 'tsc_adjust'] as const) {
      expect(f[name], name).toBe(flags.has(name));
    }
    const cs = '/sys/devices/system/clocksource/clocksource0';
    expect(result.machine.clocksources.current).toBe(sys(`${cs}/current_clocksource`));
    expect(result.machine.clocksources.available.join(' ')).toBe(sys(`${cs}/available_clocksource`));
    expect(result.machine.kernel.release).toBe(sys('/proc/sys/kernel/osrelease'));
    // The brand as user-space CPUID says it (leaves 0x80000002-4, Intel SDM
    // Vol. 2A CPUID), read here directly. The kernel's "model name" is the
    // same string on most machines, but not where user-space CPUID is not the
    // guest kernel's (a PVM guest shows the outer VM's brand).
    expect(result.machine.cpu?.brand).toBe(cpuidBrand());
    const modelName = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim();
    if (result.machine.cpu?.brand !== modelName) process.stderr.write(`[INFO] CPUID brand '${result.machine.cpu?.brand ?? ''}' differs from cpuinfo's model name '${modelName ?? ''}'\n`);
    expect(result.tscFrequency?.hz).toBeGreaterThan(1e8);
    expect(result.flagDisagreements).toEqual([]);
  });

  it('prints the facts as text', () => {
    const r = runCli(['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^CPU\s+/m);
    expect(r.stdout).toMatch(/^TSC frequency\s+\d+\.\d{3} MHz/m);
    expect(r.stdout).toMatch(/constant_tsc/);
    expect(r.stdout).not.toMatch(/\x1b\[/); // NO_COLOR and a pipe: no escapes
  });

  it('unknown flags and commands exit 2 with a usage hint; --help and --version exit 0', () => {
    expect(runCli(['info', '--bogus']).code).toBe(2);
    const unknown = runCli(['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'bogus'/);
    expect(runCli([]).code).toBe(2);
    const help = runCli(['info', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--json/);
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('info with faults injected at the probes', () => {
  const binding = loadBinding();
  const base = realInputs(binding);

  it('a cpuinfo without constant_tsc yields TSC_NOT_CONSTANT', () => {
    const source = overlaySource({ '/proc/cpuinfo': cpuinfo.replaceAll(' constant_tsc', '') }, base.source);
    const r = runInfo({ inputs: { ...base, source } });
    expect(r.machine.tscFlags.constant_tsc).toBe(false);
    expect(r.findings.map((f) => f.code)).toContain('TSC_NOT_CONSTANT');
  });

  it('a cpuinfo that disagrees with CPUID on rdtscp says so, whichever way this CPU has it', () => {
    // Where CPUID offers RDTSCP the flag is taken out of cpuinfo; where it
    // hides it (a PVM guest), the flag is put in.
    const has = binding.features().rdtscp;
    const flipped = has ? cpuinfo.replaceAll(' rdtscp', '') : cpuinfo.replace(/^(flags\s*:.*)$/gm, '$1 rdtscp');
    expect(flipped).not.toBe(cpuinfo);
    const source = overlaySource({ '/proc/cpuinfo': flipped }, base.source);
    const r = runInfo({ inputs: { ...base, source } });
    expect(r.flagDisagreements).toContainEqual({ flag: 'rdtscp', cpuid: has, cpuinfo: !has });
    expect(r.findings).toContainEqual({ code: 'FLAG_DISAGREEMENT', severity: 'warn', args: { flag: 'rdtscp', cpuid: has, cpuinfo: !has } });
  });

  it('a kernel that dropped tsc from available_clocksource is reported', () => {
    const source = overlaySource(
      { '/sys/devices/system/clocksource/clocksource0/available_clocksource': 'kvm-clock\n' },
      base.source,
    );
    const r = runInfo({ inputs: { ...base, source } });
    expect(r.findings.map((f) => f.code)).toContain('TSC_WITHHELD');
  });

  it('a machine that is not x86 is refused with UnsupportedError', () => {
    expect(() => runInfo({ inputs: { ...base, cpuid: null } })).toThrow(UnsupportedError);
    expect(() => runInfo({ inputs: { ...base, cpuid: null } })).toThrow(/needs an x86 CPU/);
  });
});

// Replaying captures (`--machine DIR`) through info, methods and check: the
// fixtures under test/fixtures/machines/ (a real PVM guest, this project's own
// capture of one, and synthetic Hyper-V, VMware, Xen and bare-host captures),
// each asserted against the truths its README lists that today's probes can
// see. Nothing here depends on the machine the test runs on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../src/api.js';
import { COMMANDS } from '../src/commands/index.js';
import { UsageError } from '../src/errors.js';
import { captureCpuid, formatPvclockLine, parseCpuidText, parsePvclockText, pvclockTscHz } from '../src/probes/capture-format.js';
import { probeMachine } from '../src/probes/machine.js';
import { replayInputs } from '../src/probes/replay.js';
import { dirSource, KERNEL_LOG_PATH } from '../src/probes/source.js';
import { CheckResult } from '../src/results/check.js';
import type { CheckResultT } from '../src/results/check.js';
import { InfoResult } from '../src/results/info.js';
import { MethodsResult } from '../src/results/methods.js';
import { kmsgToDmesg } from '../src/runners/capture.js';
import { runCli } from './helpers/cli.js';

const MACHINES = fileURLToPath(new URL('./fixtures/machines', import.meta.url));
const dir = (name: string): string => join(MACHINES, name);

const check = (name: string): Promise<CheckResultT> => api.check({ machine: dir(name) });
const item = (r: CheckResultT, name: string) => {
  const c = r.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no ${name} check`);
  return c;
};
const method = (r: api.MethodsResult, id: string) => {
  const m = r.methods.find((x) => x.method === id);
  if (!m) throw new Error(`no method ${id}`);
  return m;
};

/** What every replay says of itself and of the checks that measure. */
async function expectReplay(name: string): Promise<void> {
  const info = api.info({ machine: dir(name) });
  expect(InfoResult.parse(info).machine.replay?.dir).toBe(dir(name));
  const r = await check(name);
  CheckResult.parse(r);
  expect(r.machine.replay?.dir).toBe(dir(name));
  for (const n of ['vdso', 'warp', 'disturbance']) {
    const c = item(r, n);
    expect(c.status, n).toBe('skipped');
    expect(c.summary, n).toContain('a replay: not measured');
  }
  expect(api.renderText(r)).toContain(`A replay of the capture ${dir(name)}`);
}

describe.each(['pvm-on-bhyve-amd', 'pvm-on-bhyve-amd-by-clocklab'])('a PVM guest in bhyve on AMD, replayed: %s', (name) => {
  const mhz = name === 'pvm-on-bhyve-amd' ? '2096.038' : '2095.999';

  it('is a replay, and skips what needs measuring', () => expectReplay(name));

  it("user-space CPUID shows the outer hypervisor, bhyve, and the outer VM's brand, not /proc/cpuinfo's", () => {
    const r = api.info({ machine: dir(name) });
    expect(r.machine.hypervisor?.signature).toBe('bhyve bhyve');
    expect(r.machine.hypervisor?.kvmFeatures).toBeNull();
    expect(r.machine.cpu?.brand).toBe('Oxide Virtual Turin-like Processor');
    const facts = probeMachine(replayInputs(dir(name)));
    expect(facts.cpuinfo.modelName).toBe('AMD EPYC');
    expect(facts.cpuinfo.modelName).not.toBe(r.machine.cpu?.brand);
  });

  it('RDTSCP and RDPID are hidden (CPUID and /proc/cpuinfo agree), so their methods cannot run', () => {
    const info = api.info({ machine: dir(name) });
    expect(info.machine.tscFlags.rdtscp).toBe(false);
    expect(info.machine.tscFlags.rdpid).toBe(false);
    expect(info.flagDisagreements).toEqual([]);
    const m = api.methods({ machine: dir(name) });
    MethodsResult.parse(m);
    expect(method(m, 'rdtscp')).toMatchObject({ available: false, cause: 'cpu' });
    expect(method(m, 'rdtscp').reason).toContain('CPUID.80000001H:EDX[27] is clear');
    expect(method(m, 'rdpid').reason).toContain('CPUID.(EAX=7,ECX=0):ECX[22] is clear');
    expect(method(m, 'pvclock_rdtscp').available).toBe(false);
    expect(method(m, 'lfence_rdtsc').available).toBe(true);
    expect(method(m, 'pvclock_vdso').available).toBe(true);
    expect(method(m, 'monotonic').available).toBe(true);
  });

  it('only kvm-clock is offered, and it is in use', () => {
    const c = api.info({ machine: dir(name) }).machine.clocksources;
    expect(c).toEqual({ available: ['kvm-clock'], current: 'kvm-clock' });
  });

  it(`the pvclock page holds both vCPUs' records, stable bit set; their mul/shift give ${mhz} MHz`, async () => {
    const info = api.info({ machine: dir(name) });
    expect(info.pvclock).toMatchObject({ state: 'readable', vcpus: 2, stableBit: true });
    expect(info.tscFrequency?.source).toBe('pvclock');
    expect(((info.tscFrequency?.hz ?? 0) / 1e6).toFixed(3)).toBe(mhz);
    const r = await check(name);
    expect(item(r, 'pvclock').status).toBe('ok');
    expect(item(r, 'pvclock').evidence).toMatchObject({ vcpus: 2, stableBit: true, recordsAgree: true, maxNsDifference: 0 });
  });

  it('the TSC is constant, non-stop and invariant, yet tsc is not offered: check warns from the kernel log', async () => {
    const f = api.info({ machine: dir(name) }).machine.tscFlags;
    expect(f).toMatchObject({ constant_tsc: true, nonstop_tsc: true, tsc_reliable: true, tsc_known_freq: true, invariantTsc: true });
    const r = await check(name);
    expect(item(r, 'tsc').status).toBe('warn');
    expect(item(r, 'tsc').evidence).toMatchObject({ tscInAvailable: false, kernelLogRead: true });
    expect(String(item(r, 'tsc').evidence['kernelLogSays'])).toMatch(/Marking TSC unstable/);
    expect(item(r, 'clocksource').evidence).toMatchObject({ current: 'kvm-clock', recommended: 'kvm-clock' });
  });

  it('the kernel log and the command line come from the capture, through the Source', () => {
    const s = dirSource(dir(name));
    expect(s.read(KERNEL_LOG_PATH)).toMatch(/^\[ {4}0\.000000\] Linux version 6\.18\.44/);
    expect(s.read('/proc/cmdline')).toMatch(/tsc=reliable .* tsc=unstable/);
  });

  const codeOf = (findings: ReadonlyArray<{ code: string; args: Record<string, unknown> }>, code: string) => findings.find((f) => f.code === code);

  it("info and check say the kernel detected PVM ('Hypervisor detected: PVM') while user-space CPUID says bhyve: nested or paravirtualized, the clock is PVM's kvm-clock", async () => {
    const info = api.info({ machine: dir(name) });
    expect(info.machine.kernelView?.hypervisor).toMatchObject({ kernelSays: 'PVM', nested: true, clockFrom: 'PVM' });
    expect(codeOf(info.findings, 'HYPERVISOR_NESTED')?.args).toMatchObject({ kernelSays: 'PVM', cpuidSignature: 'bhyve bhyve', clocksource: 'kvm-clock' });
    const r = await check(name);
    expect(codeOf(r.findings, 'HYPERVISOR_NESTED')?.args).toMatchObject({ kernelSays: 'PVM', clockFrom: 'PVM' });
    expect(api.renderText(info)).toMatch(/PVM \(the kernel's word\).*bhyve bhyve/);
  });

  it("info and check say tsc is not offered because the boot parameter tsc=unstable marked it unstable ('Marking TSC unstable due to boot parameter'), and that tsc=reliable and tsc=unstable contradict", async () => {
    const info = api.info({ machine: dir(name) });
    const w = codeOf(info.findings, 'TSC_WITHHELD');
    expect(w?.args).toMatchObject({ kind: 'boot-parameter', option: 'tsc=unstable', contradiction: true, clocksourceAsked: 'kvm-clock', flagsGood: true });
    const text = api.renderText(info);
    expect(text).toContain('tsc is not offered: the boot parameter tsc=unstable marked it unstable');
    expect(text).not.toMatch(/not trustworthy|untrustworthy/);
    const r = await check(name);
    expect(item(r, 'tsc')).toMatchObject({ status: 'warn', evidence: { withheld: 'boot-parameter', kernelLogSays: 'Marking TSC unstable due to boot parameter' } });
    const checkText = api.renderText(r);
    expect(checkText).toContain('remove tsc=unstable from the kernel command line');
    expect(checkText).toContain('nothing measured the TSC as bad');
    expect(checkText).not.toMatch(/not trustworthy|untrustworthy/);
  });

  it("info and check say the guest was forked from a snapshot ('crng reseeded due to virtual machine fork', 1.2 s after boot) and that both pvclock records were rewritten after it (system_time 1.33 s)", async () => {
    const info = api.info({ machine: dir(name) });
    const f = codeOf(info.findings, 'VM_FORKED');
    expect(f?.args).toMatchObject({ forks: 1, rewritten: true });
    expect(Number(f?.args['forkS'])).toBeCloseTo(1.2, 0);
    expect(Number(f?.args['oldestSystemTimeS'])).toBeGreaterThan(Number(f?.args['forkS']));
    const r = await check(name);
    expect(codeOf(r.findings, 'VM_FORKED')?.args).toMatchObject({ rewritten: true });
  });
});

describe('synthetic captures of kinds no one here has', () => {
  it('Hyper-V: signature Microsoft Hv (max leaf 0x40000006), clocksource hyperv_clocksource_tsc_page, no tsc, no pvclock page', async () => {
    const name = 'hyperv-guest-intel';
    await expectReplay(name);
    const info = api.info({ machine: dir(name) });
    expect(info.machine.hypervisor).toMatchObject({ signature: 'Microsoft Hv', maxLeaf: 0x40000006, kvmFeatures: null });
    expect(info.machine.clocksources).toEqual({ available: ['hyperv_clocksource_tsc_page', 'acpi_pm'], current: 'hyperv_clocksource_tsc_page' });
    expect(info.pvclock?.state).toBe('faults');
    // Hyper-V gives the TSC frequency by an MSR only: a replay measures nothing.
    expect(info.tscFrequency).toBeNull();
    expect(info.flagDisagreements).toEqual([]);
    expect(info.machine.cpu?.brand).toBe(probeMachine(replayInputs(dir(name))).cpuinfo.modelName);
    const m = api.methods({ machine: dir(name) });
    expect(method(m, 'rdtscp').available).toBe(true);
    expect(method(m, 'rdpid').available).toBe(true);
    expect(method(m, 'pvclock_vdso')).toMatchObject({ available: false });
    const r = await check(name);
    expect(item(r, 'tsc').status).toBe('warn');
    expect(String(item(r, 'tsc').evidence['kernelLogSays'])).toMatch(/Marking TSC unstable/);
    expect(item(r, 'pvclock').status).toBe('skipped');
    expect(item(r, 'timesync').status).toBe('ok');
  });

  it("VMware: signature VMwareVMware; the TSC frequency from the timing leaf 0x40000010; tsc in use, as recommended", async () => {
    const name = 'vmware-guest-intel';
    await expectReplay(name);
    const info = api.info({ machine: dir(name) });
    expect(info.machine.hypervisor).toMatchObject({ signature: 'VMwareVMware', maxLeaf: 0x40000010 });
    expect(info.tscFrequency).toMatchObject({ source: 'hypervisor-0x40000010', hz: 1_995_312_000 });
    expect(info.pvclock?.state).toBe('faults');
    const r = await check(name);
    expect(item(r, 'tsc').status).toBe('ok');
    expect(item(r, 'clocksource')).toMatchObject({ status: 'ok', evidence: { current: 'tsc', recommended: 'tsc' } });
    expect(item(r, 'pvclock').status).toBe('skipped');
  });

  it('Xen HVM: signature XenVMMXenVMM, /sys/hypervisor/type xen, clocksource xen', async () => {
    const name = 'xen-hvm-guest-intel';
    await expectReplay(name);
    const info = api.info({ machine: dir(name) });
    expect(info.machine.hypervisor).toMatchObject({ signature: 'XenVMMXenVMM', maxLeaf: 0x40000005 });
    expect(info.machine.clocksources).toEqual({ available: ['xen', 'tsc', 'hpet', 'acpi_pm'], current: 'xen' });
    expect(dirSource(dir(name)).read('/sys/hypervisor/type')).toBe('xen\n');
    // Xen gives the TSC kHz in its own leaf 0x40000003, which the probes do not read.
    expect(info.tscFrequency).toBeNull();
    const r = await check(name);
    expect(item(r, 'tsc').status).toBe('ok');
    expect(item(r, 'pvclock').status).toBe('skipped');
  });

  it("Xen HVM: info says the kernel's view ('Hypervisor detected: Xen HVM', /sys/hypervisor/type xen) agrees with user-space CPUID XenVMMXenVMM", () => {
    const info = api.info({ machine: dir('xen-hvm-guest-intel') });
    expect(info.machine.kernelView?.hypervisor.kernelSays).toMatch(/^Xen/);
    expect(info.machine.kernelView?.hypervisor.nested).toBe(false);
    expect(info.findings.map((f) => f.code)).not.toContain('HYPERVISOR_NESTED');
  });

  it('a bare host: no hypervisor bit; the TSC frequency from CPUID 0x15 (25 MHz x 160/2); tsc in use, as recommended', async () => {
    const name = 'bare-host-intel';
    await expectReplay(name);
    const info = api.info({ machine: dir(name) });
    expect(info.machine.hypervisor).toBeNull();
    expect(info.machine.onlineCpus).toEqual([0, 1, 2, 3]);
    expect(info.tscFrequency).toMatchObject({ source: 'cpuid-0x15', hz: 2_000_000_000 });
    expect(info.flagDisagreements).toEqual([]);
    const r = await check(name);
    expect(item(r, 'tsc').status).toBe('ok');
    expect(item(r, 'clocksource')).toMatchObject({ status: 'ok', evidence: { current: 'tsc', recommended: 'tsc' } });
    expect(item(r, 'timesync').status).toBe('ok');
    expect(item(r, 'timesync').evidence['daemons']).toBe('chrony');
  });
});

describe('--machine through the CLI', () => {
  const pvm = dir('pvm-on-bhyve-amd');

  it('info --machine prints a replay (text and JSON)', () => {
    const text = runCli(['info', '--machine', pvm]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`replay of            the capture ${pvm} (captured 2026-12-07)`);
    expect(text.stdout).toMatch(/hypervisor\s+PVM \(the kernel's word\); user-space CPUID: bhyve bhyve/);
    const json = runCli(['info', '--machine', pvm, '--json']);
    expect(json.code).toBe(0);
    const r = InfoResult.parse(JSON.parse(json.stdout));
    expect(r.machine.replay).toEqual({ dir: pvm, capturedAt: '2026-12-07' });
  });

  it('methods --machine decides from the capture', () => {
    const r = runCli(['methods', '--machine', pvm, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = MethodsResult.parse(JSON.parse(r.stdout));
    expect(m.methods.find((x) => x.method === 'rdtscp')?.available).toBe(false);
    expect(runCli(['methods', '--machine', pvm]).stdout).toContain(`would run on the capture ${pvm}`);
  });

  it('check --machine runs the static checks and exits 0 on warnings', () => {
    const r = runCli(['check', '--machine', pvm]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[SKIP\] vdso +a replay: not measured/);
    expect(r.stdout).toMatch(/\[OK\] +pvclock +2 vCPU records agree/);
    expect(r.stdout).toMatch(/\[WARN\] tsc/);
  });

  it('--help of info, methods and check documents --machine', () => {
    for (const c of ['info', 'methods', 'check']) expect(runCli([c, '--help']).stdout, c).toContain('--machine <dir>');
  });

  it.each([
    ['a folder that does not exist', join(MACHINES, 'no-such-machine'), 'does not exist'],
    ['a folder that is not a capture', MACHINES, 'is not a capture: it has no cpuid.txt and no cpuinfo'],
    ['a file', join(MACHINES, 'pvm-on-bhyve-amd', 'cpuinfo'), 'is not a folder'],
  ])('exits 2 on %s, with a clear message', (_what, bad, message) => {
    for (const c of ['info', 'methods', 'check']) {
      const r = runCli([c, '--machine', bad]);
      expect(r.code, c).toBe(2);
      expect(r.stderr, c).toContain(`clocklab: --machine: ${bad}`);
      expect(r.stderr, c).toContain(message);
    }
    expect(() => api.info({ machine: bad })).toThrow(UsageError);
    expect(() => api.info({ machine: bad })).toThrow(`machine: ${bad}`);
  });

  it('the library refuses a machine that is not a string', () => {
    expect(() => api.info({ machine: 3 } as never)).toThrow(/must be a folder path/);
    expect(() => COMMANDS.methods.run({ machine: join(MACHINES, 'nope') })).toThrow(UsageError);
  });
});

describe('capture file formats', () => {
  it('cpuid.txt: what captureCpuid writes, parseCpuidText answers; a leaf not captured answers zeros', () => {
    const { cpuid } = parseCpuidText(readFixture('pvm-on-bhyve-amd', 'cpuid.txt'));
    const again = parseCpuidText(captureCpuid(cpuid)).cpuid;
    for (const [leaf, sub] of [[0, 0], [1, 0], [7, 0], [0xd, 1], [0x40000000, 0], [0x80000001, 0], [0x80000021, 0]] as const) {
      expect(again(leaf, sub), `${leaf.toString(16)}.${sub}`).toEqual(cpuid(leaf, sub));
    }
    expect(cpuid(0x40000010, 0)).toEqual({ eax: 0, ebx: 0, ecx: 0, edx: 0 });
    expect(() => parseCpuidText('0x00000000 0x00: eax=zz')).toThrow(/line 1/);
  });

  it('pvclock.txt: a line written reads back the same; mul/shift give the kernel figure', () => {
    const text = readFixture('pvm-on-bhyve-amd', 'pvclock.txt');
    const { records } = parsePvclockText(text);
    expect(records.map((r) => r.vcpu)).toEqual([0, 1]);
    expect(`${records.map(formatPvclockLine).join('\n')}\n`).toBe(text);
    const r0 = records[0]?.record;
    expect(((pvclockTscHz(r0?.mul ?? 0, r0?.shift ?? 0)) / 1e6).toFixed(3)).toBe('2096.038');
    expect(parsePvclockText('# state: faults: raised SIGBUS').state).toEqual({ state: 'faults', reason: 'raised SIGBUS' });
  });

  it("kmsg records become dmesg's lines; continuation lines are dropped", () => {
    expect(kmsgToDmesg('6,1,0,-;Linux version 6.18\n SUBSYSTEM=x\n4,2,1218063,-;random: crng reseeded due to virtual machine fork\n')).toBe(
      '[    0.000000] Linux version 6.18\n[    1.218063] random: crng reseeded due to virtual machine fork\n',
    );
  });

  it('dirSource answers only the paths of the capture table, and lists only what was captured', () => {
    const s = dirSource(dir('pvm-on-bhyve-amd-by-clocklab'));
    expect(s.read('/proc/self/status')).toBeNull();
    expect(s.read('/proc/sys/kernel/osrelease')).toBe('6.18.44-fc-v1272');
    expect(s.read('/proc/sys/kernel/version')).toBe('#1 SMP PREEMPT_DYNAMIC @0');
    const pids = s.list?.('/proc') ?? [];
    expect(pids.length).toBeGreaterThan(0);
    expect(s.read(`/proc/${pids[0]}/comm`)).not.toBeNull();
    expect(s.list?.('/sys/class/ptp')).toEqual([]);
  });
});

function readFixture(name: string, file: string): string {
  return readFileSync(join(dir(name), file), 'utf8');
}

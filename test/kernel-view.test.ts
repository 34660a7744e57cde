// kernel-view.test.ts: what info and check say about the kernel's clock
// decisions, its hypervisor and forks, on machines replayed through the
// probes' Source and CPUID seams: the captured PVM guest (test/fixtures/
// kernel-view), and kinds made from it by changing the files the kernel
// would show (a KVM guest with tsc, a TSC the watchdog marked, a Xen guest,
// a bare host). The real runners, judges and sentences run on them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { phraseCheck } from '../src/findings/phrase.js';
import { phrase } from '../src/findings/sentences.js';
import { CLOCKSOURCE_DIR } from '../src/probes/clocksource.js';
import { CMDLINE_PATH } from '../src/probes/cmdline.js';
import { SYS_HYPERVISOR_TYPE } from '../src/probes/hypervisor.js';
import { recordsSinceFork } from '../src/probes/kernel-view.js';
import { probeMachine, type MachineFacts, type ProbeInputs } from '../src/probes/machine.js';
import { KERNEL_LOG_PATH, overlaySource, realSource } from '../src/probes/source.js';
import { MAPS_PATH } from '../src/probes/vvar.js';
import { machineFacts } from '../src/reports/model/common.js';
import type { FindingT } from '../src/results/common.js';
import { runCheck, type Collectors } from '../src/runners/check/index.js';
import { recommendFromKernel } from '../src/runners/clock-decisions.js';
import { compareRows, recommend } from '../src/runners/compare.js';
import { runInfo } from '../src/runners/info.js';
import { cpuidFromTable, parseCpuidTable, signatureRegs, withLeaf, type CpuidRegsTable } from './helpers/cpuid-table.js';
import { benchResult, disturbance, warpResult } from './fixtures/results.js';

const fixture = (f: string): string => readFileSync(new URL(`./fixtures/kernel-view/${f}`, import.meta.url), 'utf8');
const PVM_CPUID = parseCpuidTable(fixture('cpuid.txt'));

interface Kind {
  log: string | null;
  cmdline: string;
  cpuinfo: string;
  available: string;
  current: string;
  cpuid: CpuidRegsTable;
  sysHypervisor?: string;
}

const PVM: Kind = { log: fixture('dmesg.txt'), cmdline: fixture('cmdline'), cpuinfo: fixture('cpuinfo'), available: 'kvm-clock \n', current: 'kvm-clock\n', cpuid: PVM_CPUID };

/** The same CPU with KVM's leaves where bhyve's were. */
const KVM_CPUID = withLeaf(withLeaf(PVM_CPUID, 0x40000000, { eax: 0x40000001, ...signatureRegs('KVMKVMKVM') }), 0x40000001, { eax: 0x01007efb, ebx: 0, ecx: 0, edx: 0 });
const KVM_LOG = [
  '[    0.000000] Hypervisor detected: KVM',
  '[    0.000000] kvm-clock: Using msrs 4b564d01 and 4b564d00',
  '[    0.000249] tsc: Detected 2096.038 MHz processor',
  '[    0.201000] clocksource: Switched to clocksource kvm-clock',
  '[    0.250000] clocksource: Switched to clocksource tsc',
].join('\n');
const KVM: Kind = { ...PVM, log: KVM_LOG, cmdline: 'console=ttyS0 quiet', available: 'tsc kvm-clock\n', current: 'tsc\n', cpuid: KVM_CPUID };

/** The clocksource watchdog measured the TSC against acpi_pm and took it away (kernel/time/clocksource.c). */
const WATCHDOG: Kind = {
  ...KVM,
  log: [
    KVM_LOG,
    "[   41.883172] clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc' as unstable because the skew is too large:",
    "[   41.885195] clocksource:                       'acpi_pm' wd_nsec: 633206175 wd_now: 13fe92 wd_last: f168b4 mask: ffffff",
    "[   41.886363] clocksource:                       'tsc' cs_nsec: 5320282620 cs_now: 1cbab6bece cs_last: 19231a48ea mask: ffffffffffffffff",
    '[   41.889615] tsc: Marking TSC unstable due to clocksource watchdog',
    '[   41.921496] clocksource: Switched to clocksource kvm-clock',
  ].join('\n'),
  available: 'kvm-clock acpi_pm\n',
  current: 'kvm-clock\n',
};

const XEN: Kind = {
  ...KVM,
  log: '[    0.000000] Booting kernel on Xen HVM\n[    0.300000] clocksource: Switched to clocksource xen\n',
  available: 'xen tsc hpet acpi_pm\n',
  current: 'xen\n',
  cpuid: withLeaf(PVM_CPUID, 0x40000000, { eax: 0x40000005, ...signatureRegs('XenVMMXenVMM') }),
  sysHypervisor: 'xen\n',
};

/** No hypervisor: CPUID.1:ECX[31] clear, no hypervisor flag, nothing logged. */
const l1 = PVM_CPUID.get(`${1}:${0}`) ?? { eax: 0, ebx: 0, ecx: 0, edx: 0 };
const BARE: Kind = {
  ...KVM,
  log: '[    0.000249] tsc: Detected 2096.038 MHz processor\n[    1.100000] clocksource: Switched to clocksource tsc\n',
  cpuinfo: fixture('cpuinfo').replaceAll(' hypervisor ', ' '),
  available: 'tsc hpet acpi_pm\n',
  current: 'tsc\n',
  cpuid: withLeaf(PVM_CPUID, 1, { ...l1, ecx: (l1.ecx & ~0x80000000) >>> 0 }),
};

function inputs(k: Kind): ProbeInputs {
  const source = overlaySource(
    {
      [KERNEL_LOG_PATH]: k.log,
      [CMDLINE_PATH]: k.cmdline,
      '/proc/cpuinfo': k.cpuinfo,
      [`${CLOCKSOURCE_DIR}/available_clocksource`]: k.available,
      [`${CLOCKSOURCE_DIR}/current_clocksource`]: k.current,
      [SYS_HYPERVISOR_TYPE]: k.sysHypervisor ?? null,
      // No pvclock page: this process's own would be the real machine's.
      [MAPS_PATH]: null,
    },
    realSource,
  );
  return { source, cpuid: cpuidFromTable(k.cpuid) };
}

const codes = (fs: FindingT[]): string[] => fs.map((f) => f.code);
const byCode = (fs: FindingT[], code: string): FindingT | undefined => fs.find((f) => f.code === code);

describe('info on the replayed PVM guest', () => {
  const r = runInfo({ inputs: inputs(PVM) });
  const v = r.machine.kernelView;

  it("records the kernel's view: PVM beside CPUID's bhyve, tsc withheld by tsc=unstable, the fork", () => {
    expect(v?.hypervisor).toMatchObject({ kernelSays: 'PVM', nested: true, clockFrom: 'PVM', cpuinfoFlag: true });
    expect(v?.hypervisor.cpuid[0]).toMatchObject({ signature: 'bhyve bhyve', name: 'bhyve' });
    expect(r.machine.hypervisor).toMatchObject({ signature: 'bhyve bhyve', vendor: 'bhyve' });
    expect(v?.tsc).toMatchObject({ offered: false, detectedMhz: 2096.038, withheld: { kind: 'boot-parameter', reason: 'boot parameter', option: 'tsc=unstable', measured: false, timeS: 0.075084 } });
    expect(v?.clockOptions).toMatchObject({ clocksource: 'kvm-clock', tsc: ['reliable', 'unstable'], tscContradiction: true });
    expect(v?.forks).toEqual([{ timeS: 1.218063 }]);
    expect(v?.switches).toEqual([{ timeS: 0.244441, clocksource: 'kvm-clock' }]);
  });

  it('says in one sentence why tsc is not offered, with the remedy, and that nothing measured it bad', () => {
    const f = byCode(r.findings, 'TSC_WITHHELD');
    expect(f?.severity).toBe('info');
    const p = phrase(f!);
    expect(p.text).toMatch(/^tsc is not offered: the boot parameter tsc=unstable marked it unstable \(kernel log at 0\.075 s: "Marking TSC unstable due to boot parameter"\)/);
    expect(p.text).toContain('tsc=reliable is given too, and the two contradict');
    expect(p.text).toContain('clocksource=kvm-clock also asks for kvm-clock');
    expect(p.advice).toMatch(/^remove tsc=unstable from the kernel command line to offer tsc/);
    expect(p.advice).toContain('nothing measured the TSC as bad');
    expect(codes(r.findings)).not.toContain('TSC_CLOCKSOURCE_MISSING');
  });

  it('says the guest is nested or paravirtualized, and which clock the kernel uses', () => {
    const p = phrase(byCode(r.findings, 'HYPERVISOR_NESTED')!);
    expect(p.text).toMatch(/runs on PVM, but user-space CPUID leaf 0x40000000 says 'bhyve bhyve' \(bhyve\)/);
    expect(p.text).toContain("The kernel's clock is kvm-clock, the paravirtual clock of PVM.");
    const line = machineFacts(r.machine).identity.find(([k]) => k === 'hypervisor')?.[1];
    expect(line).toBe("PVM (the kernel's word); user-space CPUID: bhyve bhyve (bhyve), max leaf 0x40000000: nested or paravirtualized, CPUID shows the outer machine");
  });

  it('says the guest was forked, and cannot tell about the records without the page', () => {
    const f = byCode(r.findings, 'VM_FORKED');
    expect(f?.args).toMatchObject({ forkS: 1.218063, forks: 1, rewritten: null });
    expect(phrase(f!).text).toMatch(/forked or restored from a snapshot: .* at 1\.218 s after boot/);
  });

  it("judges the captured pvclock records against the fork: rewritten at 1.33 s, after the fork at 1.22 s", () => {
    const times = [...fixture('pvclock.txt').matchAll(/system_time (\d+)/g)].map((m) => BigInt(m[1] ?? '0'));
    expect(times).toHaveLength(2);
    expect(recordsSinceFork(v, times)).toEqual({ forkS: 1.218063, oldestSystemTimeS: 1.330212664, rewritten: true });
    expect(recordsSinceFork(v, [1_100_000_000n, ...times])?.rewritten).toBe(false);
    expect(recordsSinceFork({ ...v!, forks: [] }, times)).toBeNull();
  });
});

describe('info on other kinds of guest', () => {
  it('a KVM guest with tsc: nothing withheld, not nested, tsc recommended as sound', () => {
    const r = runInfo({ inputs: inputs(KVM) });
    expect(codes(r.findings)).not.toContain('TSC_WITHHELD');
    expect(codes(r.findings)).not.toContain('HYPERVISOR_NESTED');
    expect(codes(r.findings)).not.toContain('VM_FORKED');
    expect(r.machine.kernelView?.hypervisor).toMatchObject({ kernelSays: 'KVM', nested: false, clockFrom: null });
    expect(r.machine.kernelView?.switches.map((s) => s.clocksource)).toEqual(['kvm-clock', 'tsc']);
    expect(recommendFromKernel(r.machine)).toMatchObject({ clocksource: 'tsc', basis: { basis: 'tsc-sound' } });
    expect(r.machine.hypervisor?.kvmFeatures).toContain('CLOCKSOURCE_STABLE_BIT');
  });

  it('a TSC the watchdog marked: which clock, against which, by how much; the advice does not ask to override it', () => {
    const r = runInfo({ inputs: inputs(WATCHDOG) });
    const f = byCode(r.findings, 'TSC_WITHHELD');
    expect(f?.severity).toBe('warn');
    const p = phrase(f!);
    expect(p.text).toContain("'tsc' ran 4687076445 ns off 'acpi_pm' over an interval of 633206175 ns (CPU 0)");
    expect(p.advice).not.toMatch(/tsc=reliable|remove/);
    expect(recommendFromKernel(r.machine)).toMatchObject({ clocksource: 'kvm-clock', basis: { basis: 'tsc-untrusted', tscKind: 'watchdog' } });
  });

  it('a Xen guest: the kernel named by /sys/hypervisor/type, its clock from Xen', () => {
    const r = runInfo({ inputs: inputs(XEN) });
    expect(r.machine.kernelView?.hypervisor).toMatchObject({ kernelSays: null, sysfsType: 'xen', nested: false, clockFrom: 'Xen' });
    expect(r.machine.hypervisor?.vendor).toBe('Xen');
    expect(codes(r.findings)).not.toContain('HYPERVISOR_NESTED');
  });

  it('a bare host: no hypervisor anywhere', () => {
    const r = runInfo({ inputs: inputs(BARE) });
    expect(r.machine.hypervisor).toBeNull();
    expect(r.machine.kernelView?.hypervisor).toMatchObject({ kernelSays: null, cpuinfoFlag: false, cpuid: [], nested: false });
    expect(machineFacts(r.machine).identity.find(([k]) => k === 'hypervisor')?.[1]).toBe('none (bare metal)');
    expect(recommendFromKernel(r.machine).basis.basis).toBe('tsc-sound');
  });
});

/** Evidence that needs no measuring, so the judging of the kernel's view is what runs. */
const collect: Partial<Collectors> = {
  bench: async () => benchResult({ monotonic: 26, realtime: 26, sys_monotonic: 1200 }),
  warp: async () => warpResult(false),
  pvclock: () => null,
  timesync: () => ({ timex: { error: 'not read in this test' }, daemons: [], ptpClocks: [] }),
  // TSC_AUX is tested in tsc-aux.test.ts; here the live probe would judge this machine.
  tscAux: () => null,
};
/** A KVM guest's system call costs about 7x its vDSO read, below SYSCALL_READ_COSTLY's 10x. */
const kvmBench = async () => benchResult({ monotonic: 26, realtime: 26, sys_monotonic: 180 });

describe('check on the replayed machines', () => {
  it("the PVM guest: tsc withheld by the boot parameter, kvm-clock recommended as the only choice, the nested hypervisor and the fork", async () => {
    const inp = inputs(PVM);
    const raw = await runCheck({ strict: false, inputs: inp, collect: { ...collect, kernelLog: () => inp.source.read(KERNEL_LOG_PATH) } });
    const r = phraseCheck(raw);
    const tsc = r.checks.find((c) => c.name === 'tsc');
    expect(tsc?.status).toBe('warn');
    expect(raw.checks.find((c) => c.name === 'tsc')?.findings[0]?.code).toBe('CHECK_TSC_WITHHELD');
    expect(tsc?.summary).toMatch(/^tsc is not offered: the boot parameter tsc=unstable marked it unstable/);
    expect(tsc?.advice).toMatch(/^remove tsc=unstable from the kernel command line to offer tsc/);
    const cs = r.checks.find((c) => c.name === 'clocksource');
    expect(cs?.status).toBe('ok');
    expect(cs?.summary).toMatch(/^kvm-clock is in use, as recommended \(the kernel does not offer tsc \(the boot parameter tsc=unstable removed it\)/);
    expect(cs?.summary).not.toMatch(/not trustworthy/);
    // The pvclock check asks the page, not CPUID: with kvm-clock current and no page, it says so.
    expect(raw.checks.find((c) => c.name === 'pvclock')?.findings[0]?.code).toBe('CHECK_PVCLOCK_UNREADABLE');
    // The bench's 1200 ns system call against 26 ns through the vDSO (46x) is the PVM guest's own.
    expect(codes(r.findings)).toEqual(['HYPERVISOR_NESTED', 'VM_FORKED', 'SYSCALL_READ_COSTLY']);
  });

  it('a KVM guest with tsc: the tsc check holds, tsc is recommended, no kernel findings', async () => {
    const inp = inputs(KVM);
    const r = phraseCheck(await runCheck({ strict: false, inputs: inp, collect: { ...collect, bench: kvmBench, kernelLog: () => inp.source.read(KERNEL_LOG_PATH) } }));
    expect(r.checks.find((c) => c.name === 'tsc')?.status).toBe('ok');
    expect(r.checks.find((c) => c.name === 'clocksource')?.summary).toMatch(/^tsc is in use, as recommended \(the TSC is constant/);
    expect(r.findings).toEqual([]);
  });

  it('a TSC the watchdog marked: the tsc check warns with the measurement, the recommendation says the kernel measured it', async () => {
    const inp = inputs(WATCHDOG);
    const r = phraseCheck(await runCheck({ strict: false, inputs: inp, collect: { ...collect, kernelLog: () => inp.source.read(KERNEL_LOG_PATH) } }));
    expect(r.checks.find((c) => c.name === 'tsc')?.summary).toMatch(/the clocksource watchdog measured it against acpi_pm and marked it unstable: 'tsc' ran 4687076445 ns off/);
    expect(r.checks.find((c) => c.name === 'clocksource')?.summary).toMatch(/the kernel measured the TSC and found it wrong/);
  });
});

describe('check and compare agree on the recommendation', () => {
  /** compare's rules on one run of the machine's one clocksource. */
  function compareOn(facts: MachineFacts) {
    const cs = facts.machine.clocksources.current ?? 'kvm-clock';
    const run = { clocksource: cs, round: 1, switched: null, clocksourceDuring: cs, bench: { ...benchResult({ monotonic: 26, realtime: 26 }), disturbance }, warp: null };
    return recommend([run], compareRows([run], ['monotonic', 'realtime']), facts, cs, [], true);
  }

  it("on the PVM guest, where the kernel offers one clocksource: the same clocksource, on the same basis", () => {
    const facts = probeMachine(inputs(PVM));
    const check = recommendFromKernel(facts.machine);
    const compare = compareOn(facts);
    expect(compare.clocksource).toBe(check.clocksource);
    expect(compare.level).toBe('recommend');
    const reason = compare.findings.find((f) => f.code === 'COMPARE_KERNEL_CHOICE');
    expect(reason?.args).toEqual({ clocksource: 'kvm-clock', ...check.basis });
    expect(phrase(reason!).text).toMatch(/^kvm-clock is the only clocksource the kernel offers: the kernel does not offer tsc/);
    // compare's safety of kvm-clock comes from the page's stable bit, not a KVM signature.
    expect(compare.safety[0]?.evidence.find((e) => e.fact === 'pvclock stable bit')?.ok).toBe(true);
  });

  it('on a KVM guest measured on one of its two clocksources: compare has nothing to compare, as before', () => {
    const compare = compareOn(probeMachine(inputs(KVM)));
    expect(compare.level).toBe('none');
    expect(compare.findings.map((f) => f.code)).toContain('COMPARE_ONE_CLOCKSOURCE');
  });
});

// kernel-log.test.ts: do the kernel log and command line parse into the
// facts the kernel wrote there? On real lines: the PVM guest's dmesg.txt and
// cmdline (test/fixtures/kernel-view), a clocksource watchdog record and a
// failed TSC sync check as kernels print them, and this machine's own log.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCmdline, tscRemovingOption } from '../src/probes/cmdline.js';
import { kernelLogFacts, parseKernelLog, tscUnstableKind } from '../src/probes/kernel-log.js';
import { KERNEL_LOG_PATH, realSource } from '../src/probes/source.js';
import { unmet } from './helpers/needs.js';

const fixture = (f: string): string => readFileSync(new URL(`./fixtures/kernel-view/${f}`, import.meta.url), 'utf8');
const dmesg = fixture('dmesg.txt');

/** The same messages as /dev/kmsg records: "prio,seq,usec,flags;message",
 * with a dictionary line after some (as the kernel adds SUBSYSTEM=, DEVICE=). */
function asKmsg(text: string): string {
  return parseKernelLog(text)
    .map((l, i) => `6,${i},${Math.round((l.timeS ?? 0) * 1e6)},-;${l.message.replace(/\n/g, '\\x0a')}\n${i % 7 === 0 ? ' SUBSYSTEM=cpu\n' : ''}`)
    .join('');
}

describe('the kernel log of the PVM guest', () => {
  const facts = kernelLogFacts(dmesg);

  it('names the hypervisor the kernel detected, the TSC mark and its reason, the switch and the fork, with their times', () => {
    expect(facts.read).toBe(true);
    expect(facts.hypervisorDetected).toBe('PVM');
    expect(facts.tscUnstable).toEqual([{ timeS: 0.075084, reason: 'boot parameter', kind: 'boot-parameter' }]);
    expect(facts.switches).toEqual([{ timeS: 0.244441, clocksource: 'kvm-clock' }]);
    expect(facts.tscDetectedMhz).toBe(2096.038);
    expect(facts.tscRefinedMhz).toBeNull();
    expect(facts.forks).toEqual([{ timeS: 1.218063 }]);
    expect(facts.watchdog).toEqual([]);
    expect(facts.tscSync).toEqual([]);
  });

  it('reads the same facts from /dev/kmsg records as from dmesg lines', () => {
    expect(kernelLogFacts(asKmsg(dmesg))).toEqual(facts);
  });

  it('is no log at all where none could be read', () => {
    expect(kernelLogFacts(null)).toMatchObject({ read: false, hypervisorDetected: null, tscUnstable: [], forks: [] });
  });
});

describe('the TSC marked unstable by a measurement', () => {
  // A clocksource watchdog verdict as kernel/time/clocksource.c prints it
  // (from an LKFT report on 6.3-rc1 in QEMU, linux-clk list, 2023-03-07).
  const watchdog = [
    "<4>[   41.883172] clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc' as unstable because the skew is too large:",
    "<4>[   41.885195] clocksource:                       'acpi_pm' wd_nsec: 633206175 wd_now: 13fe92 wd_last: f168b4 mask: ffffff",
    "<4>[   41.886363] clocksource:                       'tsc' cs_nsec: 5320282620 cs_now: 1cbab6bece cs_last: 19231a48ea mask: ffffffffffffffff",
    "<4>[   41.887503] clocksource:                       Clocksource 'tsc' skewed 4687076445 ns (4687 ms) over watchdog 'acpi_pm' interval of 633206175 ns (633 ms)",
    "<4>[   41.888583] clocksource:                       'tsc' is current clocksource.",
    '<6>[   41.889615] tsc: Marking TSC unstable due to clocksource watchdog',
    '<6>[   41.921496] clocksource: Switched to clocksource acpi_pm',
  ].join('\n');

  it('the watchdog: which clock, against which, and by how much (the skew the kernel printed)', () => {
    const f = kernelLogFacts(watchdog);
    expect(f.watchdog).toEqual([{ timeS: 41.883172, cpu: 0, clocksource: 'tsc', watchdog: 'acpi_pm', wdNsec: 633206175, csNsec: 5320282620, skewNs: 4687076445 }]);
    expect(f.tscUnstable).toEqual([{ timeS: 41.889615, reason: 'clocksource watchdog', kind: 'watchdog' }]);
    expect(f.switches.at(-1)).toEqual({ timeS: 41.921496, clocksource: 'acpi_pm' });
  });

  it('the TSC sync check at CPU bring-up (arch/x86/kernel/tsc_sync.c)', () => {
    const f = kernelLogFacts(
      [
        '[  141.513496] TSC ADJUST compensate: CPU1 observed 166 warp. Adjust: 169175101694',
        '[  141.513496] TSC synchronization [CPU#0 -> CPU#1]:',
        '[  141.513496] Measured 235 cycles TSC warp between CPUs, turning off TSC clock.',
        '[  141.513496] tsc: Marking TSC unstable due to check_tsc_sync_source failed',
      ].join('\n'),
    );
    expect(f.tscSync).toEqual([{ timeS: 141.513496, fromCpu: 0, toCpu: 1, warpCycles: 235 }]);
    expect(f.tscUnstable[0]?.kind).toBe('sync-check');
  });

  it('sorts every reason mark_tsc_unstable() is called with', () => {
    expect(tscUnstableKind('boot parameter')).toBe('boot-parameter');
    expect(tscUnstableKind('boot parameter notsc')).toBe('boot-parameter');
    expect(tscUnstableKind('TSCs unsynchronized')).toBe('unsynchronized');
    expect(tscUnstableKind('cpufreq changes')).toBe('cpufreq');
    expect(tscUnstableKind('TSC halts in idle states deeper than C2')).toBe('idle');
    expect(tscUnstableKind('running on Hyper-V')).toBe('hypervisor');
    expect(tscUnstableKind('cyrix 5510/5520 detected')).toBe('other');
  });
});

describe('the kernel command line', () => {
  it("the PVM guest's: clocksource=kvm-clock, and tsc=reliable with tsc=unstable, which contradict", () => {
    const c = parseCmdline(fixture('cmdline'));
    expect(c).toMatchObject({ read: true, clocksource: 'kvm-clock', tsc: ['reliable', 'unstable'], tscContradiction: true, notsc: false, noKvmclock: false });
    expect(c.options).toEqual(['clocksource=kvm-clock', 'tsc=reliable', 'tsc=unstable']);
    expect(tscRemovingOption(c)).toBe('tsc=unstable');
  });

  it("stops at --: what follows is init's", () => {
    const c = parseCmdline('quiet tsc=reliable -- tsc=unstable notsc no-kvmclock');
    expect(c.tsc).toEqual(['reliable']);
    expect(c.tscContradiction).toBe(false);
    expect(c.notsc || c.noKvmclock).toBe(false);
  });

  it('the other clock options', () => {
    const c = parseCmdline('notsc no-kvmclock no-kvmclock-vsyscall tsc_early_khz=2096038 clocksource=hpet clocksource=acpi_pm tsc=nowatchdog');
    expect(c).toMatchObject({ notsc: true, noKvmclock: true, noKvmclockVsyscall: true, tscEarlyKhz: 2096038, clocksource: 'acpi_pm', tsc: ['nowatchdog'] });
    expect(tscRemovingOption(c)).toBe('notsc');
    expect(parseCmdline(null).read).toBe(false);
  });

  it("this machine's /proc/cmdline: every tsc= word, in order", () => {
    const text = realSource.read('/proc/cmdline') ?? '';
    const words = text.split(/\s+/);
    const end = words.indexOf('--');
    const expected = (end === -1 ? words : words.slice(0, end)).filter((w) => w.startsWith('tsc=')).map((w) => w.slice(4));
    expect(parseCmdline(text).tsc).toEqual(expected);
  });
});

describe("this machine's kernel log, through the Source", () => {
  it.skipIf(unmet({ dmesg: true }))('has the switches dmesg shows', () => {
    const facts = kernelLogFacts(realSource.read(KERNEL_LOG_PATH));
    const printed = spawnSync('dmesg', [], { encoding: 'utf8' }).stdout;
    const switches = [...printed.matchAll(/Switched to clocksource (\S+)/g)].map((m) => m[1]);
    // The log may grow between the two reads: the older switches agree.
    expect(facts.switches.map((s) => s.clocksource).slice(0, switches.length)).toEqual(switches);
    expect(facts.read).toBe(true);
  });
});

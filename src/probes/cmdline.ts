// cmdline.ts: which clock options was this kernel booted with? Reads
// /proc/cmdline through the Source; meanings from
// Documentation/admin-guide/kernel-parameters.txt and the handlers named
// below. Everything after `--` is init's, not the kernel's
// (init/main.c, parse_args() stops there).
import type { Source } from './source.js';

export const CMDLINE_PATH = '/proc/cmdline';

export interface ClockCmdline {
  /** Whether /proc/cmdline could be read. */
  read: boolean;
  /** `clocksource=X`: the clocksource asked for (kernel/time/clocksource.c,
   * boot_override_clocksource()); the last one given wins. */
  clocksource: string | null;
  /** Every `tsc=` value in order. Each one is handled on its own (arch/x86/kernel/tsc.c,
   * tsc_setup() runs once per occurrence), so all of them apply: reliable,
   * unstable, noirqtime, nowatchdog, recalibrate, watchdog. */
  tsc: string[];
  /** `tsc=reliable` and `tsc=unstable` both given: the first skips the
   * stability checks, the second marks the TSC unstable at boot, and that
   * mark is never undone, so tsc is not offered. */
  tscContradiction: boolean;
  /** `notsc`: on x86-64 marks the TSC unstable ("boot parameter notsc", notsc_setup()). */
  notsc: boolean;
  /** `no-kvmclock`: kvm-clock is not registered (arch/x86/kernel/kvmclock.c, parse_no_kvmclock()). */
  noKvmclock: boolean;
  /** `no-kvmclock-vsyscall`: kvm-clock without a vDSO mode, so every read is a system call (parse_no_kvmclock_vsyscall()). */
  noKvmclockVsyscall: boolean;
  /** `tsc_early_khz=N`: the early TSC calibration is skipped for this value (tsc.c, tsc_early_khz_setup()). */
  tscEarlyKhz: number | null;
  /** The clock options as they appear, for evidence: `clocksource=kvm-clock tsc=reliable tsc=unstable`. */
  options: string[];
}

const CLOCK_OPTION = /^(clocksource=|tsc=|notsc$|no-kvmclock$|no-kvmclock-vsyscall$|tsc_early_khz=)/;

export function parseCmdline(text: string | null): ClockCmdline {
  const words = (text ?? '').trim().split(/\s+/).filter((w) => w !== '');
  const end = words.indexOf('--');
  const kernel = end === -1 ? words : words.slice(0, end);
  const value = (w: string, key: string): string | null => (w.startsWith(`${key}=`) ? w.slice(key.length + 1) : null);
  let clocksource: string | null = null;
  const tsc: string[] = [];
  let tscEarlyKhz: number | null = null;
  for (const w of kernel) {
    clocksource = value(w, 'clocksource') ?? clocksource;
    const t = value(w, 'tsc');
    if (t !== null) tsc.push(t);
    const k = value(w, 'tsc_early_khz');
    if (k !== null && /^\d+$/.test(k)) tscEarlyKhz = Number(k);
  }
  return {
    read: text !== null,
    clocksource,
    tsc,
    tscContradiction: tsc.includes('reliable') && tsc.includes('unstable'),
    notsc: kernel.includes('notsc'),
    noKvmclock: kernel.includes('no-kvmclock'),
    noKvmclockVsyscall: kernel.includes('no-kvmclock-vsyscall'),
    tscEarlyKhz,
    options: kernel.filter((w) => CLOCK_OPTION.test(w)),
  };
}

export function readCmdline(source: Source): ClockCmdline {
  return parseCmdline(source.read(CMDLINE_PATH));
}

/** The option that took tsc away, as the user would remove it: `tsc=unstable` or `notsc`. */
export function tscRemovingOption(c: ClockCmdline): string | null {
  if (c.tsc.includes('unstable')) return 'tsc=unstable';
  if (c.notsc) return 'notsc';
  return null;
}

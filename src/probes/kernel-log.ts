// kernel-log.ts: what did the kernel decide about its clocks, and say in its
// log? Parses the log in both forms it reaches us in: /dev/kmsg records
// ("prio,seq,usec,flags;message", dictionary lines after it start with a
// space; Documentation/ABI/testing/dev-kmsg) and dmesg(1) lines
// ("[    0.074647] message", as a capture's dmesg.txt holds them). Pure: the
// text comes through the Source (KERNEL_LOG_PATH in source.ts).

/** One message and when it was logged (seconds since boot; null when the
 * line carries no time, e.g. `dmesg -t`). */
export interface KernelLogLine {
  timeS: number | null;
  message: string;
}

/** /dev/kmsg escapes non-printable bytes and newlines as \xNN. */
const unescape = (s: string): string => s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

export function parseKernelLog(text: string): KernelLogLine[] {
  const out: KernelLogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const rec = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/.exec(raw);
    if (rec) {
      out.push({ timeS: Number(rec[3]) / 1e6, message: unescape(rec[4] ?? '') });
      continue;
    }
    // A record's dictionary (" SUBSYSTEM=cpu"): not a message.
    if (/^ \S+=/.test(raw)) continue;
    // dmesg(1), optionally with the level (`dmesg -r`: "<6>[ 0.1] ...").
    const line = /^(?:<\d+>)?\[\s*(\d+\.\d+)\]\s?(.*)$/.exec(raw);
    if (line) out.push({ timeS: Number(line[1]), message: line[2] ?? '' });
    else out.push({ timeS: null, message: raw.replace(/^<\d+>/, '') });
  }
  return out;
}

/** Why the kernel marked the TSC unstable: the reason mark_tsc_unstable()
 * prints ("Marking TSC unstable due to <reason>", arch/x86/kernel/tsc.c),
 * sorted by what stands behind it. `measured`: the kernel timed the TSC and
 * found it wrong; the others are a setting, a CPU property or a rule. */
export type TscUnstableKind =
  /** tsc=unstable ("boot parameter", tsc_setup()) or notsc ("boot parameter notsc", notsc_setup()), arch/x86/kernel/tsc.c. */
  | 'boot-parameter'
  /** The clocksource watchdog measured the TSC against another clock (tsc_cs_mark_unstable(), after kernel/time/clocksource.c clocksource_watchdog()). */
  | 'watchdog'
  /** check_tsc_warp() at CPU bring-up saw the TSC go backwards between CPUs ("check_tsc_sync_source failed", arch/x86/kernel/tsc_sync.c). */
  | 'sync-check'
  /** unsynchronized_tsc()'s rule (several packages without constant_tsc: "TSCs unsynchronized", arch/x86/kernel/tsc.c). */
  | 'unsynchronized'
  /** The TSC rate follows the CPU frequency ("cpufreq changes", time_cpufreq_notifier(), arch/x86/kernel/tsc.c). */
  | 'cpufreq'
  /** The TSC stops in deep C-states ("TSC halts in idle", drivers/acpi/processor_idle.c; "... deeper than C2", drivers/idle/intel_idle.c). */
  | 'idle'
  /** The hypervisor says its TSC is not invariant ("running on Hyper-V", arch/x86/kernel/cpu/mshyperv.c). */
  | 'hypervisor'
  | 'other';

export function tscUnstableKind(reason: string): TscUnstableKind {
  if (/^boot parameter/.test(reason)) return 'boot-parameter';
  if (/clocksource watchdog/.test(reason)) return 'watchdog';
  if (/check_tsc_sync_source failed/.test(reason)) return 'sync-check';
  if (/TSCs unsynchronized/.test(reason)) return 'unsynchronized';
  if (/cpufreq/.test(reason)) return 'cpufreq';
  if (/halt/i.test(reason)) return 'idle';
  if (/running on /.test(reason)) return 'hypervisor';
  return 'other';
}

/** Reasons the kernel found by timing the TSC. */
export const MEASURED_KINDS: ReadonlySet<TscUnstableKind> = new Set(['watchdog', 'sync-check']);

export interface TscUnstableEvent {
  timeS: number | null;
  reason: string;
  kind: TscUnstableKind;
}

/** One verdict of the clocksource watchdog (kernel/time/clocksource.c,
 * clocksource_watchdog()): "timekeeping watchdog on CPU<n>: Marking
 * clocksource '<cs>' as unstable because the skew is too large:", then the
 * watchdog's and the clocksource's intervals ("'<wd>' wd_nsec: N ...",
 * "'<cs>' cs_nsec: N ...") over the same wall time. */
export interface WatchdogEvent {
  timeS: number | null;
  cpu: number | null;
  /** The clocksource marked unstable. */
  clocksource: string;
  /** The clock it was measured against. */
  watchdog: string | null;
  wdNsec: number | null;
  csNsec: number | null;
  /** cs_nsec - wd_nsec: how far the clocksource ran off over the interval. */
  skewNs: number | null;
}

/** A failed TSC sync check at CPU bring-up (arch/x86/kernel/tsc_sync.c,
 * check_tsc_sync_source(): "TSC synchronization [CPU#a -> CPU#b]:" and
 * "Measured N cycles TSC warp between CPUs, turning off TSC clock."). */
export interface TscSyncEvent {
  timeS: number | null;
  fromCpu: number | null;
  toCpu: number | null;
  warpCycles: number | null;
}

export interface KernelLogFacts {
  /** Whether there was a log to read at all. */
  read: boolean;
  /** "Hypervisor detected: X" (arch/x86/kernel/cpu/hypervisor.c, init_hypervisor_platform()). */
  hypervisorDetected: string | null;
  tscUnstable: TscUnstableEvent[];
  watchdog: WatchdogEvent[];
  tscSync: TscSyncEvent[];
  /** "clocksource: Switched to clocksource X" (kernel/time/clocksource.c, __clocksource_select()). */
  switches: Array<{ timeS: number | null; clocksource: string }>;
  /** "tsc: Detected N MHz processor" / "... MHz TSC" (arch/x86/kernel/tsc.c, tsc_early_init()/determine_cpu_tsc_frequencies()). */
  tscDetectedMhz: number | null;
  /** "tsc: Refined TSC clocksource calibration: N MHz" (tsc_refine_calibration_work()). */
  tscRefinedMhz: number | null;
  /** "random: crng reseeded due to virtual machine fork" (drivers/char/random.c,
   * add_vmfork_randomness(), called when the VM generation ID changes:
   * drivers/virt/vmgenid.c): the guest was restored from a snapshot or cloned. */
  forks: Array<{ timeS: number | null }>;
}

const num = (s: string | undefined): number | null => (s === undefined ? null : Number(s));

export function kernelLogFacts(text: string | null): KernelLogFacts {
  const facts: KernelLogFacts = {
    read: text !== null,
    hypervisorDetected: null,
    tscUnstable: [],
    watchdog: [],
    tscSync: [],
    switches: [],
    tscDetectedMhz: null,
    tscRefinedMhz: null,
    forks: [],
  };
  if (text === null) return facts;
  let watch: WatchdogEvent | null = null;
  let sync: TscSyncEvent | null = null;
  for (const { timeS, message } of parseKernelLog(text)) {
    let m: RegExpExecArray | null;
    if ((m = /Hypervisor detected: (.+?)\s*$/.exec(message))) facts.hypervisorDetected = m[1] ?? null;
    else if ((m = /Marking TSC unstable due to:? (.+?)\.?\s*$/.exec(message))) {
      const reason = m[1] ?? '';
      facts.tscUnstable.push({ timeS, reason, kind: tscUnstableKind(reason) });
    } else if ((m = /watchdog on CPU(\d+): Marking clocksource '([^']+)' as unstable/.exec(message))) {
      watch = { timeS, cpu: num(m[1]), clocksource: m[2] ?? '', watchdog: null, wdNsec: null, csNsec: null, skewNs: null };
      facts.watchdog.push(watch);
    } else if (watch && (m = /'([^']+)' wd_nsec: (-?\d+)/.exec(message))) {
      watch.watchdog = m[1] ?? null;
      watch.wdNsec = num(m[2]);
    } else if (watch && (m = /'([^']+)' cs_nsec: (-?\d+)/.exec(message))) {
      watch.csNsec = num(m[2]);
      if (watch.wdNsec !== null && watch.csNsec !== null) watch.skewNs = watch.csNsec - watch.wdNsec;
    } else if ((m = /TSC synchronization \[CPU#(\d+) -> CPU#(\d+)\]:/.exec(message))) {
      sync = { timeS, fromCpu: num(m[1]), toCpu: num(m[2]), warpCycles: null };
      facts.tscSync.push(sync);
    } else if ((m = /Measured (\d+) cycles TSC warp between CPUs/.exec(message))) {
      if (!sync) {
        sync = { timeS, fromCpu: null, toCpu: null, warpCycles: null };
        facts.tscSync.push(sync);
      }
      sync.warpCycles = num(m[1]);
      sync = null;
    } else if ((m = /Switched to clocksource (\S+)/.exec(message))) facts.switches.push({ timeS, clocksource: m[1] ?? '' });
    else if ((m = /tsc: Detected (\d+\.\d+) MHz (?:processor|TSC)/.exec(message))) facts.tscDetectedMhz ??= Number(m[1]);
    else if ((m = /Refined TSC clocksource calibration: (\d+\.\d+) MHz/.exec(message))) facts.tscRefinedMhz = Number(m[1]);
    else if (/crng reseeded due to virtual machine fork/.test(message)) facts.forks.push({ timeS });
  }
  return facts;
}

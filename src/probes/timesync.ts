// timesync.ts: is this machine's clock kept in step with the world, by what,
// and does the hypervisor offer a PTP clock to step it by? The kernel's NTP
// state (adjtimex(2) modes 0, read-only), the daemons running, and the PTP
// clocks registered in /sys/class/ptp.
import type { Binding, NativeTimex } from '../native/binding.js';
import type { Source } from './source.js';

/** adjtimex's TIME_ERROR and the STA_UNSYNC bit (include/uapi/linux/timex.h). */
const TIME_ERROR = 5;
const STA_UNSYNC = 0x40;

/** Daemons that discipline the kernel clock, by their /proc/<pid>/comm
 * (at most 15 characters: TASK_COMM_LEN 16, so systemd-timesyncd is cut). */
const DAEMONS: ReadonlyArray<{ comm: string; name: TimesyncDaemon }> = [
  { comm: 'chronyd', name: 'chrony' },
  { comm: 'ntpd', name: 'ntpd' },
  { comm: 'systemd-timesyn', name: 'systemd-timesyncd' },
  { comm: 'ptp4l', name: 'ptp4l' },
  { comm: 'phc2sys', name: 'phc2sys' },
];

export type TimesyncDaemon = 'chrony' | 'ntpd' | 'systemd-timesyncd' | 'ptp4l' | 'phc2sys';

/** The clock_name ptp_kvm registers (drivers/ptp/ptp_kvm_common.c). */
export const PTP_KVM_NAME = 'KVM virtual PTP';

export interface TimesyncFacts {
  /** The kernel's NTP state, or why it could not be read. */
  timex: (NativeTimex & { synchronised: boolean }) | { error: string };
  /** Which of the daemons above run now, in that order. */
  daemons: TimesyncDaemon[];
  /** Each PTP clock: its device (ptp0) and clock_name. */
  ptpClocks: Array<{ device: string; name: string }>;
}

/** Synchronised as the kernel means it: not TIME_ERROR, STA_UNSYNC clear. */
export function isSynchronised(t: NativeTimex): boolean {
  return t.state !== TIME_ERROR && (t.status & STA_UNSYNC) === 0;
}

/** Reads the facts from this machine (the files and folders through
 * `source`; a replay hands in a capture's adjtimex as `binding`). */
export function readTimesync(binding: Pick<Binding, 'adjtimex'>, source: Source): TimesyncFacts {
  const list = (dir: string): string[] => source.list?.(dir) ?? [];
  let timex: TimesyncFacts['timex'];
  try {
    const t = binding.adjtimex();
    timex = { ...t, synchronised: isSynchronised(t) };
  } catch (err) {
    timex = { error: err instanceof Error ? err.message : String(err) };
  }
  const comms = new Set(
    list('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => source.read(`/proc/${p}/comm`)?.trim() ?? ''),
  );
  const daemons = DAEMONS.filter((d) => comms.has(d.comm)).map((d) => d.name);
  const ptpClocks = list('/sys/class/ptp')
    .filter((d) => /^ptp\d+$/.test(d))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((device) => ({ device, name: source.read(`/sys/class/ptp/${device}/clock_name`)?.trim() ?? '' }));
  return { timex, daemons, ptpClocks };
}

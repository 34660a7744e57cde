// check-sentences.ts: what each of `clocklab check`'s findings says to a
// person, and the checks' titles. Spread into ./sentences.ts's one table.
import type { FindingArgs, FindingCode } from './codes.js';
import { basisText, withheldPhrase } from './decision-sentences.js';
import { fixed, items, said, type Phrase } from './phrase-kit.js';

type CheckCode = Extract<FindingCode, `CHECK_${string}`>;

/** The check's titles: what each health check asks, one line. */
export const CHECK_TITLES = {
  vdso: 'clock_gettime stays in the vDSO',
  warp: 'no clock that must be monotonic goes backwards across CPUs',
  tsc: 'the TSC is constant, non-stop, invariant and trusted by the kernel',
  pvclock: 'the KVM pvclock page is stable, consistent across vCPUs and never torn',
  clocksource: 'the clocksource in use is the recommended one',
  timesync: "the kernel's clock is synchronised (NTP or PTP), and by what",
  disturbance: 'the host left the CPUs alone during the check',
} as const;

/** What to look at when a daemon runs but the kernel says unsynchronised. */
const DAEMON_STATUS: Record<string, string> = {
  chrony: '`chronyc tracking` and `chronyc sources`',
  ntpd: '`ntpq -p`',
  'systemd-timesyncd': '`timedatectl timesync-status`',
  ptp4l: '`pmc -u -b 0 "GET TIME_STATUS_NP"`',
  phc2sys: "phc2sys's log (`journalctl -u phc2sys`)",
};

/** How to get an unsynchronised clock synchronised. */
function timesyncAdvice(a: FindingArgs<'CHECK_TIMESYNC_UNSYNCED'>): string {
  const daemons = items(a.daemons, ', ');
  const ptp = a.ptpKvm
    ? `; the hypervisor offers its clock as /dev/${a.ptpKvm} (ptp_kvm): \`refclock PHC /dev/${a.ptpKvm} poll 2\` in /etc/chrony/chrony.conf syncs to it without a network`
    : a.kvm
      ? '; on KVM, `modprobe ptp_kvm` offers the host clock as /dev/ptpN for chrony (`refclock PHC /dev/ptp0 poll 2`)'
      : '';
  if (daemons === '') return `nothing keeps this clock in step: install and enable a time daemon (Debian: \`apt install chrony\`)${ptp}`;
  const look = a.daemons.split(',').flatMap((d) => (DAEMON_STATUS[d] ? [DAEMON_STATUS[d]] : [])).join(', ');
  return `${daemons} runs but has not synchronised the clock: see ${look}; its servers must be reachable (UDP 123)${ptp}`;
}

export const CHECK_SENTENCES: { [C in CheckCode]: (a: FindingArgs<C>) => Phrase } = {
  CHECK_VDSO_UNMEASURED: () => said('could not time monotonic, realtime and the syscall'),
  CHECK_VDSO_OK: (a) =>
    said(`reads stay in the vDSO: monotonic ${a.monotonicNs.toFixed(1)} ns, realtime ${a.realtimeNs.toFixed(1)} ns, syscall ${a.syscallNs.toFixed(1)} ns`),
  CHECK_VDSO_FALLBACK: (a) => {
    const figures = `monotonic ${a.monotonicNs.toFixed(1)} ns, realtime ${a.realtimeNs.toFixed(1)} ns, syscall ${a.syscallNs.toFixed(1)} ns`;
    const fell = [...(a.monotonic ? ['monotonic'] : []), ...(a.realtime ? ['realtime'] : [])].join(' and ');
    const why =
      a.clocksource === 'kvm-clock'
        ? 'on kvm-clock the vDSO falls back when the pvclock page lacks PVCLOCK_TSC_STABLE_BIT (arch/x86/include/asm/vdso/gettimeofday.h, vread_pvclock); run `clocklab pvclock`'
        : a.clocksource === 'tsc'
          ? 'on tsc the vDSO falls back when the kernel has marked the TSC unstable; look for "Marking TSC unstable" in dmesg'
          : `clocksource ${a.clocksource ?? 'unknown'} has no vDSO mode, so every read is a system call`;
    return said(
      `${fell} cost like the system call (${figures}): the vDSO fell back`,
      `${why}; a clocksource with a vDSO mode (tsc, or kvm-clock with the stable bit) restores ~10x cheaper reads`,
    );
  },
  CHECK_WARP_UNMEASURED: () => said('no method could be warp-checked'),
  CHECK_WARP_ONE_CPU: () => said('one CPU only: time cannot go backwards across CPUs'),
  CHECK_WARP_HELD: (a) => said(`${items(a.methods, ', ')} held across CPUs ${a.cpus}`),
  CHECK_WARP_ALLOWED: (a) => said(`${a.method} ${a.warps} warps (allowed by its contract)`),
  CHECK_WARP_BACKWARDS: () =>
    said(
      'time went backwards across CPUs',
      'applications will see time go backwards; switch to a clocksource that holds (`clocklab compare --warp`) and report the host',
    ),
  CHECK_WARP_WENT_BACK: (a) =>
    said(
      a.fromCpu !== null && a.toCpu !== null && a.amount !== null
        ? `${a.method}: cpu ${a.fromCpu} -> cpu ${a.toCpu} ${a.amount} ${a.unit} backwards (${a.warps} warps)`
        : `${a.method}: ${a.warps} warps`,
    ),
  CHECK_TSC_OK: (a) =>
    said(`constant, non-stop and invariant; tsc is an available clocksource${a.kernelLogRead ? '' : ' (kernel log not readable)'}`),
  CHECK_TSC_UNTRUSTED: (a) => {
    const problems = [
      ...(a.constantTsc ? [] : ['no constant_tsc']),
      ...(a.nonstopTsc ? [] : ['no nonstop_tsc']),
      ...(a.invariantTsc ? [] : ['no invariant TSC (CPUID 0x80000007 EDX[8])']),
      ...(a.tscAvailable ? [] : ['tsc missing from available_clocksource']),
      ...(a.kernelLogSays !== null ? [`the kernel log says "${a.kernelLogSays}"`] : []),
    ];
    return said(
      `TSC: ${problems.join('; ')}`,
      'do not rely on the TSC here: keep kvm-clock (or the best-rated clocksource) and treat raw TSC reads as CPU-local',
    );
  },
  CHECK_PVCLOCK_NOT_KVM: () => said('the kernel has no kvm-clock: there is no KVM-family pvclock page to check'),
  CHECK_PVCLOCK_NO_PAGE: () => said('no pvclock page is mapped (kvm-clock was never used since boot)'),
  CHECK_PVCLOCK_OK: (a) => said(`${a.vcpus} vCPU records agree, stable bit set, ${a.seconds > 0 ? `no torn read in ${a.seconds} s` : 'not watched for torn reads'}`),
  CHECK_PVCLOCK_UNHEALTHY: (a) => {
    // The advice of the first problem, in this order: a torn read is the worst.
    const found: Phrase[] = [
      ...(a.tornReads > 0
        ? [
            said(
              `${a.tornReads} torn read(s): a record changed under an unchanged even version`,
              'the host writes the pvclock page without the version protocol (arch/x86/kvm/x86.c, kvm_setup_guest_pvclock); report the host kernel',
            ),
          ]
        : []),
      ...(a.stableBit
        ? []
        : [
            said(
              "vCPU 0's record lacks PVCLOCK_TSC_STABLE_BIT",
              'KVM is out of master-clock mode (host TSC unstable or vCPU TSCs unmatched): on kvm-clock every clock_gettime is now a system call; prefer tsc if the TSC is sound, and check the host',
            ),
          ]),
      ...(a.recordsDisagree
        ? [
            said(
              `the vCPUs' records disagree (${items(a.differingFields, ', ') || 'ns'}; up to ${a.maxNsDifference} ns)`,
              'with the stable bit set every vCPU should carry the same record (KVM master clock); reads on different vCPUs can disagree: prefer tsc, and check the host',
            ),
          ]
        : []),
    ];
    return said(found.map((p) => p.text).join('; '), found[0]?.advice ?? null);
  },
  CHECK_CLOCKSOURCE_NONE: (a) => said(`no recommendation: ${basisText(a)}`),
  CHECK_CLOCKSOURCE_OK: (a) => said(`${a.current} is in use, as recommended (${basisText(a)})`),
  CHECK_CLOCKSOURCE_DIFFERS: (a) =>
    said(
      `${a.current ?? 'unknown'} is in use, but ${a.recommended} is recommended (${basisText(a)})`,
      `switch with \`echo ${a.recommended} > /sys/devices/system/clocksource/clocksource0/current_clocksource\`, or boot with clocksource=${a.recommended}`,
    ),
  CHECK_DISTURBANCE_OK: (a) => said(`steal ${a.stealPercent}% during the check, load ${a.loadAverage} before it`),
  CHECK_DISTURBANCE_STEAL: (a) =>
    said(
      `the host stole ${a.stealPercent}% of the CPUs' time during the check`,
      'figures from this run are noisy; rerun when the host is quieter before trusting a cost',
    ),
  CHECK_TSC_WITHHELD: withheldPhrase,
  CHECK_PVCLOCK_UNREADABLE: (a) =>
    said(`no pvclock page could be read (${a.state}), though the kernel offers kvm-clock (clocksource now: ${a.clocksource ?? 'unknown'})`, 'run `clocklab pvclock` for the reason'),
  CHECK_TIMESYNC_UNREAD: (a) => said(`the kernel's NTP state could not be read (${a.error})`),
  CHECK_TIMESYNC_OK: (a) =>
    said(
      `synchronised by ${items(a.daemons, ', ') || 'an unknown daemon'}: maximum error ${fixed(a.maxErrorUs / 1000, 3)} ms, estimated ${fixed(a.estErrorUs / 1000, 3)} ms, last offset ${fixed(a.offsetNs / 1000, 1)} us`,
    ),
  CHECK_TIMESYNC_UNSYNCED: (a) =>
    said(
      `the kernel says the clock is not synchronised${a.daemons ? ` (running: ${items(a.daemons, ', ')})` : ' and no time daemon runs'}; maximum error ${fixed(a.maxErrorUs / 1e6, 1)} s`,
      timesyncAdvice(a),
    ),

  CHECK_TSC_AUX: (a) => {
    const upper = (l: string): string[] => l.toUpperCase().split(',').filter((x) => x !== '');
    const hidden = upper(a.hidden);
    const misleading = upper(a.misleading);
    const runs = hidden.length === 0 ? '' : `${hidden.join(' and ')} ${hidden.length === 1 ? 'executes though CPUID hides it' : 'execute though CPUID hides them'}`;
    const aux =
      misleading.length === 0
        ? ''
        : `TSC_AUX (${misleading.join(', ')}) reads ${items(a.values, '/')}, ${a.never ? 'never' : 'not always'} the CPU the thread was pinned to${misleading.includes('RDTSCP') ? ' (the rdtscp-based pvclock reader is refused)' : ''}`;
    return said([runs, aux].filter((x) => x !== '').join('; '));
  },
  CHECK_REPLAY_NOT_MEASURED: (a) => said(`a replay: not measured (the facts are those of the capture ${a.dir})`),
};

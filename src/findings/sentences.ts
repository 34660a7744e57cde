// sentences.ts: what each finding says to a person, and what to do about it.
// One table for every code (tsc fails on a code without a sentence); every
// report format, and the prose fields of the results (src/findings/phrase.ts),
// take their sentences from here.
import type { FindingT } from '../results/common.js';
import { argsOf, isFindingCode, type FindingArgs, type FindingCode, type RecommendationBasis } from './codes.js';
import { TSC_SENTENCES } from './tsc-sentences.js';

export interface Phrase {
  /** What was seen, one sentence. */
  text: string;
  /** What to do about it, or null when nothing needs doing. */
  advice: string | null;
}

type Sentences = { [C in FindingCode]: (a: FindingArgs<C>) => Phrase };

/** A list argument ('a,b') joined for reading. */
const items = (s: string, sep: string): string => s.split(',').filter((x) => x !== '').join(sep);
const fixed = (x: number | null, digits: number): string => (x === null ? '-' : x.toFixed(digits));
const said = (text: string, advice: string | null = null): Phrase => ({ text, advice });

/** The largest warp of a warp finding: amount, unit, ns for cycles, the CPUs. */
const largest = (a: FindingArgs<'WARP_MONOTONIC'>): string => {
  const ns = a.unit === 'cycles' ? ` (${a.amountNs} ns)` : '';
  return `${a.amount} ${a.unit}${ns}, cpu ${a.fromCpu} -> cpu ${a.toCpu}`;
};

/** Why the clocksource check recommends what it does, in words. */
export function basisText(a: RecommendationBasis): string {
  switch (a.basis) {
    case 'tsc-sound':
      return 'the TSC is constant, non-stop and invariant, so tsc reads in the vDSO without the pvclock indirection';
    case 'tsc-untrusted':
      return a.tscKind
        ? `the kernel measured the TSC and found it wrong (${WITHHELD_SHORT[a.tscKind] ?? a.tscKind}), so it does not offer tsc`
        : 'the TSC is not constant, non-stop and invariant here, and kvm-clock does not depend on that';
    case 'tsc-withheld':
      return `the kernel does not offer tsc (${a.tscKind === 'boot-parameter' && a.tscOption ? `the boot parameter ${a.tscOption} removed it` : (WITHHELD_SHORT[a.tscKind ?? 'unknown'] ?? 'reason unknown')}), so the paravirtual clock is the only choice; nothing measured the TSC as bad`;
    case 'none-qualifies':
      return 'neither tsc nor kvm-clock qualifies';
    case 'stored': {
      const said =
        a.storedLevel === 'none' || a.storedLevel === null || a.storedClocksource === null
          ? `the stored comparison made no recommendation: ${a.storedReason ?? ''}`
          : `a stored comparison ${a.storedLevel === 'recommend' ? 'recommends' : 'leans to'} ${a.storedClocksource}: ${a.storedReason ?? ''}`;
      return `${said} (from ${a.from ?? 'unknown'})`;
    }
  }
}

/** Why tsc is not offered, in a few words (KernelView tsc.withheld.kind). */
const WITHHELD_SHORT: Record<string, string> = {
  'boot-parameter': 'a boot parameter marked it unstable',
  watchdog: 'the clocksource watchdog measured it against another clock',
  'sync-check': 'the TSC sync check at CPU bring-up saw it go backwards between CPUs',
  unsynchronized: "the kernel's rule for TSCs on several packages without constant_tsc",
  cpufreq: 'its rate follows the CPU frequency',
  idle: 'it stops in deep C-states',
  hypervisor: 'the hypervisor says its TSC is not invariant',
  other: 'the kernel marked it unstable',
  unknown: 'the kernel log does not say why',
};

const secs = (t: number | null): string => (t === null ? '' : ` at ${t.toFixed(3)} s`);

/** Why tsc is not offered, with its evidence and remedy: the sentence of
 * TSC_WITHHELD (info) and CHECK_TSC_WITHHELD (check). */
function withheldPhrase(a: FindingArgs<'TSC_WITHHELD'>): Phrase {
  const logged = a.reason !== null ? ` (kernel log${secs(a.timeS)}: "Marking TSC unstable due to ${a.reason}")` : '';
  const asked = a.clocksourceAsked !== null && a.clocksourceAsked !== 'tsc' ? `; clocksource=${a.clocksourceAsked} also asks for ${a.clocksourceAsked}` : '';
  switch (a.kind) {
    case 'boot-parameter': {
      const opt = a.option ?? 'tsc=unstable';
      const both = a.contradiction
        ? '; tsc=reliable is given too, and the two contradict: every tsc= option applies (arch/x86/kernel/tsc.c, tsc_setup()) and an unstable mark is never undone'
        : '';
      return said(
        `tsc is not offered: the boot parameter ${opt} marked it unstable${logged}${both}${asked}`,
        `remove ${opt} from the kernel command line to offer tsc${asked ? ` (and clocksource=${a.clocksourceAsked ?? ''} to let the kernel choose)` : ''}${a.flagsGood ? '; nothing measured the TSC as bad here: constant_tsc, nonstop_tsc and the invariant TSC are set' : ''}`,
      );
    }
    case 'watchdog': {
      const by =
        a.skewNs !== null && a.wdNsec !== null
          ? `: '${a.watchdogClock ?? 'tsc'}' ran ${a.skewNs} ns off '${a.watchdogAgainst ?? 'the watchdog'}' over an interval of ${a.wdNsec} ns${a.cpu !== null ? ` (CPU ${a.cpu})` : ''}`
          : '';
      return said(
        `tsc is not offered: the clocksource watchdog measured it against ${a.watchdogAgainst ?? 'another clock'} and marked it unstable${by}${logged} (kernel/time/clocksource.c)`,
        'the TSC and the watchdog clock disagreed: keep the current clocksource, and report the host with these lines (dmesg | grep -A4 "watchdog on CPU")',
      );
    }
    case 'sync-check':
      return said(
        `tsc is not offered: at CPU bring-up the TSC went backwards${a.warpCycles !== null ? ` ${a.warpCycles} cycles` : ''}${a.fromCpu !== null && a.toCpu !== null ? ` between CPU ${a.fromCpu} and CPU ${a.toCpu}` : ''}${logged} (arch/x86/kernel/tsc_sync.c)`,
        "the CPUs' TSCs are not synchronised: keep the current clocksource, and report the host or firmware",
      );
    case 'unknown':
      return said(
        `tsc is not offered, and ${a.logRead ? 'the kernel log does not say why (its early lines may have been overwritten)' : 'the kernel log could not be read'}${asked}`,
        `read the reason with \`dmesg | grep -i tsc\`${a.logRead ? '' : ' as root'}; the command line's clock options are in /proc/cmdline`,
      );
    default:
      return said(`tsc is not offered: the kernel marked it unstable because ${WITHHELD_SHORT[a.kind] ?? a.kind}${logged}${asked}`, null);
  }
}

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

const SENTENCES: Sentences = {
  ...TSC_SENTENCES,
  FLAG_DISAGREEMENT: (a) =>
    said(
      `CPUID says ${a.flag} is ${a.cpuid ? 'present' : 'absent'} but /proc/cpuinfo says ${a.cpuinfo ? 'present' : 'absent'}.`,
      'The hypervisor or a clearcpuid= boot option filters one view; trust /proc/cpuinfo for what the kernel uses.',
    ),
  TSC_NOT_CONSTANT: (a) =>
    said(
      `The TSC is not constant and non-stop (constant_tsc=${a.constant_tsc}, nonstop_tsc=${a.nonstop_tsc}).`,
      'Do not use tsc as the clocksource here; TSC reads across CPUs or power states are not comparable.',
    ),
  TSC_CLOCKSOURCE_MISSING: (a) =>
    said(`tsc is not among the available clocksources (${a.available}); the kernel may have marked it unstable.`, "Look for 'Marking TSC unstable' in dmesg."),

  BENCH_STEAL: (a) =>
    said(
      `The hypervisor stole ${a.stealPercent}% of CPU ${a.cpus}'s time during the bench; the figures include that wait.`,
      'Run again when the host is quieter, or compare ratios measured in the same run rather than absolute ns/loop.',
    ),
  BENCH_CLOCKSOURCE_CHANGED: (a) =>
    said(
      `The clocksource changed during the bench, from ${String(a.before)} to ${String(a.after)}; runs before and after are not comparable.`,
      'Run again with nothing switching the clocksource (clocklab compare switches it on purpose, one clocksource per bench).',
    ),
  BENCH_VDSO_LIKE_SYSCALL: (a) =>
    said(
      `${a.method} costs ${a.nsPerLoop} ns/loop, like its raw syscall ${a.syscallMethod} (${a.syscallNsPerLoop} ns/loop): the vDSO is falling back to the system call (clocksource ${String(a.clocksource)}).`,
      'The vDSO reads only clocksources with a vDSO clock mode (tsc; kvm-clock only with the pvclock stable bit): see clocklab info and clocklab compare.',
    ),
  BENCH_SPREAD: (a) =>
    said(
      `Runs scattered by more than a quarter of the median (spread): ${a.methods}.`,
      'Quote the median (or the min, which nothing can make too fast), or run again with more --runs on a quieter CPU (--cpu).',
    ),
  BENCH_LOADED: (a) =>
    said(
      `The load average was ${a.loadAverage} on ${a.cpus} CPUs before the bench: other tasks were waiting for a CPU, and a run that is preempted gains a whole time slice.`,
      'Run on an idle machine for figures to quote; ratios between methods of the same run hold up better than absolute ns/loop.',
    ),

  WARP_MONOTONIC: (a) =>
    said(
      `${a.method} went backwards across CPUs ${a.warps} times, by up to ${largest(a)}; it must be monotonic.`,
      'Report it with this output: a clock that goes backwards breaks timeouts and orderings. Check dmesg for TSC messages and compare clocksources with `clocklab compare`.',
    ),
  WARP_UNORDERED: (a) =>
    said(
      `Plain ${a.method} went backwards ${a.warps} times, by up to ${largest(a)}: it is not ordered against the load that handed it the turn, so it can run ahead of earlier loads.`,
      'Expected, not a fault of the TSC: use RDTSCP or LFENCE;RDTSC where the order of reads matters, as the kernel does (rdtsc_ordered()).',
    ),
  WARP_MAY_STEP: (a) =>
    said(
      `${a.method} went backwards ${a.warps} times, by up to ${largest(a)}; a wall clock may be stepped by NTP or settimeofday.`,
      'Measure intervals with CLOCK_MONOTONIC, not a wall clock.',
    ),
  WARP_ONE_CPU: (a) =>
    said(
      `Only CPU ${a.cpu} was checked: a cross-CPU warp cannot occur with one CPU, so this run only shows that the method never went backwards on that CPU.`,
    ),
  WARP_NO_CONSTANT_TSC: (a) =>
    said(
      `${a.method} was checked, but this CPU lacks constant_tsc: its reads are only comparable across CPUs where the TSCs tick together, so a warp is a finding here, not a failure.`,
      'Do not rely on TSC reads across CPUs on this machine.',
    ),
  WARP_IDLE_CPU: (a) =>
    said(`For ${a.method}, CPU ${a.cpus} made no reads: the check did not cover it.`, 'Run again on a quieter machine, or for longer (--duration).'),
  WARP_PAIRS_UNCOMPARED: (a) =>
    said(
      `For ${a.method}, ${a.count} ordered CPU pair${a.count === 1 ? '' : 's'} never handed over (${a.pairs}): a warp between ${a.count === 1 ? 'them' : 'those CPUs'} could not have been seen.`,
      'Run with --pairs: each CPU pair then gets its share of the duration.',
    ),
  WARP_SELF_TEST_UNMEASURED: (a) => said(a.reason ?? 'nothing was measured'),
  WARP_SELF_TEST_NO_SKEW: () => said('no warps, as expected with no skew (nothing to find)'),
  WARP_SELF_TEST_MISSED: (a) => said(`no warp found, though CPU ${a.skewCpu} was skewed by ${a.skewCycles} cycles`),
  WARP_SELF_TEST_STRAY: (a) => said(`warps between unexpected CPUs: cpu ${a.fromCpu} -> cpu ${a.toCpu} (${a.warps} warps)`),
  WARP_SELF_TEST_OFF: (a) =>
    said(
      `the largest warp, ${a.largestCycles} cycles, is ${(a.off * 100).toFixed(1)}% away from the skew of ${a.skewCycles} cycles (tolerance ${a.tolerance * 100}%)`,
    ),
  WARP_SELF_TEST_FOUND: (a) =>
    said(`found ${a.warps} warps into CPU ${a.skewCpu}, the largest ${a.largestCycles} cycles: ${(a.off * 100).toFixed(1)}% from the skew of ${a.skewCycles} cycles`),

  ORDER_ALLOWED: (a) =>
    said(
      `${a.method} ${a.pattern}: ${a.beyond.toLocaleString('en-US')} of ${a.samples.toLocaleString('en-US')} out of order beyond the offset bound, worst ${a.worst.toLocaleString('en-US')} ${a.unit}${a.unit === 'cycles' ? ` (${a.worstNs.toFixed(1)} ns)` : ''}: unordered, as the manual allows (${a.source}).`,
    ),
  ORDER_FORBIDDEN: (a) =>
    said(
      `${a.method} ${a.pattern}: ${a.beyond.toLocaleString('en-US')} of ${a.samples.toLocaleString('en-US')} out of order beyond the offset bound, worst ${a.worst.toLocaleString('en-US')} ${a.unit}${a.unit === 'cycles' ? ` (${a.worstNs.toFixed(1)} ns)` : ''}, cpu ${a.fromCpu} -> cpu ${a.toCpu}, where the manual promises this order (${a.source}).`,
      'Report it with this output: code that relies on this read\'s order (the kernel\'s rdtsc_ordered(), the vDSO) is wrong on this machine.',
    ),
  ORDER_WITHIN_BOUND: (a) =>
    said(
      `${a.method} ${a.pattern}: ${a.violations.toLocaleString('en-US')} of ${a.samples.toLocaleString('en-US')} reads lower than the other side's, none by more than the TSC offset bound (${a.boundNs.toFixed(1)} ns): not evidence of reordering.`,
    ),
  ORDER_NO_SAMPLES: (a) => said(`${a.method} ${a.pattern}: no sample was compared.`, 'Run again on a quieter machine, or for longer (--duration).'),
  ORDER_NO_OFFSET: (a) =>
    said(
      `The TSC offset of CPUs ${a.cpuA} and ${a.cpuB} could not be measured, so every violation between them counts as evidence.`,
      'Run again on a quieter machine.',
    ),
  ORDER_SELF_TEST_FOUND: (a) => said(`the wrong-order ${a.method} reader was caught: ${a.counts}`),
  ORDER_SELF_TEST_MISSED: (a) => said(`the wrong-order ${a.method} reader showed no violation beyond the offset bound in ${items(a.patterns, ', ')}: the checker cannot be trusted here`),

  COMPARE_NOT_RESTORED: (a) =>
    said(`The clocksource is '${a.now}' after the run; it was '${a.original}'.`, 'Run `sudo clocklab restore`, or write the original name to current_clocksource.'),
  COMPARE_STEAL: (a) =>
    said(
      `Steal time was ${a.stealPercent}% while ${a.clocksource} was measured.`,
      'The host took CPU time from this guest during the run; rerun when the host is quieter.',
    ),
  COMPARE_CONTROL_DRIFT: (a) =>
    said(
      `${a.method}, which does not read the clocksource, differs by ${(a.drift * 100).toFixed(0)}% between clocksources: that is this run's noise, and a clock's difference must exceed it`,
    ),
  COMPARE_ONE_CLOCKSOURCE: (a) => said(`only ${a.clocksource ?? 'no clocksource'} was measured; a recommendation needs two to compare`),
  COMPARE_CLOCKS_UNMEASURED: (a) => said(`${items(a.methods, ' and ')} not measured on every clocksource; include them in --methods`),
  COMPARE_CLOCK: (a) =>
    said(
      `${a.method}: ${String(a.fastest)} ${fixed(a.fastestNsPerLoop, 2)} ns/loop against ${String(a.slowest)} ${fixed(a.slowestNsPerLoop, 2)} ns/loop ` +
        `(${String(a.slowest)} ${fixed(a.ratio, 2)}x${a.ratioLow !== null && a.ratioHigh !== null ? ` [${fixed(a.ratioLow, 2)}, ${fixed(a.ratioHigh, 2)}]` : ''} slower` +
        `${a.ratioLow !== null && a.ratioLow <= 1 ? ': the 95% interval includes 1, no measurable difference' : a.clear ? '' : ', not clearly past the margin'})`,
    ),
  COMPARE_CLOCKS_DISAGREE: (a) =>
    said(`${items(a.methods, ' and ')} disagree on which clocksource is faster: not enough evidence to recommend either`),
  COMPARE_NOT_CLEAR: (a) =>
    said(
      a.noDifference
        ? `no measurable difference between the clocksources (a 95% interval of the ratio includes 1): not enough evidence to recommend a change from '${a.original}'; run more --runs or --rounds, on a quieter machine`
        : `${a.clocksource} is not faster by a clear margin (the whole 95% interval of the ratio by ${Math.round((a.minRatio - 1) * 100)}% or more): not enough evidence to recommend a change from '${a.original}'; run more --runs or --rounds, on a quieter machine`,
    ),
  COMPARE_UNSAFE: (a) => said(`${a.clocksource} is faster but not safe here: ${a.evidence}`),
  COMPARE_SAFETY_UNKNOWN: (a) => said(`${a.clocksource}: ${a.fact} unknown (${a.detail})`),
  COMPARE_STEAL_DISTURBED: (a) => said(`steal time above ${a.limitPercent}% during ${items(a.clocksources, ', ')}: the figures are disturbed`),
  COMPARE_ALREADY_CURRENT: (a) => said(`${a.clocksource} is already the current clocksource: nothing to change`),

  GATE_INCONCLUSIVE: (a) =>
    said(
      `Inconclusive against the baseline: the 95% interval of the change straddles the ${a.thresholdPercent}% bar, so the runs can neither confirm nor rule out a regression: ${a.methods}.`,
      'Not a failure. Run again with more --runs (a narrower interval), on a quieter machine, to decide.',
    ),
  GATE_NOISY_BASELINE: (a) =>
    said(
      `The baseline's own runs are too scattered to gate at ${a.thresholdPercent}%: its median is uncertain by more than the bar (width of its 95% interval): ${a.methods}. Not gated, not failed.`,
      `Record the baseline again with more --runs on a quieter machine, or gate these methods at --threshold ${a.gateablePercent} or more.`,
    ),
  GATE_PREEMPTED: (a) =>
    said(
      `The bench thread was on its CPU for less than ${a.limitPercent}% of the runs' wall time: other tasks ran there, and ns/loop includes their time (figures only ever inflate, so such runs cannot show a regression): ${a.methods}.`,
      'Gate on an idle machine, or on a CPU nothing else is scheduled on (--cpu; isolcpus= or a cpuset keeps other tasks off it).',
    ),
  GATE_UNCONFIRMED: (a) =>
    said(
      `The first block of runs looked regressed, but a second block measured right after did not confirm it (a burst of load, not a change): ${a.methods}.`,
    ),
  GATE_FLOOR: (a) =>
    said(
      `A change under ${a.floorNs} ns/loop is never a regression: for these fast methods the bar is that floor, not ${a.thresholdPercent}%: ${a.methods}.`,
    ),

  PVCLOCK_RECORDS_DISAGREE: (a) =>
    said(
      `The vCPUs' pvclock records disagree (fields: ${a.fields}); one TSC value gives up to ${a.maxNsDifference} ns difference.`,
      'A reader that uses only vCPU 0 (the vDSO) is then not exact on the other vCPUs; expect the stable bit to be clear.',
    ),
  PVCLOCK_STABLE_BIT_CLEAR: () =>
    said(
      "vCPU 0's record lacks PVCLOCK_TSC_STABLE_BIT: the vDSO will not read the page and falls back to the clock_gettime syscall.",
      'The host is not in KVM master-clock mode (host clocksource not tsc, or vCPU TSCs unmatched).',
    ),
  PVCLOCK_GUEST_STOPPED: () => said('A record carries PVCLOCK_GUEST_STOPPED: the host paused this guest and the guest has not cleared it yet.'),
  PVCLOCK_PAGE_NOT_IN_USE: (a) =>
    said(
      `The vDSO does not read this page now (clocksource ${a.clocksource}, stable bit ${a.stableBit ? 'set' : 'clear'}); it is still mapped because kvm-clock was used since boot.`,
    ),
  PVCLOCK_LAYOUT_UNVERIFIED: (a) =>
    said(`The page was found by a layout taken from kernel history: ${a.detail}.`, 'vCPU 0 held a plausible record there; check the figures against dmesg "tsc: Detected".'),
  PVCLOCK_TORN_READ: (a) =>
    said(
      `${a.tornReads} torn read(s) in ${a.seconds} s: a record changed while its version stayed the same.`,
      'A seqlock reader cannot detect this; report the host kernel and hypervisor (the host must make the version odd around every update of a record: arch/x86/kvm/x86.c, kvm_setup_guest_pvclock).',
    ),
  PVCLOCK_ODD_READS: (a) =>
    said(`${a.oddReads} read(s) saw an odd version: the host was updating the record, and the seqlock made the reader retry.`),

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
  TSC_WITHHELD: withheldPhrase,
  CHECK_TSC_WITHHELD: withheldPhrase,
  HYPERVISOR_NESTED: (a) =>
    said(
      `The kernel says it runs on ${a.kernelSays}, but user-space CPUID leaf 0x40000000 says '${a.cpuidSignature}'${a.cpuidName ? ` (${a.cpuidName})` : ''}: the guest is nested or paravirtualized, and CPUID from user space answers from the outer machine${a.kernelSays === 'PVM' ? ' (PVM runs the guest kernel in user mode and does not intercept user-space CPUID)' : ''}.${a.clocksource ? ` The kernel's clock is ${a.clocksource}${a.clockFrom ? `, the paravirtual clock of ${a.clockFrom}` : ''}.` : ''}`,
      "Trust the kernel's view for this guest (dmesg, /proc/cpuinfo, sysfs); CPUID's hypervisor leaves and brand string describe the outer machine.",
    ),
  VM_FORKED: (a) =>
    said(
      `This guest was forked or restored from a snapshot: the kernel reseeded its RNG for a virtual machine fork${secs(a.forkS)} after boot (the VM generation ID changed, drivers/virt/vmgenid.c)${a.forks > 1 ? `, ${a.forks} times` : ''}; ${
        a.rewritten === null
          ? 'no pvclock record could be read to see whether the host rewrote them after it'
          : a.rewritten
            ? `the pvclock records were rewritten after it (oldest system_time ${fixed(a.oldestSystemTimeS, 3)} s)`
            : `a pvclock record was not rewritten after it (oldest system_time ${fixed(a.oldestSystemTimeS, 3)} s, before the fork)`
      }.`,
      a.rewritten === false
        ? 'The host has not updated this vCPU clock since the restore: time read through it may be the snapshot\'s; run `clocklab pvclock` and report the host'
        : null,
    ),
  CHECK_PVCLOCK_UNREADABLE: (a) =>
    said(`no pvclock page could be read (${a.state}), though the kernel offers kvm-clock (clocksource now: ${a.clocksource ?? 'unknown'})`, 'run `clocklab pvclock` for the reason'),
  COMPARE_KERNEL_CHOICE: (a) => said(`${a.clocksource} is the only clocksource the kernel offers: ${basisText(a)}`),
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

  TSC_AUX_NOT_CPU: (a) => {
    const names = a.instructions.toUpperCase().split(',').filter((x) => x !== '');
    const how = a.never ? 'never' : `in ${a.wrong} of ${a.reads} reads not`;
    // setup_getcpu() (arch/x86/kernel/cpu/common.c) writes TSC_AUX only where the kernel sees RDTSCP or RDPID.
    const why = a.kernelSees
      ? ''
      : "; this guest's kernel sees neither RDTSCP nor RDPID (/proc/cpuinfo), so it never wrote TSC_AUX (setup_getcpu(), arch/x86/kernel/cpu/common.c): the value is a lower layer's";
    const reader = names.includes('RDTSCP')
      ? ': a reader that picks its pvclock record by it (the rdtscp-based pvclock reader) picks the wrong one, and clocklab refuses that reader here'
      : ': per-CPU data indexed by it is another CPU\'s';
    return said(
      `TSC_AUX, as ${names.join(' and ')} return${names.length === 1 ? 's' : ''} it, reads ${items(a.values, '/')}, ${how} the CPU the thread was pinned to (CPUs ${a.cpus})${why}.`,
      `Take the CPU number from getcpu(2) or sched_getcpu(), not from ${names.join(' or ')}${reader}.`,
    );
  },
  INSTRUCTION_HIDDEN_EXECUTES: (a) => {
    const names = a.instructions.toUpperCase().split(',').filter((x) => x !== '');
    const one = names.length === 1;
    return said(
      `CPUID hides ${names.join(' and ')} (${a.cpuidBits} ${one ? 'is' : 'are'} clear), yet ${one ? 'it executes' : 'they execute'}: tried in a child process, ${one ? 'it did not fault' : 'neither faulted'}.`,
      'Go by CPUID: code that executes them anyway relies on what the hypervisor does not promise.',
    );
  },
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
  SYSCALL_READ_COSTLY: (a) =>
    said(
      `A clock_gettime system call (${a.syscallMethod}, ${fixed(a.syscallNsPerLoop, 1)} ns) costs ${fixed(a.ratio, 0)}x the vDSO's read (${a.method}, ${fixed(a.nsPerLoop, 1)} ns): ` +
        'every clock read that leaves the vDSO pays that here: on a clocksource without a vDSO reader, in programs that make the system call themselves (seccomp-sandboxed or some statically linked ones), ' +
        'and for the clocks the vDSO does not read (the CPU-time clocks: lib/vdso/gettimeofday.c). ' +
        "A ratio this large means the guest's system calls are dear: under PVM, whose guest kernel runs in user mode, each is a round trip through the hypervisor (about 48x where first measured; about 7x on KVM guests).",
      'Keep hot clock reads in the vDSO: a clocksource with a vDSO reader (tsc, or kvm-clock with the pvclock stable bit), CLOCK_MONOTONIC or CLOCK_REALTIME rather than a CPU-time clock, and check with `strace -f -c -e trace=clock_gettime` that a program does not make the call.',
    ),
  CHECK_REPLAY_NOT_MEASURED: (a) => said(`a replay: not measured (the facts are those of the capture ${a.dir})`),
};

/** The sentence of a code whose arguments have been checked. */
function phraseAs<C extends FindingCode>(f: FindingT, code: C): Phrase | null {
  const args = argsOf(f, code);
  return args === null ? null : SENTENCES[code](args);
}

/** A finding, phrased. A code this version does not know, or arguments that
 * do not fit it (a report from another version), are shown as they are. */
export function phrase(f: FindingT): Phrase {
  return (isFindingCode(f.code) ? phraseAs(f, f.code) : null) ?? { text: `${f.code} ${JSON.stringify(f.args)}`, advice: null };
}

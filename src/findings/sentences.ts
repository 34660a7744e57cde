// sentences.ts: what each finding says to a person, and what to do about it.
// One table for every code (tsc fails on a code without a sentence); every
// report format, and the prose fields of the results (src/findings/phrase.ts),
// take their sentences from here.
import type { FindingT } from '../results/common.js';
import { argsOf, isFindingCode, type FindingArgs, type FindingCode } from './codes.js';
import { CHECK_SENTENCES } from './check-sentences.js';
import { basisText, secs, withheldPhrase } from './decision-sentences.js';
import { fixed, items, largest, said, type Phrase } from './phrase-kit.js';

export type { Phrase } from './phrase-kit.js';
export { basisText } from './decision-sentences.js';
export { CHECK_TITLES } from './check-sentences.js';
import { TSC_SENTENCES } from './tsc-sentences.js';


type Sentences = { [C in FindingCode]: (a: FindingArgs<C>) => Phrase };

const SENTENCES: Sentences = {
  ...CHECK_SENTENCES,
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

  TSC_WITHHELD: withheldPhrase,
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
  COMPARE_KERNEL_CHOICE: (a) => said(`${a.clocksource} is the only clocksource the kernel offers: ${basisText(a)}`),
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
  SYSCALL_READ_COSTLY: (a) =>
    said(
      `A clock_gettime system call (${a.syscallMethod}, ${fixed(a.syscallNsPerLoop, 1)} ns) costs ${fixed(a.ratio, 0)}x the vDSO's read (${a.method}, ${fixed(a.nsPerLoop, 1)} ns): ` +
        'every clock read that leaves the vDSO pays that here: on a clocksource without a vDSO reader, in programs that make the system call themselves (seccomp-sandboxed or some statically linked ones), ' +
        'and for the clocks the vDSO does not read (the CPU-time clocks: lib/vdso/gettimeofday.c). ' +
        "A ratio this large means the guest's system calls are dear: under PVM, whose guest kernel runs in user mode, each is a round trip through the hypervisor (about 48x where first measured; about 7x on KVM guests).",
      'Keep hot clock reads in the vDSO: a clocksource with a vDSO reader (tsc, or kvm-clock with the pvclock stable bit), CLOCK_MONOTONIC or CLOCK_REALTIME rather than a CPU-time clock, and check with `strace -f -c -e trace=clock_gettime` that a program does not make the call.',
    ),
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

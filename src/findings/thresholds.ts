// thresholds.ts: every limit at which clocklab's verdict or a finding changes,
// named once. Runners, the result schemas' descriptions and the reports import
// them from here; no other file holds these numbers.

/** bench: steal at or above this share of the pinned CPU's time earns a
 * sentence (BENCH_STEAL). Low, because it changes no verdict: bench quotes
 * absolute ns/loop, and whatever steal /proc/stat can show is in them. */
export const BENCH_STEAL_NOTE_PERCENT = 1;

/** compare, check and every report: steal above this share of the CPUs'
 * time makes figures suspect, and a verdict changes (compare leans instead of
 * recommending, check warns, a report warns). Set at compare's margin for a
 * clear difference (MIN_SPEEDUP_RATIO): steal that large could make such a
 * difference on its own. */
export const STEAL_LIMIT_PERCENT = 5;

/** bench: a spread (max - min over runs, as a share of the median) above
 * this earns BENCH_SPREAD. A quarter of the median is where the min and the
 * median stop telling the same story, so a reader must say which one is
 * quoted. */
export const SPREAD_NOTE_PERCENT = 25;

/** bench: a spread needs this many runs to mean anything; with two, one
 * preempted run is the whole spread. */
export const SPREAD_MIN_RUNS = 3;

/** bench: a vDSO clock whose median costs at least this fraction of its
 * raw-syscall twin's (`monotonic` against `sys_monotonic`) has fallen back to
 * the system call (BENCH_VDSO_LIKE_SYSCALL). A vDSO read costs tens of ns and
 * the syscall hundreds (about 10x apart), so any cut between the two works;
 * on medians, which carry some noise, it sits near the syscall. */
export const LIKE_SYSCALL_RATIO = 0.7;

/** check: a vDSO clock whose fastest run costs more than this fraction of the
 * syscall's fastest has fallen back to it (the vdso check fails). check times
 * few, short runs and compares minimums, which nothing makes too fast, so
 * the cut sits halfway. */
export const VDSO_FALLBACK_RATIO = 0.5;

/** compare: a clocksource must be at least this much faster (slowest over
 * fastest median, the whole 95% interval of the ratio) to be recommended: a
 * smaller difference is not worth a fleet change. A control read's drift
 * between clocksources raises it. */
export const MIN_SPEEDUP_RATIO = 1.05;

/** warp --self-test: it passes when the largest warp found is within this
 * fraction of the planted skew. The largest warp is the skew less the time a
 * value takes to pass between CPUs (hundreds of cycles) and the CPUs' own TSC
 * offset; a tenth of the default skew of 100 000 cycles leaves room for both
 * and still fails a checker that misreads the skew. */
export const SELF_TEST_TOLERANCE = 0.1;

/** The regression gate: a change of fewer ns/loop than this is never a
 * regression, whatever its percentage. The coarse clocks copy the last
 * tick's time in 3-4 ns, where 10% is a third of a nanosecond: the noise of
 * one cache miss, and nothing a program can notice. 1 ns is a few cycles. */
export const FLOOR_NS = 1;

/** The regression gate: a bench block whose thread was on its CPU for less
 * than this share of the runs' wall time (median over runs) was preempted:
 * its ns/loop include other tasks' time, so it cannot show a regression. An
 * idle CPU gives 99-100%; two builds beside a bench here gave 50-65%. */
export const ON_CPU_MIN_PERCENT = 90;

/** bench and check: a clock_gettime system call whose median costs at least
 * this many times the vDSO's (sys_monotonic against monotonic, one run)
 * earns SYSCALL_READ_COSTLY. On bare metal and KVM guests with hardware
 * virtualization the two sit about 5-7x apart (the syscall's entry and exit);
 * measured 48x on a PVM guest, where each system call is a hypervisor round
 * trip. 10x is past the first and well short of the second. */
export const SYSCALL_COSTLY_RATIO = 10;

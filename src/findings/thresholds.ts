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
 * fastest median) to be recommended: a smaller difference is not worth a
 * fleet change. A control read's drift between clocksources raises it. */
export const MIN_SPEEDUP_RATIO = 1.05;

/** compare, with several rounds: the faster clocksource must win so many
 * rounds that a one-sided sign test puts chance at or below this. The
 * conventional 5%; below 5 rounds it means winning every round. */
export const SIGN_TEST_ALPHA = 0.05;

/** warp --self-test: it passes when the largest warp found is within this
 * fraction of the planted skew. The largest warp is the skew less the time a
 * value takes to pass between CPUs (hundreds of cycles) and the CPUs' own TSC
 * offset; a tenth of the default skew of 100 000 cycles leaves room for both
 * and still fails a checker that misreads the skew. */
export const SELF_TEST_TOLERANCE = 0.1;

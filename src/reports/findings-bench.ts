// findings-bench.ts: the sentences for bench's finding codes (registered with
// findings.ts, so every report format phrases them alike).
import { definePhrases } from './findings.js';

definePhrases({
  BENCH_STEAL: (a) => ({
    text: `The hypervisor stole ${String(a['stealPercent'])}% of CPU ${String(a['cpus'])}'s time during the bench; the figures include that wait.`,
    advice: 'Run again when the host is quieter, or compare ratios measured in the same run rather than absolute ns/loop.',
  }),
  BENCH_CLOCKSOURCE_CHANGED: (a) => ({
    text: `The clocksource changed during the bench, from ${String(a['before'])} to ${String(a['after'])}; runs before and after are not comparable.`,
    advice: 'Run again with nothing switching the clocksource (clocklab compare switches it on purpose, one clocksource per bench).',
  }),
  BENCH_VDSO_LIKE_SYSCALL: (a) => ({
    text: `${String(a['method'])} costs ${String(a['nsPerLoop'])} ns/loop, like its raw syscall ${String(a['syscallMethod'])} (${String(a['syscallNsPerLoop'])} ns/loop): the vDSO is falling back to the system call (clocksource ${String(a['clocksource'])}).`,
    advice:
      'The vDSO reads only clocksources with a vDSO clock mode (tsc; kvm-clock only with the pvclock stable bit): see clocklab info and clocklab compare.',
  }),
  BENCH_SPREAD: (a) => ({
    text: `Runs scattered by more than a quarter of the median (spread): ${String(a['methods'])}.`,
    advice: 'Quote the median (or the min, which nothing can make too fast), or run again with more --runs on a quieter CPU (--cpu).',
  }),
  BENCH_LOADED: (a) => ({
    text: `The load average was ${String(a['loadAverage'])} on ${String(a['cpus'])} CPUs before the bench: other tasks were waiting for a CPU, and a run that is preempted gains a whole time slice.`,
    advice: 'Run on an idle machine for figures to quote; ratios between methods of the same run hold up better than absolute ns/loop.',
  }),
});

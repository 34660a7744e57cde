// warp-findings.ts: the warp check's findings, phrased once for every
// report format.
import { definePhrases } from './findings.js';

const largest = (a: Record<string, unknown>): string => {
  const unit = String(a['unit']);
  const ns = unit === 'cycles' ? ` (${String(a['amountNs'])} ns)` : '';
  return `${String(a['amount'])} ${unit}${ns}, cpu ${String(a['fromCpu'])} -> cpu ${String(a['toCpu'])}`;
};

definePhrases({
  WARP_MONOTONIC: (a) => ({
    text: `${String(a['method'])} went backwards across CPUs ${String(a['warps'])} times, by up to ${largest(a)}; it must be monotonic.`,
    advice: 'Report it with this output: a clock that goes backwards breaks timeouts and orderings. Check dmesg for TSC messages and compare clocksources with `clocklab compare`.',
  }),
  WARP_UNORDERED: (a) => ({
    text: `Plain ${String(a['method'])} went backwards ${String(a['warps'])} times, by up to ${largest(a)}: it is not ordered against the lock, so it can run ahead of earlier loads.`,
    advice: 'Expected, not a fault of the TSC: use RDTSCP or LFENCE;RDTSC where the order of reads matters, as the kernel does (rdtsc_ordered()).',
  }),
  WARP_MAY_STEP: (a) => ({
    text: `${String(a['method'])} went backwards ${String(a['warps'])} times, by up to ${largest(a)}; a wall clock may be stepped by NTP or settimeofday.`,
    advice: 'Measure intervals with CLOCK_MONOTONIC, not a wall clock.',
  }),
  WARP_ONE_CPU: (a) => ({
    text: `Only CPU ${String(a['cpu'])} was checked: a cross-CPU warp cannot occur with one CPU, so this run only shows that the method never went backwards on that CPU.`,
    advice: null,
  }),
  WARP_NO_CONSTANT_TSC: (a) => ({
    text: `${String(a['method'])} was checked, but this CPU lacks constant_tsc: its reads are only comparable across CPUs where the TSCs tick together, so a warp is a finding here, not a failure.`,
    advice: 'Do not rely on TSC reads across CPUs on this machine.',
  }),
  WARP_IDLE_CPU: (a) => ({
    text: `For ${String(a['method'])}, CPU ${String(a['cpus'])} made no reads: the check did not cover it.`,
    advice: 'Run again on a quieter machine, or for longer (--duration).',
  }),
});

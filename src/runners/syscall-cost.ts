// syscall-cost.ts: what a clock read that leaves the vDSO costs on this
// machine, from the medians of one run (bench and check measure both).
import { finding } from '../findings/codes.js';
import { SYSCALL_COSTLY_RATIO } from '../findings/thresholds.js';
import type { BenchMethodResultT } from '../results/bench.js';
import type { FindingT } from '../results/common.js';

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** SYSCALL_READ_COSTLY where sys_monotonic's median is SYSCALL_COSTLY_RATIO
 * times monotonic's or more, both measured in the same run; else null. Where
 * the vDSO itself fell back the two cost alike and nothing is said here
 * (BENCH_VDSO_LIKE_SYSCALL, the vdso check say that). */
export function syscallCostFinding(methods: readonly BenchMethodResultT[]): FindingT | null {
  const median = (id: string): number | null => {
    const m = methods.find((x) => x.method === id);
    return m?.status === 'measured' ? m.summary.medianNsPerLoop : null;
  };
  const vdso = median('monotonic');
  const sys = median('sys_monotonic');
  if (vdso === null || sys === null || !(vdso > 0)) return null;
  const ratio = sys / vdso;
  if (ratio < SYSCALL_COSTLY_RATIO) return null;
  return finding('SYSCALL_READ_COSTLY', 'info', {
    method: 'monotonic',
    nsPerLoop: round2(vdso),
    syscallMethod: 'sys_monotonic',
    syscallNsPerLoop: round2(sys),
    ratio: Math.round(ratio * 10) / 10,
  });
}

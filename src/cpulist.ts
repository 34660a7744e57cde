// cpulist.ts: the kernel's CPU list format ("0,2-5"), as sysfs writes it
// (Documentation/admin-guide/cputopology.rst) and as --cpus takes it.
import { UsageError } from './errors.js';

/** Parses "0,2-5" into [0, 2, 3, 4, 5]; throws UsageError on anything else. */
export function parseCpuList(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError('the CPU list is empty');
  const cpus = new Set<number>();
  for (const part of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m || m[1] === undefined) throw new UsageError(`malformed CPU list '${text}': '${part}' is not a number or a range like 2-5`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new UsageError(`malformed CPU list '${text}': range '${part}' runs backwards`);
    if (hi > 4095) throw new UsageError(`CPU ${hi} is out of range (0-4095)`);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Formats [0, 2, 3, 4, 5] as "0,2-5". */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

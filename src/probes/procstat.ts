// procstat.ts: steal time and load, the two things on a shared guest that most
// often disturb a measurement (/proc/stat, Documentation/filesystems/proc.rst:
// the eighth value of a cpu line is steal, in USER_HZ ticks; /proc/loadavg).
import { realSource, type Source } from './source.js';

/** USER_HZ is 100 on every Linux architecture clocklab runs on (sysconf(_SC_CLK_TCK)). */
const USER_HZ = 100;

/** Steal time in ns per CPU ("all" for the aggregate line). */
export function readSteal(source: Source = realSource): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (source.read('/proc/stat') ?? '').split('\n')) {
    const m = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!m) continue;
    const steal = Number((m[2] ?? '').split(/\s+/)[7] ?? 0);
    out.set(m[1] === '' ? 'all' : (m[1] ?? 'all'), (steal * 1e9) / USER_HZ);
  }
  return out;
}

export function readLoadAverage(source: Source = realSource): [number, number, number] {
  const parts = (source.read('/proc/loadavg') ?? '0 0 0').split(/\s+/).map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

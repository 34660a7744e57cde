// cpus.ts: which CPUs are online? (/sys/devices/system/cpu/online,
// Documentation/ABI/testing/sysfs-devices-system-cpu)
import { parseCpuList } from '../cpulist.js';
import { UsageError } from '../errors.js';
import { realSource, type Source } from './source.js';

export function onlineCpus(source: Source = realSource): number[] {
  const text = source.read('/sys/devices/system/cpu/online');
  return text === null ? [0] : parseCpuList(text);
}

/** Checks that every CPU asked for is online; throws UsageError naming the online ones. */
export function requireOnline(cpus: readonly number[], online: readonly number[]): void {
  for (const c of cpus) {
    if (!online.includes(c)) throw new UsageError(`CPU ${c} is not online; online CPUs: ${online.join(',')}`);
  }
}

// cpuinfo.ts: what the kernel says about the CPU in /proc/cpuinfo, which is
// where its own view of the TSC (constant_tsc, nonstop_tsc, tsc_reliable ...)
// shows; those are kernel-synthesised flags with no CPUID bit of their own.
import { realSource, type Source } from './source.js';

export interface CpuinfoFacts {
  vendorId: string | null;
  modelName: string | null;
  /** The flags of the first processor block. */
  flags: Set<string>;
}

export function parseCpuinfo(text: string): CpuinfoFacts {
  const first = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string | null => {
    const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first);
    return m?.[1]?.trim() ?? null;
  };
  return {
    vendorId: field('vendor_id'),
    modelName: field('model name'),
    flags: new Set((field('flags') ?? '').split(/\s+/).filter((s) => s !== '')),
  };
}

export function readCpuinfo(source: Source = realSource): CpuinfoFacts {
  return parseCpuinfo(source.read('/proc/cpuinfo') ?? '');
}

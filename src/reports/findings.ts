// findings.ts: a finding, phrased. Runners record codes and figures; every
// report format turns them into the same sentence and advice here.
import type { FindingT } from '../results/common.js';

export interface Phrase {
  /** What was seen, one sentence. */
  text: string;
  /** What to do about it, or null when nothing needs doing. */
  advice: string | null;
}

type Phraser = (args: FindingT['args']) => Phrase;

const PHRASES: Record<string, Phraser> = {
  FLAG_DISAGREEMENT: (a) => ({
    text: `CPUID says ${String(a['flag'])} is ${a['cpuid'] ? 'present' : 'absent'} but /proc/cpuinfo says ${a['cpuinfo'] ? 'present' : 'absent'}.`,
    advice: 'The hypervisor or a clearcpuid= boot option filters one view; trust /proc/cpuinfo for what the kernel uses.',
  }),
  TSC_NOT_CONSTANT: (a) => ({
    text: `The TSC is not constant and non-stop (constant_tsc=${String(a['constant_tsc'])}, nonstop_tsc=${String(a['nonstop_tsc'])}).`,
    advice: 'Do not use tsc as the clocksource here; TSC reads across CPUs or power states are not comparable.',
  }),
  TSC_CLOCKSOURCE_MISSING: (a) => ({
    text: `tsc is not among the available clocksources (${String(a['available'])}); the kernel may have marked it unstable.`,
    advice: "Look for 'Marking TSC unstable' in dmesg.",
  }),
};

export function phrase(f: FindingT): Phrase {
  const p = PHRASES[f.code];
  return p ? p(f.args) : { text: `${f.code} ${JSON.stringify(f.args)}`, advice: null };
}

/** Registers phrasing for more codes (each command's module adds its own). */
export function definePhrases(more: Record<string, Phraser>): void {
  Object.assign(PHRASES, more);
}

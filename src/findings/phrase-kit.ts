// phrase-kit.ts: the small pieces every table of sentences is built from:
// a phrase (what was seen, what to do), lists and figures for reading.
import type { FindingArgs } from './codes.js';

export interface Phrase {
  /** What was seen, one sentence. */
  text: string;
  /** What to do about it, or null when nothing needs doing. */
  advice: string | null;
}

/** A list argument ('a,b') joined for reading. */
export const items = (s: string, sep: string): string => s.split(',').filter((x) => x !== '').join(sep);
export const fixed = (x: number | null, digits: number): string => (x === null ? '-' : x.toFixed(digits));
export const said = (text: string, advice: string | null = null): Phrase => ({ text, advice });

/** The largest warp of a warp finding: amount, unit, ns for cycles, the CPUs. */
export const largest = (a: FindingArgs<'WARP_MONOTONIC'>): string => {
  const ns = a.unit === 'cycles' ? ` (${a.amountNs} ns)` : '';
  return `${a.amount} ${a.unit}${ns}, cpu ${a.fromCpu} -> cpu ${a.toCpu}`;
};

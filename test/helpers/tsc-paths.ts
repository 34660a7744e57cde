// tsc-paths.ts: the two ordered TSC reads clocklab times its own checks with
// (src/probes/availability.ts orderedTscRead()): RDTSCP where CPUID offers
// it, else LFENCE;RDTSC. A test of both runs on every machine: the RDTSCP
// path where the CPU has it (skipped, with the reason printed, where it does
// not: CPUID hides it, so it must not run), the fallback always, with RDTSCP
// hidden at the probes' input (the addon's feature mask, process-wide, so
// in-process CLI runs and warp workers see it too) where the CPU has it.
import { FEATURE_BITS, loadBinding } from '../../src/native/binding.js';
import { unmet } from './needs.js';

export interface TscPath {
  /** The ordered read this path uses. */
  read: 'rdtscp' | 'lfence_rdtsc';
  /** Why this path cannot run here, or null. */
  skip: string | null;
  /** Hide what the path hides (call in beforeEach), and put it back (afterEach). */
  enter(): void;
  leave(): void;
}

export function tscPaths(): TscPath[] {
  const binding = loadBinding();
  const has = binding.features().rdtscp;
  return [
    { read: 'rdtscp', skip: unmet({ x86: true, rdtscp: true }), enter: () => {}, leave: () => {} },
    {
      read: 'lfence_rdtsc',
      skip: unmet({ x86: true }),
      enter: () => {
        if (has) binding.maskFeatures(FEATURE_BITS.rdtscp);
      },
      leave: () => binding.maskFeatures(0),
    },
  ];
}

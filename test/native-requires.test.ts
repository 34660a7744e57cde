// Does every method's entry point check, before it executes anything, the CPU
// features its read needs (method_requires() in native/methods.h, one table
// for methodRead, timedLoop, warpRun and pvclockPair), so a CPU without an
// instruction gets an error naming it and never SIGILL? The features are
// masked in native/cpuid.cc, so the real check runs on a CPU that has them.
import { afterEach, describe, expect, it } from 'vitest';
import { FEATURE_BITS, loadBinding } from '../src/native/binding.js';
import { unmet } from './helpers/needs.js';

const binding = loadBinding();
afterEach(() => binding.maskFeatures(0));

const ALL = FEATURE_BITS.rdtscp | FEATURE_BITS.rdpid | FEATURE_BITS.sse2;
const CPUID_BIT = { rdtscp: 'CPUID.80000001H:EDX[27]', rdpid: 'CPUID.(EAX=7,ECX=0):ECX[22]', sse2: 'CPUID.01H:EDX[26]' } as const;
type Feature = keyof typeof FEATURE_BITS;
const isFeature = (n: string): n is Feature => n in FEATURE_BITS;

/** The error `fn` throws, or undefined. */
function thrown(fn: () => unknown): (Error & { code?: string; cpuidBit?: string }) | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
  return undefined;
}

const methods = binding.methodTable.map((m, index) => ({ ...m, index }));

describe.skipIf(unmet({ x86: true }))('one requirement table for every entry point', () => {
  for (const m of methods.filter((x) => x.needs.length > 0)) {
    it(`${m.name}: each feature it needs, masked, is refused by methodRead, timedLoop and warpRun`, () => {
      for (const need of m.needs) {
        if (!isFeature(need)) throw new Error(`unknown feature ${need}`);
        binding.maskFeatures(FEATURE_BITS[need]);
        const state = new BigInt64Array(new SharedArrayBuffer(binding.WARP_STATE_BYTES));
        for (const call of [
          () => binding.methodRead(m.index),
          () => binding.timedLoop(m.index, 1000),
          () => binding.warpRun(state, m.index, 0, 1, 1),
        ]) {
          const e = thrown(call);
          expect(e?.code, `${m.name} without ${need}`).toBe('ERR_CLOCKLAB_CPU_FEATURE');
          expect(e?.cpuidBit).toBe(CPUID_BIT[need]);
          expect(e?.message).toMatch(/ is not available on this CPU \(/);
        }
      }
    });
  }

  it('a method that needs no feature runs with every feature masked', () => {
    binding.maskFeatures(ALL);
    for (const m of methods.filter((x) => x.needs.length === 0)) {
      expect(thrown(() => binding.methodRead(m.index))?.message, m.name).toBeUndefined();
      expect(binding.timedLoop(m.index, 100).elapsedNs, m.name).toBeGreaterThan(0);
    }
  });

  it('the pvclock methods: pvclockPair checks the same table; pvclockRead needs what the vDSO reader needs', () => {
    const vdso = methods.find((m) => m.name === 'pvclock_vdso');
    const rdtscp = methods.find((m) => m.name === 'pvclock_rdtscp');
    expect(vdso?.needs).toEqual(['sse2']);
    expect(rdtscp?.needs).toEqual(['rdtscp']);
    binding.maskFeatures(FEATURE_BITS.rdtscp);
    expect(thrown(() => binding.pvclockPair(rdtscp?.index ?? -1, 1, 1))?.code).toBe('ERR_CLOCKLAB_CPU_FEATURE');
    binding.maskFeatures(FEATURE_BITS.sse2);
    expect(thrown(() => binding.pvclockPair(vdso?.index ?? -1, 1, 1))?.code).toBe('ERR_CLOCKLAB_CPU_FEATURE');
    expect(thrown(() => binding.pvclockRead(new Uint8Array(64), 1))?.message).toBe(
      'lfence is not available on this CPU (CPUID.01H:EDX[26] is clear)',
    );
    const monotonic = methods.find((m) => m.name === 'monotonic');
    expect(() => binding.pvclockPair(monotonic?.index ?? -1, 1, 1)).toThrow('pvclockPair takes a pvclock method');
  });
});

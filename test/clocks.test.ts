// The clock and method tables: TypeScript and C++ agree, and each clock's
// resolution agrees with the raw system call's answer.
import { describe, expect, it } from 'vitest';
import { CLOCKS } from '../src/clocks.js';
import { METHODS } from '../src/methods.js';
import { nativeIndex } from '../src/probes/native-method.js';
import { loadBinding } from '../src/native/binding.js';
import { clockExists, clockGetres } from '../src/primitives.js';
import { UnsupportedError } from '../src/errors.js';

const binding = loadBinding();

describe('clock table', () => {
  it('the TypeScript table equals the C++ table', () => {
    expect(binding.clockTable.map((c) => [c.name, c.id])).toEqual(Object.entries(CLOCKS));
  });

  for (const [name, id] of Object.entries(CLOCKS)) {
    it(`${name} (${id}): clock_getres agrees with the raw syscall, or the clock is absent`, () => {
      let syscallRes: bigint | null = null;
      try {
        syscallRes = binding.clockGetresSyscall(id);
      } catch {
        syscallRes = null;
      }
      let gettimeWorks = true;
      try {
        binding.clockGettimeSyscall(id);
      } catch {
        gettimeWorks = false;
      }
      expect(clockExists(id)).toBe(gettimeWorks);
      if (!gettimeWorks) {
        expect(() => clockGetres(id)).toThrow(UnsupportedError);
        return;
      }
      expect(clockGetres(id)).toBe(syscallRes);
    });
  }

  it('a coarse clock has the tick as its resolution', () => {
    const fine = clockGetres('monotonic');
    const coarse = clockGetres('monotonic_coarse');
    expect(coarse).toBeGreaterThan(fine);
    // CONFIG_HZ is 100 to 1000, so the tick is 1 to 10 ms.
    expect(coarse).toBeGreaterThanOrEqual(1_000_000n);
    expect(coarse).toBeLessThanOrEqual(10_000_000n);
  });
});

describe('method registry', () => {
  it('every registered method exists in the native table, and no native method is unregistered', () => {
    for (const m of METHODS) expect(nativeIndex(binding, m.id)).toBeGreaterThanOrEqual(0);
    const registered = new Set(METHODS.map((m) => m.id));
    const internal = new Set(['skewed_rdtscp', 'skewed_lfence_rdtsc']);
    for (const n of binding.methodTable) if (!internal.has(n.name)) expect(registered.has(n.name)).toBe(true);
  });

  it('a method needs the pvclock page in the registry exactly where its native read names that page', () => {
    for (const m of METHODS) {
      const native = binding.methodTable.find((n) => n.name === m.id);
      expect(native?.page === 'pvclock', m.id).toBe(m.requires.includes('pvclock'));
    }
  });
});

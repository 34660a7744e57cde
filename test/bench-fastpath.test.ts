// The hot single reads (plain N-API callbacks with a typed-array
// out-parameter, added for bench/api.ts) keep the contract of the wrapped
// ones: same values, same coded errors through the slow path.
import { afterEach, describe, expect, it } from 'vitest';
import { UnsupportedError, UsageError } from '../src/errors.js';
import { FEATURE_BITS, loadBinding } from '../src/native/binding.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { clockExists, clockGettime, getcpu, lfenceRdtsc, mfenceRdtsc, pinToCpu, rdtsc, rdtscp, setAffinity, getAffinity } from '../src/primitives.js';
import { skipping, unmet } from './helpers/needs.js';

const binding = loadBinding();
const original = getAffinity();
afterEach(() => {
  binding.maskFeatures(0);
  setAffinity(original);
});

describe('hot reads', () => {
  it('getcpu agrees with the wrapped read on the pinned CPU', () => {
    for (const cpu of onlineCpus()) {
      pinToCpu(cpu);
      expect(getcpu()).toEqual(binding.getcpu());
      expect(getcpu().cpu).toBe(cpu);
    }
  });

  it.skipIf(unmet({ rdtscp: true }))('rdtscp agrees with the wrapped read on the pinned CPU', () => {
    for (const cpu of onlineCpus()) {
      pinToCpu(cpu);
      const r = rdtscp();
      const w = binding.rdtscp();
      expect({ aux: r.aux, cpu: r.cpu, node: r.node }).toEqual({ aux: w.aux, cpu: w.cpu, node: w.node });
      expect(w.tsc).toBeGreaterThan(r.tsc);
    }
  });

  it('TSC reads through the out-parameter advance and bracket the wrapped read', () => {
    for (const read of [rdtsc, lfenceRdtsc, mfenceRdtsc]) {
      const a = read();
      const b = binding.lfenceRdtsc();
      const c = read();
      expect(a < b && b < c, `${a} ${b} ${c}`).toBe(true);
    }
  });

  it('every clock by name and by id reads what the wrapped call reads, within 10 ms', () => {
    for (const [name, id] of [['realtime', 0], ['monotonic', 1], ['boottime', 7], ['monotonic_raw', 4]] as const) {
      const a = clockGettime(name);
      const b = binding.clockGettime(id);
      const c = clockGettime(id);
      expect(b >= a && c >= b && c - a < 10_000_000n, `${name}: ${a} ${b} ${c}`).toBe(true);
    }
  });

  it('errors keep their classes: bad input, a masked instruction', () => {
    expect(() => clockGettime('toString' as 'monotonic')).toThrow(UsageError);
    expect(() => clockGettime(1.5)).toThrow(UsageError);
    binding.maskFeatures(FEATURE_BITS.sse2);
    expect(() => lfenceRdtsc()).toThrow(/lfence is not available on this CPU \(CPUID\.01H:EDX\[26\] is clear\)/);
    expect(() => mfenceRdtsc()).toThrow(UnsupportedError);
    binding.maskFeatures(0);
  });

  const lacking = (['realtime_alarm', 'boottime_alarm'] as const).find((c) => !clockExists(c));
  it.skipIf(skipping(lacking ? null : 'this kernel has every alarm clock, so no absent clock to read'))('a clock the kernel lacks is an UnsupportedError', () => {
    expect(() => clockGettime(lacking ?? 'realtime_alarm')).toThrow(UnsupportedError);
  });
});

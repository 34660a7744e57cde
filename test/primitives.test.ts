// Each primitive against the kernel's own view of the same thing.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { UnsupportedError, UsageError } from '../src/errors.js';
import { FEATURE_BITS, loadBinding } from '../src/native/binding.js';
import { onlineCpus } from '../src/probes/cpus.js';
import {
  clockGettime,
  cpuid,
  getAffinity,
  getcpu,
  lfenceRdtsc,
  mfenceRdtsc,
  pinToCpu,
  rdpid,
  rdtsc,
  rdtscp,
  setAffinity,
} from '../src/primitives.js';
import { unmet } from './helpers/needs.js';

const binding = loadBinding();
const original = getAffinity();
afterEach(() => {
  binding.maskFeatures(0);
  setAffinity(original);
});

describe('cpuid', () => {
  it('vendor string equals /proc/cpuinfo vendor_id', () => {
    const r = cpuid(0);
    const vendor = Buffer.from(new Uint32Array([r.ebx, r.edx, r.ecx]).buffer).toString('latin1');
    const m = /^vendor_id\s*:\s*(\S+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    expect(vendor).toBe(m?.[1]);
  });

  it('rejects a leaf that is not a number', () => {
    expect(() => cpuid('7' as unknown as number)).toThrow(UsageError);
    expect(() => cpuid(-1)).toThrow(/0 to 0xffffffff/);
    expect(() => cpuid(1.5)).toThrow(UsageError);
  });
});

describe('pinning, rdtscp and getcpu', () => {
  it.skipIf(unmet({ rdtscp: true }))('on every online CPU, TSC_AUX and getcpu name the CPU pinned to', () => {
    for (const cpu of onlineCpus()) {
      pinToCpu(cpu);
      expect(getAffinity()).toEqual([cpu]);
      expect(rdtscp().cpu).toBe(cpu);
      expect(getcpu().cpu).toBe(cpu);
      if (binding.features().rdpid) expect(rdpid()).toBe(cpu);
    }
  });

  it('refuses a CPU that is not online, and a negative one', () => {
    const offline = Math.max(...onlineCpus()) + 1;
    expect(() => pinToCpu(offline)).toThrow(new RegExp(`CPU ${offline} is not online`));
    expect(() => pinToCpu(-1)).toThrow(UsageError);
  });
});

describe('TSC reads on one pinned thread', () => {
  const readers: Array<[string, () => bigint]> = [
    ['rdtsc', rdtsc],
    ['rdtscp', () => rdtscp().tsc],
    ['lfence_rdtsc', lfenceRdtsc],
    ['mfence_rdtsc', mfenceRdtsc],
  ];
  for (const [name, read] of readers) {
    it(`${name} never decreases over 1e5 reads`, () => {
      pinToCpu(onlineCpus()[0] ?? 0);
      let last = read();
      let backwards = 0;
      for (let i = 0; i < 100_000; i++) {
        const v = read();
        if (v < last) backwards++;
        last = v;
      }
      expect(backwards).toBe(0);
    });
  }
});

describe('clocks', () => {
  it('clock_gettime(MONOTONIC) and process.hrtime.bigint() bracket each other', () => {
    for (let i = 0; i < 1000; i++) {
      const a = process.hrtime.bigint();
      const b = clockGettime('monotonic');
      const c = process.hrtime.bigint();
      expect(a <= b && b <= c).toBe(true);
    }
  });

  it('by name and by number read the same clock', () => {
    const a = clockGettime('monotonic');
    const b = clockGettime(1);
    expect(b - a).toBeGreaterThanOrEqual(0n);
    expect(b - a).toBeLessThan(10_000_000n);
  });

  it('refuses an unknown name and an id out of range', () => {
    expect(() => clockGettime('bogus' as 'monotonic')).toThrow(/unknown clock 'bogus'/);
    expect(() => clockGettime(12)).toThrow(/out of range/);
    expect(() => clockGettime(-1)).toThrow(UsageError);
  });
});

describe('a CPU without an instruction (masked in cpuid.cc, so the real check runs)', () => {
  it('rdtscp throws naming the instruction and the CPUID bit, never SIGILL', () => {
    binding.maskFeatures(FEATURE_BITS.rdtscp);
    expect(() => rdtscp()).toThrow(UnsupportedError);
    expect(() => rdtscp()).toThrow(/rdtscp is not available on this CPU \(CPUID\.80000001H:EDX\[27\] is clear\)/);
  });

  it('rdpid throws naming CPUID.(EAX=7,ECX=0):ECX[22]', () => {
    binding.maskFeatures(FEATURE_BITS.rdpid);
    expect(() => rdpid()).toThrow(/rdpid is not available on this CPU \(CPUID\.\(EAX=7,ECX=0\):ECX\[22\] is clear\)/);
  });
});

describe('worker_threads', () => {
  it('the addon loads and works in two workers at once', async () => {
    // The worker loads the built library (dist/), as a user's worker would.
    const lib = new URL('../dist/primitives.js', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(lib)}).then((p) => {
        const a = p.rdtsc(); const c = p.rdtsc();
        parentPort.postMessage({ ok: c >= a, mono: String(p.clockGettime('monotonic')) });
      });
    `;
    const run = (): Promise<{ ok: boolean; mono: string }> =>
      new Promise((resolve, reject) => {
        const w = new Worker(code, { eval: true });
        w.once('message', (m: { ok: boolean; mono: string }) => {
          void w.terminate();
          resolve(m);
        });
        w.once('error', reject);
      });
    const results = await Promise.all([run(), run()]);
    for (const r of results) {
      expect(r.ok).toBe(true);
      expect(BigInt(r.mono)).toBeGreaterThan(0n);
    }
  });
});

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
    }
  });

  it.skipIf(unmet({ rdpid: true }))('on every online CPU, RDPID names the CPU pinned to', () => {
    for (const cpu of onlineCpus()) {
      pinToCpu(cpu);
      expect(rdpid()).toBe(cpu);
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
    // RDTSCP where CPUID hides it is never executed here (it may run anyway,
    // but only a guarded probe may find that out).
    it.skipIf(name === 'rdtscp' && unmet({ rdtscp: true }))(`${name} never decreases over 1e5 reads`, () => {
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

  it('names asked for in turn each read their own clock (the last name is remembered, never confused)', () => {
    // REALTIME is ~1.7e18 ns, MONOTONIC and BOOTTIME are uptime: a read from
    // the wrong clock would land far outside the bracket of its id's reads.
    for (let i = 0; i < 200; i++) {
      for (const [name, id] of [['realtime', 0], ['monotonic', 1], ['boottime', 7], ['monotonic', 1], ['tai', 11]] as const) {
        const a = clockGettime(id);
        const b = clockGettime(name);
        const c = clockGettime(id);
        expect(a <= b && b <= c).toBe(true);
      }
    }
    expect(() => clockGettime('toString' as 'monotonic')).toThrow(/unknown clock 'toString'/);
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
  it('the addon loads and works in two workers at once, and the main thread reads on after they end', async () => {
    // The hot reads find their out-parameter buffer per thread (a
    // thread_local set when each environment loads the addon, cleared when it
    // goes): a worker must neither read the main thread's buffer nor leave the
    // main thread pointing at its freed one.
    const before = rdtsc();
    const lib = new URL('../dist/primitives.js', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(lib)}).then((p) => {
        const a = p.rdtsc(); const c = p.rdtsc();
        const h0 = process.hrtime.bigint(); const m = p.clockGettime('monotonic'); const h1 = process.hrtime.bigint();
        parentPort.postMessage({ a: String(a), c: String(c), h0: String(h0), m: String(m), h1: String(h1) });
        parentPort.once('message', () => parentPort.close()); // alive until told to end
      });
    `;
    type Reads = { a: string; c: string; h0: string; m: string; h1: string };
    const start = (): Promise<{ reads: Reads; end: () => Promise<unknown> }> =>
      new Promise((resolve, reject) => {
        const w = new Worker(code, { eval: true });
        const exited = new Promise((done) => w.once('exit', done));
        w.once('message', (reads: Reads) => resolve({ reads, end: () => (w.postMessage('end'), exited) }));
        w.once('error', reject);
      });
    const workers = await Promise.all([start(), start()]);
    // Both workers' environments are alive: the main thread's reads are its own.
    const x = rdtsc();
    const y = rdtsc();
    expect(y).toBeGreaterThan(x);
    expect(x).toBeGreaterThan(before);
    await Promise.all(workers.map(({ end }) => end()));
    const results = workers.map(({ reads }) => reads);
    for (const r of results) {
      expect(BigInt(r.a)).toBeGreaterThan(before);
      expect(BigInt(r.c)).toBeGreaterThan(BigInt(r.a));
      // CLOCK_MONOTONIC read between two hrtime reads (hrtime is CLOCK_MONOTONIC too).
      expect(BigInt(r.m)).toBeGreaterThanOrEqual(BigInt(r.h0));
      expect(BigInt(r.m)).toBeLessThanOrEqual(BigInt(r.h1));
    }
    const after = rdtsc();
    expect(after).toBeGreaterThan(BigInt(results[0]?.c ?? 0));
    const h0 = process.hrtime.bigint();
    const m = clockGettime('monotonic');
    expect(m).toBeGreaterThanOrEqual(h0);
    expect(m).toBeLessThanOrEqual(process.hrtime.bigint());
  });
});

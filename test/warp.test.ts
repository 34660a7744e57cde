// The warp checker: it finds a planted warp of the planted size between the
// planted CPUs, finds none without one, holds for the monotonic methods on
// this machine with every CPU reading, and never leaves a worker running.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as WarpModule from '../src/runners/warp.js';
import type * as PhraseModule from '../src/findings/phrase.js';
import type * as PoolModule from '../src/runners/warp-pool.js';
import type * as MethodsModule from '../src/methods.js';
import type * as NativeMethodModule from '../src/probes/native-method.js';
import type * as BindingModule from '../src/native/binding.js';
import { WarpResult } from '../src/results/warp.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { fromDist } from './helpers/dist.js';
import { unmet } from './helpers/needs.js';
import { tscPaths } from './helpers/tsc-paths.js';
import { watchWorkers, type WorkerWatch } from './helpers/workers.js';

const { runWarp: measureWarp } = await fromDist<typeof WarpModule>('runners/warp.js');
const { phraseWarp } = await fromDist<typeof PhraseModule>('findings/phrase.js');
/** The runner, with the sentences the command adds (the self-test's reason). */
const runWarp = async (o: WarpModule.WarpRunOptions) => phraseWarp(await measureWarp(o));
const { WarpPool, WarpState } = await fromDist<typeof PoolModule>('runners/warp-pool.js');
const { findMethod } = await fromDist<typeof MethodsModule>('methods.js');
const { nativeIndex } = await fromDist<typeof NativeMethodModule>('probes/native-method.js');
const { loadBinding } = await fromDist<typeof BindingModule>('native/binding.js');
const binding = loadBinding();
const method = (id: string): MethodsModule.MethodSpec => {
  const m = findMethod(id);
  if (!m) throw new Error(`no method ${id}`);
  return m;
};

/** Threads of this process, from /proc (workers are threads). */

const SKEW = 200_000;
/** The ordered TSC read CPUID offers: RDTSCP, else LFENCE;RDTSC (both need a constant TSC to promise order across CPUs). */
const READ = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';

// Both reads the self-test may use (./helpers/tsc-paths.ts): skewed_rdtscp
// where CPUID offers RDTSCP, skewed_lfence_rdtsc (the CPU from getcpu) with
// RDTSCP hidden or absent.
for (const path of tscPaths()) describe.skipIf(path.skip)(`warp self-test (a planted skew), skewed_${path.read}`, () => {
  beforeEach(() => path.enter());
  afterEach(() => path.leave());

  it.skipIf(unmet({ cpus: 2 }))(`skewing CPU 1 by ${SKEW} cycles gives warps into CPU 1 within 10% of the skew`, async () => {
    const r = await runWarp({ methods: [], cpus: [0, 1], durationSeconds: 0.5, offsets: false, selfTest: { skewCycles: SKEW, skewCpu: 1 } });
    expect(WarpResult.safeParse(r).success).toBe(true);
    expect(r.selfTest?.method).toBe(`skewed_${path.read}`);
    const m = r.methods[0];
    if (m?.status !== 'measured') throw new Error('not measured');
    expect(m.warps).toBeGreaterThan(0);
    // CPU 1 reads SKEW lower, so every warp is from CPU 0 (the earlier,
    // higher value) to CPU 1; none the other way.
    expect(m.largest?.fromCpu).toBe(0);
    expect(m.largest?.toCpu).toBe(1);
    expect(m.pairs.every((p) => p.fromCpu === 0 && p.toCpu === 1)).toBe(true);
    const largest = Number(m.largest?.amount);
    expect(Math.abs(largest - SKEW) / SKEW).toBeLessThan(0.1);
    expect(r.selfTest?.passed).toBe(true);
    expect(r.verdict).toBe('held');
  });

  it.skipIf(unmet({ cpus: 2 }))('a negative skew gives warps out of CPU 1 instead', async () => {
    const r = await runWarp({ methods: [], cpus: [0, 1], durationSeconds: 0.3, offsets: false, selfTest: { skewCycles: -SKEW, skewCpu: 1 } });
    const m = r.methods[0];
    if (m?.status !== 'measured') throw new Error('not measured');
    expect(m.largest?.fromCpu).toBe(1);
    expect(m.largest?.toCpu).toBe(0);
    expect(r.selfTest?.passed).toBe(true);
  });

  it.skipIf(unmet({ cpus: 2 }))('with zero skew, the same read through the same path shows no warp (and the self-test says so)', async () => {
    const r = await runWarp({ methods: [], cpus: [0, 1], durationSeconds: 0.5, offsets: false, selfTest: { skewCycles: 0, skewCpu: 1 } });
    const m = r.methods[0];
    if (m?.status !== 'measured') throw new Error('not measured');
    expect(m.warps).toBe(0);
    expect(m.largest).toBeNull();
    expect(r.selfTest?.passed).toBe(false);
  });

  it.skipIf(unmet({ cpus: 2 }))('the offsets see the planted skew: CPU 1 minus CPU 0 is -skew within the error bound', async () => {
    const r = await runWarp({ methods: [], cpus: [0, 1], durationSeconds: 0.1, offsets: true, selfTest: { skewCycles: SKEW, skewCpu: 1 } });
    const o = r.offsets?.[0];
    if (!o) throw new Error('no offset');
    expect(o.samples).toBeGreaterThan(0);
    // The bracket must contain the truth: -SKEW plus the real offset, which
    // the same measurement without skew bounds (checked below, loosely).
    expect(Math.abs(o.offsetCycles + SKEW)).toBeLessThan(o.errorCycles + 0.02 * SKEW);
  });
});

describe('warp on this machine', () => {
  it(`monotonic and ${READ} hold across all online CPUs, and every CPU did reads`, async () => {
    const r = await runWarp({ methods: [method('monotonic'), method(READ)], cpus: null, durationSeconds: 1, offsets: false, selfTest: null });
    expect(WarpResult.safeParse(r).success).toBe(true);
    expect(r.options.cpus).toEqual(onlineCpus());
    for (const m of r.methods) {
      if (m.status !== 'measured') throw new Error(`${m.method} not measured`);
      expect(m.verdict, `${m.method}: ${JSON.stringify(m.largest)}`).toBe('held');
      expect(m.readsPerCpu.map((x) => x.cpu)).toEqual(onlineCpus());
      for (const c of m.readsPerCpu) expect(c.reads, `CPU ${c.cpu} read nothing for ${m.method}`).toBeGreaterThan(0);
      expect(m.reads).toBe(m.readsPerCpu.reduce((s, x) => s + x.reads, 0));
    }
    expect(r.verdict).toBe('held');
  });

  it('per-thread and not-time methods are skipped with a reason', async () => {
    const r = await runWarp({ methods: [method('thread_cputime'), method('getcpu')], cpus: [0], durationSeconds: 0.1, offsets: false, selfTest: null });
    expect(r.methods.map((m) => m.status)).toEqual(['unsupported', 'unsupported']);
    expect(r.methods[0]?.status === 'unsupported' && r.methods[0].reason).toMatch(/not comparable across CPUs/);
  });

  it('one CPU runs, and says a cross-CPU warp cannot occur', async () => {
    const r = await runWarp({ methods: [method('monotonic')], cpus: [0], durationSeconds: 0.2, offsets: true, selfTest: null });
    expect(r.methods[0]?.status).toBe('measured');
    expect(r.findings.map((f) => f.code)).toContain('WARP_ONE_CPU');
    expect(r.offsets).toEqual([]);
  });
});

describe('warp workers', () => {
  // Worker threads counted as Node starts them, not OS threads (libuv's and
  // V8's own come and go with the process's other work).
  let watch: WorkerWatch | null = null;
  const watching = (): WorkerWatch => (watch = watchWorkers());
  afterEach(() => {
    watch?.stop();
    watch = null;
  });

  it.skipIf(unmet({ cpus: 2 }))('are all ended after a run', async () => {
    const workers = watching();
    await runWarp({ methods: [method('monotonic')], cpus: null, durationSeconds: 0.2, offsets: false, selfTest: null });
    expect(workers.started()).toBe(onlineCpus().length);
    expect(workers.alive()).toBe(0);
  });

  it.skipIf(unmet({ cpus: 2 }))('with nativeThreads, none is started: threads of the addon read, every CPU reads, a planted skew is found, and this thread is not left pinned', async () => {
    const workers = watching();
    const before = binding.getAffinity();
    const plain = await runWarp({ methods: [method('monotonic')], cpus: [0, 1], durationSeconds: 0.05, offsets: false, selfTest: null, nativeThreads: true });
    expect(workers.started()).toBe(0);
    expect(workers.alive()).toBe(0);
    expect(binding.getAffinity()).toEqual(before);
    const m = plain.methods[0];
    if (m?.status !== 'measured') throw new Error('not measured');
    expect(m.readsPerCpu.map((x) => x.cpu)).toEqual([0, 1]);
    expect(m.readsPerCpu.every((x) => x.reads > 0)).toBe(true);
    expect(m.warps).toBe(0);
    const skewed = await runWarp({ methods: [], cpus: [0, 1], durationSeconds: 0.2, offsets: false, selfTest: { skewCycles: SKEW, skewCpu: 1 }, nativeThreads: true });
    const s = skewed.methods[0];
    if (s?.status !== 'measured') throw new Error('not measured');
    expect(s.largest?.fromCpu).toBe(0);
    expect(s.largest?.toCpu).toBe(1);
    expect(skewed.selfTest?.passed).toBe(true);
    expect(binding.getAffinity()).toEqual(before);
    // Not with the parts that need workers' other jobs.
    await expect(runWarp({ methods: [method('monotonic')], cpus: [0, 1], durationSeconds: 0.01, offsets: true, selfTest: null, nativeThreads: true })).rejects.toThrow(/not with offsets/);
  });

  it.skipIf(unmet({ cpus: 2 }))('with nativeThreads, a CPU a thread cannot pin to fails the run with the errno, and the other thread is stopped at the start', () => {
    const state = new WarpState(binding);
    // CPU 4095 is not online (setaffinity: EINVAL); the run's 10 minutes would be waited out if CPU 0 were not stopped.
    expect(() => binding.warpRunThreads(state.view, nativeIndex(binding, 'monotonic'), [0, 4095], 600_000)).toThrow(/warp monotonic/);
  });

  it.skipIf(unmet({ cpus: 2 }))('are all ended when one throws mid-run, and the others stop without waiting out their run', async () => {
    const workers = watching();
    const pool = await WarpPool.start([0, 1]);
    expect(pool.alive).toBe(2);
    const state = new WarpState(binding);
    const good = nativeIndex(binding, 'monotonic');
    // CPU 1's job names a method the addon does not have: its worker throws
    // while CPU 0's waits at the start barrier for a 10-minute run; that the
    // test ends at all (its timeout is a minute) shows CPU 0 was stopped.
    const run = pool.run(
      [
        { cpu: 0, job: { kind: 'warp', state: state.view, methodIndex: good, slot: 0, slots: 2, durationMs: 600_000 } },
        { cpu: 1, job: { kind: 'warp', state: state.view, methodIndex: 9999, slot: 1, slots: 2, durationMs: 600_000 } },
      ],
      state,
    );
    await expect(run).rejects.toThrow(/worker for CPU 1: method index out of range/);
    await pool.close();
    expect(pool.alive).toBe(0);
    expect(workers.started()).toBe(2);
    expect(workers.alive()).toBe(0);
  });

  it.skipIf(unmet({ cpus: 2 }))('an AbortSignal ends a long run, workers and all', async () => {
    const workers = watching();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('enough')), 300);
    await expect(
      // 10 minutes: ending inside the test's timeout means the abort ended it.
      runWarp({ methods: [method('rdtsc')], cpus: null, durationSeconds: 600, offsets: false, selfTest: null, signal: controller.signal }),
    ).rejects.toThrow('enough');
    expect(workers.started()).toBe(onlineCpus().length);
    expect(workers.alive()).toBe(0);
  });
});

describe('warp without constant_tsc (injected at the probe inputs)', () => {
  it(`${READ} is checked, but only as unordered, and the run says why`, async () => {
    const { readFileSync } = await import('node:fs');
    const { overlaySource } = await fromDist<typeof import('../src/probes/source.js')>('probes/source.js');
    const { realInputs } = await fromDist<typeof import('../src/probes/machine.js')>('probes/machine.js');
    const base = realInputs(binding);
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8').replaceAll(' constant_tsc', '');
    const inputs = { ...base, source: overlaySource({ '/proc/cpuinfo': cpuinfo }, base.source) };
    const r = await runWarp({ methods: [method(READ), method('monotonic')], cpus: [0], durationSeconds: 0.1, offsets: false, selfTest: null, inputs });
    expect(r.machine.tscFlags.constant_tsc).toBe(false);
    expect(r.methods.map((m) => (m.status === 'measured' ? m.contract : m.status))).toEqual(['unordered', 'monotonic']);
    expect(r.findings).toContainEqual({ code: 'WARP_NO_CONSTANT_TSC', severity: 'warn', args: { method: READ } });
  });
});

// api.test.ts: does the library API behave as a Node developer expects? It
// works inside a worker_thread, an AbortSignal ends a warp (and its worker
// threads), a bench and a pvclock watch promptly, calls never print or exit,
// bad input is a UsageError, and assertPassed fails where the CLI exits 1.
// Everything loads from dist/ (warp workers cannot start from .ts under
// vitest: test/helpers/dist.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromDist } from './helpers/dist.js';
import { watchWorkers } from './helpers/workers.js';
import { unmet } from './helpers/needs.js';
import { checkResult, warpResult } from './fixtures/results.js';

type Api = typeof import('../src/index.js');
const api = await fromDist<Api>('index.js');
const INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** OS threads of this process (/proc/self/status): each worker_thread is one. */
const threads = (): number => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
/** Worker threads hold a MessagePort each while alive. */
const ports = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


afterEach(() => {
  vi.restoreAllMocks();
});

describe('the API in a worker_thread', () => {
  it('runs a bench and a primitive and posts results that validate', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(INDEX)}).then(async (c) => {
        const result = await c.bench({ methods: ['monotonic'], loops: 10000, runs: 2 });
        const t0 = c.clockGettime('monotonic');
        const t1 = c.clockGettime('monotonic');
        parentPort.postMessage({ result, t0: t0.toString(), t1: t1.toString(), cpu: c.getcpu().cpu });
      }).catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));`;
    const worker = new Worker(code, { eval: true });
    const msg = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(msg['error']).toBeUndefined();
    const result = api.BenchResultSchema.parse(msg['result']);
    expect(result.command).toBe('bench');
    expect(result.methods[0]).toMatchObject({ method: 'monotonic', status: 'measured', loops: 10000 });
    expect(BigInt(String(msg['t1']))).toBeGreaterThanOrEqual(BigInt(String(msg['t0'])));
    expect(typeof msg['cpu']).toBe('number');
  });
});

describe('AbortSignal', () => {
  it.skipIf(unmet({ cpus: 2 }))('aborting a warp ends every worker, and the call rejects with the reason', async () => {
    // A first short run so lazily started threads (libuv's pool) are counted in the baseline.
    await api.warp({ methods: ['monotonic'], durationSeconds: 0.05 });
    await settle(100);
    const threadsBefore = threads();
    const portsBefore = ports();
    const workers = watchWorkers();
    const controller = new AbortController();
    const reason = new Error('stop the warp');
    // Waits for the run's first progress report, however long the machine takes to get there.
    let progressed = (): void => {};
    const underWay = new Promise<void>((resolve) => (progressed = resolve));
    // 10 minutes a method: the call ends inside the test's timeout only through the abort.
    const run = api.warp({ methods: ['monotonic', 'lfence_rdtsc'], durationSeconds: 600, signal: controller.signal, onProgress: () => progressed() });
    const outcome = run.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await underWay;
    // The run is under way: one worker thread per CPU, progress reported.
    expect(threads()).toBeGreaterThan(threadsBefore);
    expect(ports()).toBeGreaterThan(portsBefore);
    expect(workers.started()).toBe(api.info().machine.onlineCpus.length);
    controller.abort(reason);
    const err = await outcome;
    workers.stop();
    expect(err).toBe(reason);
    // Every worker has exited by the time the call rejects.
    expect(workers.alive()).toBe(0);
    expect(threads()).toBeLessThanOrEqual(threadsBefore);
    expect(ports()).toBe(portsBefore);
  });

  it('a warp given an aborted signal starts no worker', async () => {
    const workers = watchWorkers();
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(api.warp({ methods: ['monotonic'], durationSeconds: 5, signal: controller.signal })).rejects.toThrow('already');
    workers.stop();
    expect(workers.started()).toBe(0);
  });

  it('aborting a bench from its progress callback ends it after the run in progress', async () => {
    const before = api.getAffinity();
    const controller = new AbortController();
    const done: number[] = [];
    const run = api.bench({
      methods: ['monotonic', 'lfence_rdtsc'],
      loops: 10_000,
      runs: 50,
      signal: controller.signal,
      onProgress: (p) => {
        done.push(p.done);
        if (p.done === 3) controller.abort(new Error('enough runs'));
      },
    });
    await expect(run).rejects.toThrow('enough runs');
    expect(Math.max(...done)).toBe(3);
    // The measuring thread's affinity is put back on the way out.
    expect(api.getAffinity()).toEqual(before);
  });

  it('aborting a bench from a timer lands between runs', async () => {
    const controller = new AbortController();
    const done: number[] = [];
    setTimeout(() => controller.abort(new Error('timer')), 100);
    const run = api.bench({ methods: ['monotonic'], loops: 10_000, durationSeconds: 30, signal: controller.signal, onProgress: (p) => done.push(p.done) });
    await expect(run).rejects.toThrow('timer');
    // It ran, and stopped long before its 30 s were up (progress counts seconds).
    expect(done.length).toBeGreaterThan(0);
    expect(Math.max(...done)).toBeLessThan(30);
  });

  it('aborting a compare (current clocksource only) ends it inside its bench', async () => {
    const controller = new AbortController();
    const steps: string[] = [];
    setTimeout(() => controller.abort(new Error('compare stopped')), 300);
    const run = api.compare({
      currentOnly: true,
      methods: ['monotonic'],
      // About 30 s of work, so the abort at 300 ms always lands inside it.
      loops: 1_000_000,
      runs: 1000,
      signal: controller.signal,
      onProgress: (p) => steps.push(p.label),
    });
    await expect(run).rejects.toThrow('compare stopped');
    // Stopped inside its one bench step: no later step began.
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatch(/: bench$/);
  });

  it('aborting a check from its progress callback stops before the next part', async () => {
    const controller = new AbortController();
    const parts: string[] = [];
    const workers = watchWorkers();
    const run = api.check({
      durationSeconds: 0.4,
      signal: controller.signal,
      onProgress: (p) => {
        parts.push(p.label);
        if (p.label === 'warp') controller.abort(new Error('check stopped'));
      },
    });
    await expect(run).rejects.toThrow('check stopped');
    workers.stop();
    // The abort came as the warp part began: it is refused before any worker starts.
    expect(parts).toEqual(['vdso', 'warp']);
    expect(workers.started()).toBe(0);
  });

  it.skipIf(unmet({ kvm: true }))('aborting a pvclock watch stops it early, chunk by chunk, and rejects with the reason', async (ctx) => {
    const controller = new AbortController();
    const progress: number[] = [];
    setTimeout(() => controller.abort(new Error('watched enough')), 700);
    const run = api.pvclock({ windowMs: 10, watchSeconds: 60, signal: controller.signal, onProgress: (p) => progress.push(p.done) });
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    if (err instanceof api.UnsupportedError) {
      process.stderr.write(`[SKIP] no pvclock page: ${err.message}\n`);
      ctx.skip(`no pvclock page: ${err.message}`);
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('watched enough');
    // Chunks are a quarter second: progress came chunk by chunk, and the
    // watch stopped well short of its 60 s.
    expect(progress.length).toBeGreaterThan(0);
    expect(Math.max(...progress)).toBeLessThan(60);
    expect(progress.every((s, i) => i === 0 || s > (progress[i - 1] ?? 0))).toBe(true);
  });
});

describe('no printing, no exiting', () => {
  it('a bench and a check write nothing to stdout or stderr and never call process.exit', async () => {
    const written: string[] = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`process.exit(${String(code)}) called`);
    });
    const logs = [vi.spyOn(console, 'log'), vi.spyOn(console, 'error'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'info')];
    const b = await api.bench({ methods: ['monotonic', 'lfence_rdtsc'], loops: 10_000, runs: 2 });
    const c = await api.check({ durationSeconds: 0.4 });
    // A failed call too: the error is thrown, not printed.
    await expect(api.bench({ methods: ['no_such_method'] })).rejects.toBeInstanceOf(api.UsageError);
    vi.restoreAllMocks();
    expect(written).toEqual([]);
    expect(exit).not.toHaveBeenCalled();
    for (const l of logs) expect(l).not.toHaveBeenCalled();
    expect(api.BenchResultSchema.parse(b).command).toBe('bench');
    expect(api.CheckResultSchema.parse(c).checks.map((x) => x.name)).toEqual(['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'timesync', 'disturbance']);
  });
});

describe('input is checked before anything runs', () => {
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['an unknown option', () => api.bench({ loop: 5 } as never), /bench\(\): unknown option 'loop'/],
    ['an unknown method', () => api.bench({ methods: ['monotonik'] }), /unknown method 'monotonik'; known methods: rdtsc/],
    ['runs and a duration', () => api.bench({ runs: 2, durationSeconds: 1 }), /runs or durationSeconds, not both/],
    ['a count of the wrong type', () => api.bench({ loops: '1e6' as never }), /^bench\(\): loops must be a whole number from 1 to 4294967295, got '1e6'$/],
    ['loops out of range', () => api.bench({ methods: ['monotonic'], loops: 0 }), /^bench\(\): loops must be a whole number from 1 to 4294967295, got 0$/],
    ['an empty method list', () => api.bench({ methods: [] }), /the method list \(methods\) is empty/],
    ['a warp of no time', () => api.warp({ durationSeconds: 0 }), /^warp\(\): durationSeconds must be a number of seconds above 0 and at most 86400, got 0$/],
    ['a warp on a CPU that is not there', () => api.warp({ cpus: [4096], durationSeconds: 0.1 }), /4096/],
    ['a self-test option typo', () => api.warp({ selfTest: { skew: 5 } as never }), /selfTest/],
    ['compare runs out of range', () => api.compare({ currentOnly: true, runs: 0 }), /runs must be a whole number from 1 to 1000/],
    ['compare warp seconds out of range', () => api.compare({ currentOnly: true, warp: { durationSeconds: -1 } }), /warp\.durationSeconds/],
    ['check given a non-compare result', () => api.check({ compare: warpResult() as never }), /^check\(\): compare: a warp report, but check needs a compare report$/],
    ['a pvclock window out of range', () => api.pvclock({ windowMs: 5 }), /windowMs must be a whole number from 10 to 60000/],
    ['options that are not an object', () => api.bench(42 as never), /^bench\(\): the options must be an object, got 42$/],
  ];
  it.each(cases)('%s is a UsageError', async (_name, call, message) => {
    const err = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(api.UsageError);
    expect(err).toBeInstanceOf(api.ClocklabError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('assertPassed', () => {
  it('throws CheckFailed carrying the result where the CLI exits 1, and returns the result otherwise', () => {
    const held = warpResult(false);
    expect(api.assertPassed(held)).toBe(held);
    const failed = warpResult(true);
    let err: unknown = null;
    try {
      api.assertPassed(failed);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(api.CheckFailed);
    expect((err as InstanceType<Api['CheckFailed']>).result).toBe(failed);
    expect((err as Error).message).toBe('a method that must be monotonic went backwards: monotonic');
  });

  it('a check with a warning passes unless strict', () => {
    const r = checkResult(false);
    expect(r.checks.some((c) => c.status === 'warn')).toBe(true);
    expect(r.checks.some((c) => c.status === 'fail')).toBe(false);
    expect(() => api.assertPassed(r)).not.toThrow();
    expect(() => api.assertPassed(r, { strict: true })).toThrow(api.CheckFailed);
    expect(() => api.assertPassed(checkResult(true))).toThrow(/check failed: tsc/);
  });
});

describe('reports from a result', () => {
  it('renderText dispatches on command, and the file formats take a result', async () => {
    const w = warpResult(true);
    expect(api.renderText(w)).toContain('monotonic');
    expect(api.renderText(api.methods())).toContain('rdtscp');
    expect(api.renderText(api.info())).toMatch(/clocksource/);
    expect(api.renderMarkdown(w)).toMatch(/^## clocklab warp/);
    expect(api.renderJunit(w, { hostname: 'ci' })).toContain('hostname="ci"');
    expect(api.renderHtml(w, { chartJs: '/* chart */' })).toContain('/* chart */');
    expect(() => api.renderText({ command: 'nope' } as never)).toThrow(api.UsageError);
  });

  it('parseReport validates a stored report and says what is wrong', () => {
    const stored = JSON.stringify(warpResult(false));
    expect(api.parseReport(stored).command).toBe('warp');
    expect(api.parseReport(JSON.parse(stored)).command).toBe('warp');
    expect(() => api.parseReport('{')).toThrow(/not JSON/);
    expect(() => api.parseReport({ ...warpResult(false), verdict: 'maybe' })).toThrow(/not a clocklab\/1 report[\s\S]*verdict/);
    expect(api.ReportSchema.safeParse(JSON.parse(stored)).success).toBe(true);
  });
});

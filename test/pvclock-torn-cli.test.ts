// The CLI when --watch sees a torn read: it prints the report with the torn
// read listed, then exits 1. The watch's native detector is pointed at a
// record a test thread mutates without bumping the version (the binding's
// pvclockWatch gets those bytes instead of the page); everything above and
// below it is the real code. The mock is file-wide, hence its own file.
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { skipping, unmet } from './helpers/needs.js';
import { PIPED } from './helpers/cli.js';
import { fakePvclockPage } from './helpers/pvclock-page.js';

const fake = fakePvclockPage();

vi.mock('../src/native/binding.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/native/binding.js')>();
  const b = real.loadBinding();
  const proxy: typeof b = new Proxy(b, {
    get(target, key, receiver) {
      if (key === 'pvclockWatch') {
        return (_source: Uint8Array | undefined, n: number, seconds: number, max?: number) => target.pvclockWatch(new Uint8Array(fake), n, seconds, max);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { ...real, loadBinding: () => proxy };
});

const { main } = await import('../src/cli/main.js');
const { openPvclockPage } = await import('../src/probes/pvclock.js');
const { loadBinding } = await import('../src/native/binding.js');
const noPage = unmet({ kvm: true }) ?? skipping(openPvclockPage(loadBinding()).state === 'readable' ? null : 'needs a readable pvclock page');

describe.skipIf(noPage)('clocklab pvclock --watch with a torn record', () => {
  it('lists the torn read with its time and vCPU, then exits 1', async () => {
    const w = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const q = new BigUint64Array(workerData, 8, 1);
       parentPort.postMessage('ready');
       const end = Date.now() + 4000;
       for (let i = 0n; Date.now() < end; i++) q[0] = 1000n + (i & 1n);`,
      { eval: true, workerData: fake },
    );
    await new Promise((resolve) => w.once('message', resolve));
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    let code: number;
    try {
      code = await main(['node', 'clocklab', 'pvclock', '--watch', '2', '--window-ms', '50'], PIPED);
    } finally {
      vi.restoreAllMocks();
      await w.terminate();
    }
    expect(code).toBe(1);
    expect(out.join('')).toMatch(/\[FAIL\] vCPU 0 at \d+\.\d{6} s \(version 2\): tscTimestamp 100[01] -> 100[01]/);
    expect(out.join('')).toMatch(/torn read\(s\) in 2 s: a record changed while its version stayed the same/);
    expect(err.join('')).toMatch(/^clocklab: \d+ torn pvclock read\(s\) in 2 s/m);
  });
});

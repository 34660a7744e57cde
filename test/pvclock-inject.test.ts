// The pvclock code paths a healthy machine never takes, driven by injecting
// at the inputs: a maps text without the mapping, a "page" that faults, a
// record a test thread mutates without bumping the version. The native and
// TypeScript code that runs is the code the real page goes through.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsupportedError } from '../src/errors.js';
import { nativeIndex, pvclockUnmet } from '../src/probes/native-method.js';
import { loadBinding } from '../src/native/binding.js';
import { realInputs } from '../src/probes/machine.js';
import { openPvclockPage } from '../src/probes/pvclock.js';
import { overlaySource, realSource } from '../src/probes/source.js';
import { kernelVersion, locatePvclockPage, parseMaps } from '../src/probes/vvar.js';
import { runPvclock, watchPvclock } from '../src/runners/pvclock.js';
import { skipping } from './helpers/needs.js';
import { fakePvclockPage } from './helpers/pvclock-page.js';

const binding = loadBinding();
const MAPS = '/proc/self/maps';
const RELEASE = '/proc/sys/kernel/osrelease';

const maps618 = [
  '55d1c0a00000-55d1c0a21000 r--p 00000000 fd:01 1234                       /usr/bin/node',
  '7fc916243000-7fc916247000 r--p 00000000 00:00 0                          [vvar]',
  '7fc916247000-7fc916249000 r--p 00000000 00:00 0                          [vvar_vclock]',
  '7fc916249000-7fc91624b000 r-xp 00000000 00:00 0                          [vdso]',
  '7ffc4d1e0000-7ffc4d201000 rw-p 00000000 00:00 0                          [stack]',
].join('\n');
const without = (text: string, name: string): string =>
  text
    .split('\n')
    .filter((l) => !l.endsWith(name))
    .join('\n');
const src = (maps: string | null, release: string) => overlaySource({ [MAPS]: maps, [RELEASE]: `${release}\n` });

describe('the maps parser finds the page for each kernel layout', () => {
  it('parses lines and kernel versions', () => {
    const e = parseMaps(maps618);
    expect(e).toHaveLength(5);
    expect(e[2]).toEqual({ start: 0x7fc916247000n, end: 0x7fc916249000n, perms: 'r--p', name: '[vvar_vclock]' });
    expect(kernelVersion('6.18.44-fc-v782')).toEqual([6, 18]);
    expect(kernelVersion('garbage')).toBeNull();
  });

  it('>= 6.13: the start of [vvar_vclock], a verified layout', () => {
    const l = locatePvclockPage(src(maps618, '6.18.44'));
    expect(l).toMatchObject({ found: true, address: 0x7fc916247000n, mapping: '[vvar_vclock]', offsetBytes: 0, verifiedLayout: true });
  });

  it('a 6.18 maps text without [vvar_vclock]: absent, saying what and where', () => {
    const l = locatePvclockPage(src(without(maps618, '[vvar_vclock]'), '6.18.44'));
    expect(l).toMatchObject({ found: false, lookedFor: '[vvar_vclock]', lookedIn: MAPS });
  });

  it('4.7 .. 6.12: [vvar] + 1 page, flagged as unverified', () => {
    const old = without(maps618, '[vvar_vclock]');
    const l = locatePvclockPage(src(old, '5.10.0-21-amd64'));
    expect(l).toMatchObject({ found: true, address: 0x7fc916243000n + 4096n, mapping: '[vvar]', verifiedLayout: false });
  });

  it('4.5 and 4.6: [vvar] + 2 pages; 4.4: the fixmap, absent', () => {
    const old = without(maps618, '[vvar_vclock]');
    expect(locatePvclockPage(src(old, '4.5.0'))).toMatchObject({ found: true, offsetBytes: 8192 });
    expect(locatePvclockPage(src(old, '4.4.0'))).toMatchObject({ found: false, reason: expect.stringMatching(/fixmap/) });
  });

  it('no vDSO data mappings at all, or no maps file', () => {
    const none = without(without(maps618, '[vvar_vclock]'), '[vvar]');
    expect(locatePvclockPage(src(none, '5.15.0'))).toMatchObject({ found: false, reason: expect.stringMatching(/neither/) });
    expect(locatePvclockPage(src(null, '6.18.0'))).toMatchObject({ found: false, reason: expect.stringMatching(/could not be read/) });
  });
});

describe('a machine without the page: exit 3 material, never a crash', () => {
  const inputs = realInputs(binding);
  const real = readFileSync(MAPS, 'utf8');
  const vclockLine = real.split('\n').find((l) => l.endsWith('[vvar_vclock]'));
  const noVclock = skipping(vclockLine ? null : 'needs a [vvar_vclock] mapping in /proc/self/maps (kernel 6.x on a KVM guest)');
  /** The real maps text with [vvar_vclock] moved to `address`. */
  const pointedAt = (address: bigint): string =>
    real
      .split('\n')
      .filter((l) => !l.endsWith('[vvar_vclock]'))
      .concat(`${address.toString(16)}-${(address + 8192n).toString(16)} r--p 00000000 00:00 0 [vvar_vclock]`)
      .join('\n');
  afterAll(() => {
    openPvclockPage(binding); // put the real page back for later files in this fork
  });

  it('a maps text without the line: UnsupportedError naming what was looked for and where', () => {
    const source = overlaySource({ [MAPS]: without(real, '[vvar_vclock]') }, realSource);
    expect(() => runPvclock({ inputs: { ...inputs, source } })).toThrow(UnsupportedError);
    expect(() => runPvclock({ inputs: { ...inputs, source } })).toThrow(/no pvclock page: looked for \[vvar_vclock\] in \/proc\/self\/maps/);
  });

  it('a PROT_NONE region: the forked probe sees SIGSEGV, we get UnsupportedError', () => {
    // A guard region of this process as it is now: one read at the file's
    // start may since have been unmapped or reused (a worker thread's stack
    // freed), and the probe then finds something else there. Where the region
    // changed while it was probed, try the next one: that is the race, not
    // what is tested.
    const guards = (): bigint[] => parseMaps(readFileSync(MAPS, 'utf8')).filter((e) => e.perms.startsWith('---')).map((e) => e.start);
    expect(guards().length, 'this process has a PROT_NONE guard region').toBeGreaterThan(0);
    let message = '';
    for (const start of guards().slice(0, 3)) {
      const source = overlaySource({ [MAPS]: pointedAt(start) }, realSource);
      try {
        runPvclock({ inputs: { ...inputs, source } });
        message = 'no error';
      } catch (err) {
        expect(err).toBeInstanceOf(UnsupportedError);
        message = err instanceof Error ? err.message : String(err);
      }
      if (/raised SIGSEGV/.test(message) || guards().includes(start)) break;
    }
    expect(message).toMatch(/pvclock page not mapped: .*raised SIGSEGV/);
  });

  it('an unmapped address below mmap_min_addr: SIGSEGV in the child, an error here', () => {
    expect(binding.pvclockProbe(0x1000n)).toBe(11);
    expect(() => binding.pvclockSetPage(0x1000n)).toThrow(/pvclock page: Bad address/);
  });

  it.skipIf(noVclock)('an unbacked vclock page (the Hyper-V page here): a real SIGBUS, contained', () => {
    // [vvar_vclock] page 1 is the hvclock page: SIGBUS without Hyper-V
    // (vvar_vclock_fault(), arch/x86/entry/vdso/vma.c).
    const start = BigInt(`0x${vclockLine?.split('-')[0]}`);
    expect(binding.pvclockProbe(start + 4096n)).toBe(7);
    const source = overlaySource({ [MAPS]: pointedAt(start + 4096n) }, realSource);
    expect(() => runPvclock({ inputs: { ...inputs, source } })).toThrow(/raised SIGBUS: the kernel backs it only once kvm-clock/);
  });

  it('the methods say "needs the pvclock page" and refuse, rather than read nothing', () => {
    binding.pvclockSetPage(0n);
    expect(() => binding.methodRead(binding.methodTable.findIndex((m) => m.name === 'pvclock_vdso'))).toThrow(/No such device or address/);
    const source = overlaySource({ [MAPS]: without(real, '[vvar_vclock]') }, realSource);
    expect(pvclockUnmet(binding, source)).toMatch(/^needs the pvclock page \(no pvclock page: looked for \[vvar_vclock\]/);
    expect(binding.pvclockPageAddress()).toBe(0n);
  });

  it.skipIf(noVclock)('nativeIndex opens the real page for the pvclock methods', () => {
    binding.pvclockSetPage(0n);
    const i = nativeIndex(binding, 'pvclock_vdso');
    expect(binding.pvclockPageAddress()).not.toBe(0n);
    expect(binding.methodRead(i)).toBeGreaterThan(0n);
  });
});

/** A stand-in page in shared memory: record 0 sane, version 2. */
function fakePage(): { sab: SharedArrayBuffer; bytes: Uint8Array } {
  const sab = fakePvclockPage();
  return { sab, bytes: new Uint8Array(sab) };
}

/** A thread that rewrites record 0 for `ms`: 'torn' changes tsc_timestamp and
 * system_time without touching the version; 'seqlock' does it the KVM way
 * (version odd, fields, version even). */
async function startWriter(sab: SharedArrayBuffer, mode: 'torn' | 'seqlock', ms: number): Promise<Worker> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const v = new Uint32Array(workerData.sab, 0, 1);
    const q = new BigUint64Array(workerData.sab, 8, 2);
    parentPort.postMessage('ready');
    const end = Date.now() + workerData.ms;
    for (let i = 0n; Date.now() < end; i++) {
      if (workerData.mode === 'seqlock') Atomics.add(v, 0, 1);
      q[0] = 1000n + (i & 1n);
      q[1] = 5000n + (i & 1n);
      if (workerData.mode === 'seqlock') Atomics.add(v, 0, 1);
    }`;
  const w = new Worker(code, { eval: true, workerData: { sab, mode, ms } });
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  return w;
}

describe('the torn-read detector, on a record a test thread mutates', () => {
  it('catches fields that change under an unchanged version, with time and vCPU', async () => {
    const { sab, bytes } = fakePage();
    const w = await startWriter(sab, 'torn', 3000);
    try {
      const r = binding.pvclockWatch(bytes, 1, 1.0);
      expect(r.counts[0]?.tornReads).toBeGreaterThan(0);
      expect(r.counts[0]?.versionChanges).toBe(0);
      expect(r.torn[0]).toMatchObject({ vcpu: 0, version: 2 });
      expect(r.torn[0]?.monotonicNs).toBeGreaterThan(0n);
    } finally {
      await w.terminate();
    }
  });

  it('a writer that keeps the seqlock protocol gives odd reads and version changes, no torn read', async () => {
    const { sab, bytes } = fakePage();
    const w = await startWriter(sab, 'seqlock', 3000);
    try {
      const r = binding.pvclockWatch(bytes, 1, 1.0);
      expect(r.counts[0]?.tornReads).toBe(0);
      expect(r.counts[0]?.versionChanges).toBeGreaterThan(0);
      expect(r.counts[0]?.oddReads).toBeGreaterThan(0);
    } finally {
      await w.terminate();
    }
  });

  it('the runner lists them, per vCPU, with the fields that changed', async () => {
    const { sab, bytes } = fakePage();
    const w = await startWriter(sab, 'torn', 4000);
    try {
      const r = watchPvclock(binding, { nrecords: 1, seconds: 2, source: bytes });
      expect(r.counts[0]?.tornReads).toBeGreaterThan(0);
      const t = r.torn[0];
      expect(t?.vcpu).toBe(0);
      expect(t?.atSeconds).toBeGreaterThanOrEqual(0);
      expect(t?.before.tscTimestamp === t?.after.tscTimestamp && t?.before.systemTimeNs === t?.after.systemTimeNs).toBe(false);
    } finally {
      await w.terminate();
    }
  });

  it('a record left alone is never called torn', () => {
    const { bytes } = fakePage();
    const r = binding.pvclockWatch(bytes, 2, 0.2);
    expect(r.counts.map((c) => c.tornReads)).toEqual([0, 0]);
    expect(r.counts[0]?.firstVersion).toBe(2);
  });
});

describe('the scaling arithmetic matches a BigInt reference', () => {
  const reference = (delta: bigint, mul: number, shift: number): bigint => {
    const d = (shift < 0 ? delta >> BigInt(-shift) : delta << BigInt(shift)) & 0xffffffffffffffffn;
    return (d * BigInt(mul)) >> 32n;
  };
  it('pvclock_scale_delta over a grid of deltas, multipliers and shifts', () => {
    const deltas = [0n, 1n, 2445405000n, 0xffffffffn, 1n << 40n, 0xffffffffffffffffn >> 3n];
    const muls = [1, 0x80000000, 3512683826, 0xffffffff];
    for (const d of deltas) for (const m of muls) for (const s of [-5, -1, 0, 1, 3]) {
      expect(binding.pvclockScale(d, m, s), `${d} ${m} ${s}`).toBe(reference(d, m, s));
    }
  });
  it('pvclock_tsc_khz: mul 3512683826 shift -1 is 2445405 kHz', () => {
    expect(Math.floor(binding.pvclockTscHz(3512683826, -1) / 1000)).toBe(2445405);
  });
});

// `clocklab pvclock` and the two pvclock read methods on the real page.
// Needs a KVM-family guest whose pvclock page is backed; skips, saying why,
// where it is not. pvclock_rdtscp runs only where RDTSCP is offered and its
// TSC_AUX names the CPU (probes/availability.ts); the rest go by pvclock_vdso.
import { afterAll, describe, expect, it } from 'vitest';
import { CLOCKS } from '../src/clocks.js';
import { METHODS } from '../src/methods.js';
import { nativeIndex } from '../src/probes/native-method.js';
import { methodAvailability } from '../src/probes/availability.js';
import { loadBinding } from '../src/native/binding.js';
import { ClocksourceSwitcher } from '../src/clocksource/switcher.js';
import { readClocksources } from '../src/probes/clocksource.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { openPvclockPage, recordLooksSane } from '../src/probes/pvclock.js';
import { measureTscHz } from '../src/probes/tscfreq.js';
import { InfoResult } from '../src/results/info.js';
import { PvclockResult } from '../src/results/pvclock.js';
import { compareWithClocks, runPvclock } from '../src/runners/pvclock.js';
import { runCli } from './helpers/cli.js';
import { fromDist } from './helpers/dist.js';
import { skipping, unmet } from './helpers/needs.js';
import type * as MethodsModule from '../src/methods.js';
import type * as WarpModule from '../src/runners/warp.js';

const binding = loadBinding();
const noKvm = unmet({ kvm: true, x86: true });
const page = noKvm ? null : openPvclockPage(binding);
const noPage = noKvm ?? (page?.state === 'readable' ? null : `needs a readable pvclock page (${page?.state})`);
if (noPage && !noKvm) process.stderr.write(`[SKIP] ${noPage}\n`);
/** The page's read methods this machine runs (pvclock_rdtscp is refused where RDTSCP is hidden or TSC_AUX is not the CPU). */
const pvclockMethods = noPage ? [] : METHODS.filter((m) => m.requires.includes('pvclock') && methodAvailability(binding, m).available).map((m) => m.id);
const rdtscpSpec = METHODS.find((m) => m.id === 'pvclock_rdtscp');
const noPvclockRdtscp = noPage ?? (() => {
  const a = rdtscpSpec ? methodAvailability(binding, rdtscpSpec) : null;
  return skipping(a?.available ? null : `pvclock_rdtscp cannot run here: ${a && !a.available ? a.reason : 'not a method'}`);
})();

describe.skipIf(noPage)('the pvclock page on this machine', () => {
  // The one test here that switches restores in its finally; afterAll is the
  // second line, for a failure between the switch and the try.
  let switcher: ClocksourceSwitcher | null = null;
  afterAll(() => {
    switcher?.close();
  });

  it('every record is sane: even version, mul non-zero, shift in -31..31, known flags', () => {
    const r = runPvclock({ windowMs: 100 });
    expect(r.records.length).toBeGreaterThanOrEqual(1);
    expect(r.records.map((x) => x.vcpu)).toContain(0);
    for (const x of r.records) {
      expect(x.version % 2, `vCPU ${x.vcpu} version`).toBe(0);
      expect(x.mul).not.toBe(0);
      expect(x.shift).toBeGreaterThanOrEqual(-31);
      expect(x.shift).toBeLessThanOrEqual(31);
      expect(recordLooksSane({ ...x, tscTimestamp: BigInt(x.tscTimestamp), systemTimeNs: BigInt(x.systemTimeNs) })).toBe(true);
    }
    // The page holds every online vCPU's record (kvmclock registers one per CPU).
    expect(r.records.length).toBe(onlineCpus().length);
  });

  it("the implied TSC frequency agrees with clocklab info's, and with a measurement, within 0.1%", () => {
    const r = runPvclock({ windowMs: 100 });
    const info = InfoResult.parse(JSON.parse(runCli(['info', '--json']).stdout));
    const hz = r.records[0]?.tscHz ?? 0;
    expect(info.tscFrequency?.source).toBe('pvclock');
    expect(Math.abs(hz - (info.tscFrequency?.hz ?? 0)) / hz).toBeLessThan(0.001);
    expect(info.pvclock?.state).toBe('readable');
    // Independent of the record: the TSC against CLOCK_MONOTONIC_RAW.
    const measured = measureTscHz(binding, 200).hz;
    expect(Math.abs(hz - measured) / hz).toBeLessThan(0.001);
  });

  // pvclock_vdso reads vCPU 0's record as the vDSO does, which is only
  // defined with PVCLOCK_TSC_STABLE_BIT set (arch/x86/include/asm/vdso/gettimeofday.h).
  const noStableBit = noPage ?? skipping(page?.state === 'readable' && (page.vcpu0.flags & 1) === 1 ? null : "needs PVCLOCK_TSC_STABLE_BIT in vCPU 0's record (pvclock_vdso)");

  /** Each method against CLOCK_MONOTONIC over a second, printed. */
  const overASecond = (methods: Array<'pvclock_vdso' | 'pvclock_rdtscp'>) => {
    const c = compareWithClocks(binding, 1000, methods).filter((x) => x.clock === 'monotonic');
    expect(c.map((x) => x.method)).toEqual(methods);
    for (const x of c) process.stderr.write(`[INFO] ${x.method}: offset ${x.offsetNs} ns, ${x.rateDiffPpm.toFixed(3)} ppm over ${x.windowNs} ns\n`);
    return c;
  };

  it.skipIf(noPvclockRdtscp)('pvclock_rdtscp stays within a fixed offset of CLOCK_MONOTONIC over a second (drift < 1 ppm)', () => {
    for (const x of overASecond(['pvclock_rdtscp'])) {
      expect(Math.abs(x.rateDiffPpm), x.method).toBeLessThan(1);
      expect(x.windowNs).toBeGreaterThan(0.9e9);
    }
  });

  it.skipIf(noStableBit)('pvclock_vdso stays within a fixed offset of CLOCK_MONOTONIC over a second (drift < 1 ppm)', () => {
    for (const x of overASecond(['pvclock_vdso'])) {
      expect(Math.abs(x.rateDiffPpm), x.method).toBeLessThan(1);
      expect(x.windowNs).toBeGreaterThan(0.9e9);
    }
  });

  it.skipIf(noStableBit ?? noPvclockRdtscp)('pvclock_vdso and pvclock_rdtscp see the same offset from CLOCK_MONOTONIC', () => {
    const c = overASecond(['pvclock_vdso', 'pvclock_rdtscp']);
    for (const x of c) {
      expect(Math.abs(x.rateDiffPpm), x.method).toBeLessThan(1);
      expect(x.windowNs).toBeGreaterThan(0.9e9);
    }
    // Same page, same TSC: the two algorithms see the same offset (within
    // the read brackets and the time between the two measurements' pairs).
    expect(Math.abs((c[0]?.offsetNs ?? 0) - (c[1]?.offsetNs ?? 0))).toBeLessThan(10_000);
  });

  it('pvclock_vdso tracks CLOCK_MONOTONIC after removing the offset, when kvm-clock is the clocksource', (ctx) => {
    // On kvm-clock the vDSO's clock_gettime is this very algorithm on this
    // page, so the two must agree up to a fixed offset. Switch there for the
    // test where we may (root, kvm-clock offered), through the one module that
    // switches, and always back.
    if (readClocksources().current !== 'kvm-clock') {
      const why = unmet({ root: true, clocksources: ['kvm-clock'] });
      if (why) {
        ctx.skip(why);
        return;
      }
      switcher = ClocksourceSwitcher.open(['kvm-clock']);
      switcher.switchTo('kvm-clock');
    }
    try {
      expect(readClocksources().current).toBe('kvm-clock');
      tracksMonotonic();
    } finally {
      switcher?.close();
      switcher = null;
    }
  });

  function tracksMonotonic(): void {
    const i = nativeIndex(binding, 'pvclock_vdso');
    const first = binding.pvclockPair(i, CLOCKS.monotonic, 100);
    const offset = first.valueNs - (first.beforeNs + first.afterNs) / 2n;
    for (let k = 0; k < 20; k++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      const p = binding.pvclockPair(i, CLOCKS.monotonic, 100);
      const mid = (p.beforeNs + p.afterNs) / 2n;
      const elapsed = Number(mid - first.beforeNs);
      const dev = Math.abs(Number(p.valueNs - offset - mid));
      // The bracket, plus 1 ppm of the elapsed time for NTP's slew.
      expect(dev).toBeLessThan(Number(p.afterNs - p.beforeNs) + 2000 + elapsed * 1e-6);
    }
  }

  it('bench can time the page\'s methods that run here with timedLoop, like monotonic', () => {
    expect(pvclockMethods.length).toBeGreaterThan(0);
    for (const id of [...pvclockMethods, 'monotonic']) {
      const t = binding.timedLoop(nativeIndex(binding, id), 100_000);
      expect(t.elapsedNs, id).toBeGreaterThan(0);
    }
    expect(METHODS.filter((m) => m.requires.includes('pvclock')).map((m) => m.id)).toEqual(['pvclock_vdso', 'pvclock_rdtscp']);
  });
});

// The project's own warp checker (native/warp.cc through runWarp, as
// `clocklab warp --methods pvclock_vdso,pvclock_rdtscp` runs it): one pinned
// thread per CPU, a shared lock, each read compared with the last any CPU
// stored. That the checker finds a warp it is given is warp.test.ts's
// self-test.
describe.skipIf(noPage ?? unmet({ cpus: 2 }))('warp: pvclock time never goes backwards across CPUs', () => {
  it('the page\'s methods that run here hold on every CPU over 1 s each', async () => {
    const { runWarp } = await fromDist<typeof WarpModule>('runners/warp.js');
    const { findMethod } = await fromDist<typeof MethodsModule>('methods.js');
    const methods = pvclockMethods.map((id) => findMethod(id)).filter((m) => m !== undefined);
    expect(methods.length).toBe(pvclockMethods.length);
    expect(methods.length).toBeGreaterThan(0);
    const result = await runWarp({ methods, cpus: null, durationSeconds: 1, offsets: false, selfTest: null });
    for (const m of result.methods) {
      expect(m.status, m.method).toBe('measured');
      if (m.status !== 'measured') continue;
      process.stderr.write(`[INFO] ${m.method}: ${m.reads} reads on CPUs ${m.readsPerCpu.map((c) => c.cpu).join(',')}, ${m.warps} warps\n`);
      expect(m.contract).toBe('monotonic');
      expect(m.readsPerCpu.length).toBe(onlineCpus().length);
      for (const c of m.readsPerCpu) expect(c.reads, `CPU ${c.cpu}`).toBeGreaterThan(1000);
      expect(m.warps, `largest warp ${m.largest?.amountNs ?? 0} ns`).toBe(0);
      expect(m.verdict).toBe('held');
    }
  });
});

describe.skipIf(noPage)('clocklab pvclock, as a user runs it', () => {
  it('--json prints a valid result', () => {
    const r = runCli(['pvclock', '--json', '--window-ms', '100']);
    expect(r.code, r.stderr).toBe(0);
    const res = PvclockResult.parse(JSON.parse(r.stdout));
    expect(res.options).toEqual({ windowMs: 100, watchSeconds: null });
    expect(res.disturbance.cpus).toEqual(onlineCpus());
    expect(res.disturbance.clocksourceAfter).toBe(readClocksources().current);
    expect(res.page.mapping).toBe('[vvar_vclock]');
    expect(res.agreement.commonTsc).toMatch(/^\d+$/);
    expect(res.watch).toBeNull();
  });

  it('prints the records and the comparison as text, without escapes when piped', () => {
    const r = runCli(['pvclock', '--window-ms', '100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pvclock page\s+0x[0-9a-f]+/m);
    expect(r.stdout).toMatch(/TSC_STABLE/);
    expect(r.stdout).toMatch(/CLOCK_MONOTONIC_RAW/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stderr).toBe('');
  });

  it('--watch 1 counts polls per vCPU and exits 0 with no torn read', () => {
    const r = runCli(['pvclock', '--watch', '1', '--json', '--window-ms', '100']);
    expect(r.code, r.stderr).toBe(0);
    const res = PvclockResult.parse(JSON.parse(r.stdout));
    expect(res.options).toEqual({ windowMs: 100, watchSeconds: 1 });
    expect(res.watch?.counts.length).toBe(res.records.length);
    for (const c of res.watch?.counts ?? []) {
      expect(c.polls).toBeGreaterThan(1000);
      expect(c.tornReads).toBe(0);
    }
    expect(r.stderr).toBe(''); // no progress bar when not a TTY
  });

  it('bad input exits 2; --help answers', () => {
    expect(runCli(['pvclock', '--watch', '0']).code).toBe(2);
    expect(runCli(['pvclock', '--watch', 'soon']).code).toBe(2);
    expect(runCli(['pvclock', '--window-ms', '5']).code).toBe(2);
    const help = runCli(['pvclock', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--watch <seconds>/);
  });
});

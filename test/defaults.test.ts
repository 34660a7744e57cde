// defaults.test.ts: a command's default methods are those that run here; the
// others are recorded as skipped with the CPUID bit, and the run passes. A
// method asked for by name that cannot run is refused: UnsupportedError from
// the library, exit 3 from the CLI, in every command. Both TSC paths run on
// every machine (./helpers/tsc-paths.ts): RDTSCP where the CPU has it, the
// LFENCE;RDTSC fallback with RDTSCP hidden at the probes' input.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as MainModule from '../src/cli/main.js';
import { PIPED } from './helpers/cli.js';
import { fromDist } from './helpers/dist.js';
import { unmet } from './helpers/needs.js';
import { tscPaths } from './helpers/tsc-paths.js';

type Api = typeof import('../src/index.js');
const api = await fromDist<Api>('index.js');
const { main } = await fromDist<typeof MainModule>('cli/main.js');

/** The reason availability gives where CPUID hides RDTSCP (native/cpuid.h). */
const NO_RDTSCP = /rdtscp is not available on this CPU \(CPUID\.80000001H:EDX\[27\] is clear\)/;

/** The CLI in-process (so the addon's mask applies); its exit code and output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await main(['node', 'clocklab', ...args], PIPED), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

for (const path of tscPaths()) {
  const hidden = path.read === 'lfence_rdtsc';
  describe.skipIf(path.skip)(`${hidden ? 'RDTSCP hidden (or absent): the LFENCE;RDTSC path' : 'RDTSCP offered'}`, () => {
    beforeEach(() => path.enter());
    afterEach(() => path.leave());

    it(`bench's defaults ${hidden ? 'skip rdtscp with its CPUID bit and time the rest' : 'time rdtscp too'}; the run passes`, async () => {
      const r = await api.bench({ loops: 2000, runs: 1, warmup: false });
      expect(r.options.methods).toEqual([...api.BENCH_DEFAULT_METHODS]);
      const rdtscp = r.methods.find((m) => m.method === 'rdtscp');
      if (hidden) {
        expect(rdtscp?.status).toBe('unsupported');
        expect(rdtscp?.status === 'unsupported' && rdtscp.reason).toMatch(NO_RDTSCP);
        expect(api.renderText(r)).toMatch(/^\[SKIP\] rdtscp\s+rdtscp is not available on this CPU/m);
      } else {
        expect(rdtscp?.status).toBe('measured');
        expect(api.renderText(r)).not.toMatch(/^\[SKIP\]/m);
      }
      // Every other default runs on any x86-64 Linux.
      for (const m of r.methods.filter((x) => x.method !== 'rdtscp')) expect(m.status, m.method).toBe('measured');
      expect(api.verdictOf(r).passed).toBe(true);
    });

    it(`rdtscp named: ${hidden ? 'refused by bench, warp, order and compare (UnsupportedError, exit 3)' : 'measured by each'}`, async () => {
      type Call = [string, () => Promise<unknown>, string[]];
      const calls: Call[] = [
        ['bench', () => api.bench({ methods: ['rdtscp'], loops: 2000, runs: 1 }), ['bench', '--methods', 'rdtscp', '--loops', '2000', '--runs', '1']],
        ['warp', () => api.warp({ methods: ['rdtscp'], durationSeconds: 0.05 }), ['warp', '--methods', 'rdtscp', '--duration', '0.05']],
        ...(unmet({ cpus: 2 }) === null
          ? [['order', () => api.order({ methods: ['rdtscp'], patterns: ['load-read'], durationSeconds: 0.05 }), ['order', '--methods', 'rdtscp', '--patterns', 'load-read', '--duration', '0.05']] satisfies Call]
          : []),
        ['compare', () => api.compare({ currentOnly: true, methods: ['rdtscp'], loops: 2000, runs: 1 }), ['compare', '--current-only', '--methods', 'rdtscp', '--loops', '2000', '--runs', '1']],
        ['compare --warp', () => api.compare({ currentOnly: true, methods: ['monotonic'], loops: 2000, runs: 1, warp: { methods: ['rdtscp'], durationSeconds: 0.05 } }), ['compare', '--current-only', '--methods', 'monotonic', '--loops', '2000', '--runs', '1', '--warp', '--warp-methods', 'rdtscp', '--warp-duration', '0.05']],
      ];
      for (const [name, call, args] of calls) {
        const run = call();
        const c = await cli([...args, '--json']);
        if (hidden) {
          await expect(run, name).rejects.toBeInstanceOf(api.UnsupportedError);
          await expect(run, name).rejects.toThrow(NO_RDTSCP);
          expect(c.code, `${name}: ${c.stderr}`).toBe(3);
          expect(c.stderr).toMatch(/^clocklab: rdtscp: rdtscp is not available on this CPU/m);
          expect(c.stdout).toBe('');
        } else {
          await expect(run, name).resolves.toBeDefined();
          expect(c.code, `${name}: ${c.stderr}`).toBe(0);
        }
      }
    });

    it(`warp's and compare's defaults ${hidden ? 'record rdtscp as skipped' : 'check rdtscp'}, and pass`, async () => {
      const w = await api.warp({ durationSeconds: 0.02 });
      expect(w.options.methods).toEqual([...api.WARP_DEFAULT_METHODS]);
      const rdtscp = w.methods.find((m) => m.method === 'rdtscp');
      expect(rdtscp?.status).toBe(hidden ? 'unsupported' : 'measured');
      if (hidden) expect(rdtscp?.status === 'unsupported' && rdtscp.reason).toMatch(NO_RDTSCP);
      for (const m of w.methods.filter((x) => x.method !== 'rdtscp')) expect(m.status, m.method).toBe('measured');
      const c = await api.compare({ currentOnly: true, loops: 2000, runs: 1, warp: { durationSeconds: 0.02 } });
      const bench = c.runs[0]?.bench;
      expect(bench?.options.methods).toEqual([...api.COMPARE_DEFAULT_METHODS]);
      expect(bench?.methods.find((m) => m.method === 'rdtscp')?.status).toBe(hidden ? 'unsupported' : 'measured');
      // The control that does not go through the clocksource runs either way.
      expect(bench?.methods.find((m) => m.method === 'lfence_rdtsc')?.status).toBe('measured');
      expect(c.runs[0]?.warp?.methods.find((m) => m.method === 'rdtscp')?.status).toBe(hidden ? 'unsupported' : 'measured');
      expect(api.verdictOf(c).passed).toBe(true);
    });

    it.skipIf(unmet({ cpus: 2 }))(`order's defaults ${hidden ? 'skip rdtscp' : 'test rdtscp'}; its offset bound is read with ${path.read}`, async () => {
      const r = await api.order({ patterns: ['load-read'], durationSeconds: 0.02 });
      expect(r.offsetMethod).toBe(path.read);
      const t = r.tests.find((x) => x.method === 'rdtscp');
      expect(t?.status).toBe(hidden ? 'unsupported' : 'measured');
      if (hidden) expect(t?.status === 'unsupported' && t.reason).toMatch(NO_RDTSCP);
      expect(r.tests.find((x) => x.method === 'lfence_rdtsc')?.status).toBe('measured');
      expect(api.renderText(r)).toContain(`Ping-pong over one cache line, read with ${path.read};`);
    });

    it.skipIf(unmet({ cpus: 2 }))(`the warp self-test reads skewed_${path.read}, finds the planted skew, and says which read it used`, async () => {
      const r = await api.warp({ selfTest: { skewCycles: 200_000, skewCpu: null }, cpus: [0, 1], durationSeconds: 0.3, offsets: true });
      expect(r.selfTest?.method).toBe(`skewed_${path.read}`);
      expect(r.options.methods).toEqual([`skewed_${path.read}`]);
      expect(r.selfTest?.passed, r.selfTest?.reason).toBe(true);
      expect(r.selfTest?.toCpu).toBe(1);
      // The offsets are read through the same skewed read: CPU 1 is 200000 cycles behind.
      expect(r.offsetsMethod).toBe(`skewed_${path.read}`);
      const o = r.offsets?.[0];
      expect(o && Math.abs(o.offsetCycles + 200_000)).toBeLessThan((o?.errorCycles ?? 0) + 4000);
      expect(api.renderText(r)).toContain(`CPU 1's skewed_${path.read} reads were lowered by 200000 cycles`);
      const c = await cli(['warp', '--self-test', '--cpus', '0,1', '--duration', '0.2']);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout).toMatch(new RegExp(`^\\[OK\\]\\s+self-test\\s+found \\d+ warps into CPU 1`, 'm'));
    });

    it.skipIf(unmet({ cpus: 2 }))(`warp --offsets reads the offsets with ${path.read}`, async () => {
      const r = await api.warp({ methods: ['monotonic'], cpus: [0, 1], durationSeconds: 0.02, offsets: true });
      expect(r.offsetsMethod).toBe(path.read);
      expect(r.offsets?.[0]?.samples).toBeGreaterThan(0);
    });
  });
}

describe('the method list a command is given', () => {
  it("'default' is the defaults, named; 'all' and the defaults skip, a list asks", async () => {
    const { benchOptions } = await fromDist<typeof import('../src/commands/bench.js')>('commands/bench.js');
    const { parseOptions } = await fromDist<typeof import('../src/commands/options.js')>('commands/options.js');
    const ids = (o: unknown): unknown => parseOptions(benchOptions, o).methods;
    expect(ids({})).toMatchObject({ by: 'default' });
    expect(parseOptions(benchOptions, {}).methods.specs.map((m) => m.id)).toEqual([...api.BENCH_DEFAULT_METHODS]);
    expect(parseOptions(benchOptions, { methods: 'default' }).methods.specs.map((m) => m.id)).toEqual([...api.BENCH_DEFAULT_METHODS]);
    expect(ids({ methods: 'all' })).toMatchObject({ by: 'all' });
    expect(ids({ methods: ['rdtsc', 'rdtsc'] })).toMatchObject({ by: 'name', specs: [expect.objectContaining({ id: 'rdtsc' })] });
    expect(() => ids({ methods: 'some' })).toThrow(/must be a list of method names, 'all' or 'default', got 'some'/);
  });
});

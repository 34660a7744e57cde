// compare-recommend.test.ts: does compare recommend only what its evidence
// supports, whatever clocksources this machine has? The rules
// (src/runners/compare.ts recommend()) run on runs made by hand: figures of
// a KVM guest (test/fixtures/results.ts), no switching, no machine needed.
import { describe, expect, it } from 'vitest';
import type { MachineFacts } from '../src/probes/machine.js';
import type { MachineT } from '../src/results/common.js';
import type { ClocksourceRunT } from '../src/results/compare.js';
import type { FindingT } from '../src/results/common.js';
import { compareRows, recommend } from '../src/runners/compare.js';
import { benchResult, disturbance, machine, warpResult } from './fixtures/results.js';

/** ns/loop of the key clocks and the control (rdtscp) on one clocksource. */
interface Figures {
  monotonic: number;
  realtime: number;
  rdtscp?: number;
}

interface Turn {
  cs: string;
  figures: Figures;
  /** The warp check on this clocksource: held, failed, or not run. */
  warp?: 'held' | 'failed';
  stealPercent?: number;
  round?: number;
}

function run(t: Turn): ClocksourceRunT {
  const medians: Record<string, number> = { monotonic: t.figures.monotonic, realtime: t.figures.realtime, rdtscp: t.figures.rdtscp ?? 12 };
  const bench = benchResult(medians);
  return {
    clocksource: t.cs,
    round: t.round ?? 1,
    switched: null,
    clocksourceDuring: t.cs,
    bench: { ...bench, disturbance: { ...disturbance, stealPercent: t.stealPercent ?? 0.1 } },
    warp: t.warp === undefined ? null : warpResult(t.warp === 'failed'),
  };
}

function facts(over: Partial<MachineT> = {}): MachineFacts {
  return { machine: { ...machine, ...over }, cpuid: null, cpuinfo: { vendorId: null, modelName: null, flags: new Set() }, hypervisor: null };
}

/** The recommendation for these turns, the original clocksource first. */
function decide(turns: Turn[], original = turns[0]?.cs ?? 'tsc', over: Partial<MachineT> = {}) {
  const runs = turns.map(run);
  const findings: FindingT[] = [];
  const r = recommend(runs, compareRows(runs, ['monotonic', 'realtime', 'rdtscp']), facts(over), original, findings);
  return { ...r, codes: r.findings.map((f) => f.code), extra: findings.map((f) => f.code) };
}

const FAST = { monotonic: 20, realtime: 21 };
const SLOW = { monotonic: 40, realtime: 42 };

describe("compare's recommendation rules", () => {
  it('a clearly faster clocksource with good flags and a held warp check is recommended', () => {
    const r = decide([
      { cs: 'kvm-clock', figures: SLOW, warp: 'held' },
      { cs: 'tsc', figures: FAST, warp: 'held' },
    ]);
    expect(r).toMatchObject({ level: 'recommend', clocksource: 'tsc' });
    expect(r.codes).toEqual(['COMPARE_CLOCK', 'COMPARE_CLOCK']);
    expect(r.clocks.map((c) => [c.method, c.fastest, c.ratio, c.clear])).toEqual([
      ['monotonic', 'tsc', 2, true],
      ['realtime', 'tsc', 2, true],
    ]);
    expect(r.safety.find((s) => s.clocksource === 'tsc')?.safe).toBe(true);
  });

  it('says so when the winner is already the current clocksource', () => {
    const r = decide([
      { cs: 'tsc', figures: FAST, warp: 'held' },
      { cs: 'kvm-clock', figures: SLOW, warp: 'held' },
    ]);
    expect(r).toMatchObject({ level: 'recommend', clocksource: 'tsc' });
    expect(r.codes.at(-1)).toBe('COMPARE_ALREADY_CURRENT');
  });

  it('without a warp check the winner is only a lean, saying what is unknown', () => {
    const r = decide([
      { cs: 'kvm-clock', figures: SLOW },
      { cs: 'tsc', figures: FAST },
    ]);
    expect(r).toMatchObject({ level: 'lean', clocksource: 'tsc' });
    expect(r.findings.filter((f) => f.code === 'COMPARE_SAFETY_UNKNOWN').map((f) => f.args['fact'])).toEqual(['warp check']);
  });

  it('a faster clocksource on which a monotonic clock warped is not recommended', () => {
    const r = decide([
      { cs: 'kvm-clock', figures: SLOW, warp: 'held' },
      { cs: 'tsc', figures: FAST, warp: 'failed' },
    ]);
    expect(r).toMatchObject({ level: 'none', clocksource: null });
    expect(r.codes.at(-1)).toBe('COMPARE_UNSAFE');
    expect(String(r.findings.at(-1)?.args['evidence'])).toMatch(/^warp check \(went backwards across CPUs: monotonic\)$/);
  });

  it('tsc without constant_tsc is not recommended, however fast', () => {
    const r = decide(
      [
        { cs: 'kvm-clock', figures: SLOW, warp: 'held' },
        { cs: 'tsc', figures: FAST, warp: 'held' },
      ],
      'kvm-clock',
      { tscFlags: { ...machine.tscFlags, constant_tsc: false } },
    );
    expect(r.level).toBe('none');
    expect(r.codes.at(-1)).toBe('COMPARE_UNSAFE');
    expect(String(r.findings.at(-1)?.args['evidence'])).toMatch(/^constant_tsc /);
  });

  it('a faster kvm-clock needs the KVM stable bit', () => {
    const turns: Turn[] = [
      { cs: 'tsc', figures: SLOW, warp: 'held' },
      { cs: 'kvm-clock', figures: FAST, warp: 'held' },
    ];
    expect(decide(turns)).toMatchObject({ level: 'recommend', clocksource: 'kvm-clock' });
    const hypervisor = machine.hypervisor ? { ...machine.hypervisor, kvmFeatures: ['CLOCKSOURCE', 'CLOCKSOURCE2'] } : null;
    const r = decide(turns, 'tsc', { hypervisor });
    expect(r.level).toBe('none');
    expect(String(r.findings.at(-1)?.args['evidence'])).toMatch(/^KVM stable bit /);
  });

  it('one clocksource measured: nothing to compare', () => {
    const r = decide([{ cs: 'tsc', figures: FAST, warp: 'held' }]);
    expect(r).toMatchObject({ level: 'none', clocksource: null });
    expect(r.codes).toEqual(['COMPARE_ONE_CLOCKSOURCE']);
  });

  it('a key clock measured on one side only: no recommendation', () => {
    const runs = [run({ cs: 'kvm-clock', figures: SLOW, warp: 'held' }), run({ cs: 'tsc', figures: FAST, warp: 'held' })];
    const tsc = runs[1];
    if (!tsc) throw new Error('no tsc run');
    tsc.bench = { ...tsc.bench, methods: tsc.bench.methods.filter((m) => m.method !== 'realtime') };
    const r = recommend(runs, compareRows(runs, ['monotonic', 'realtime']), facts(), 'kvm-clock', []);
    expect(r.level).toBe('none');
    expect(r.findings.map((f) => f.code)).toEqual(['COMPARE_CLOCKS_UNMEASURED']);
    expect(r.findings[0]?.args['methods']).toBe('realtime');
  });

  it('the key clocks disagree on the winner: no recommendation', () => {
    const r = decide([
      { cs: 'kvm-clock', figures: { monotonic: 40, realtime: 20 }, warp: 'held' },
      { cs: 'tsc', figures: { monotonic: 20, realtime: 40 }, warp: 'held' },
    ]);
    expect(r.level).toBe('none');
    expect(r.codes.at(-1)).toBe('COMPARE_CLOCKS_DISAGREE');
  });

  it('figures within the noise are not a clear difference', () => {
    const r = decide([
      { cs: 'kvm-clock', figures: { monotonic: 30.5, realtime: 31 }, warp: 'held' },
      { cs: 'tsc', figures: { monotonic: 30, realtime: 30.5 }, warp: 'held' },
    ]);
    expect(r.level).toBe('none');
    expect(r.codes.at(-1)).toBe('COMPARE_NOT_CLEAR');
  });

  it('a control read (rdtscp) that moved between clocksources raises the bar a clock must clear', () => {
    // The clocks differ by 20%, but rdtscp, which never reads the clocksource, moved 30%.
    const r = decide([
      { cs: 'kvm-clock', figures: { monotonic: 36, realtime: 36, rdtscp: 13 }, warp: 'held' },
      { cs: 'tsc', figures: { monotonic: 30, realtime: 30, rdtscp: 10 }, warp: 'held' },
    ]);
    expect(r.level).toBe('none');
    expect(r.codes[0]).toBe('COMPARE_CONTROL_DRIFT');
    expect(r.findings[0]?.args).toMatchObject({ method: 'rdtscp' });
    expect(r.codes.at(-1)).toBe('COMPARE_NOT_CLEAR');
    expect(Number(r.findings.at(-1)?.args['minRatio'])).toBeCloseTo(1.3, 5);
  });

  it('steal past the limit during a run makes the winner a lean, and is a finding of the run', () => {
    const r = decide([
      { cs: 'kvm-clock', figures: SLOW, warp: 'held' },
      { cs: 'tsc', figures: FAST, warp: 'held', stealPercent: 12 },
    ]);
    expect(r).toMatchObject({ level: 'lean', clocksource: 'tsc' });
    expect(r.codes).toContain('COMPARE_STEAL_DISTURBED');
    expect(r.extra).toEqual(['COMPARE_STEAL']);
  });
});

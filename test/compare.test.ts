// compare.test.ts: does compare measure every clocksource it names, end on
// the one it started on, and recommend only what its evidence supports? The
// runners are stand-ins (test/helpers/fake-runners.ts) so each case switches
// for a few milliseconds; the switching itself is real.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultContext, readAvailable } from '../src/clocksource/sysfs.js';
import { compare as compareCommand } from '../src/commands/compare.js';
import { parseOptions } from '../src/commands/options.js';
import { findMethod, type MethodSpec } from '../src/methods.js';
import { loadBinding } from '../src/native/binding.js';
import { UsageError } from '../src/errors.js';
import { textReport } from '../src/reports/text/index.js';
import { CompareResult } from '../src/results/compare.js';
import { runCompare as measureCompare, type CompareRunOptions } from '../src/runners/compare.js';
import { phraseCompare } from '../src/findings/phrase.js';
import { current, fingerprint, putBack, tempStateDir } from './helpers/clocksource.js';
import { fakeBench, fakeWarp } from './helpers/fake-runners.js';
import { unmet } from './helpers/needs.js';

/** The runner, with the sentences the command adds. */
const runCompare = async (o: CompareRunOptions) => phraseCompare(await measureCompare(o));

const START = current();
const AVAILABLE = readAvailable(defaultContext());
const needSwitch = unmet({ root: true, clocksources: ['tsc', 'kvm-clock'] });

afterAll(() => {
  putBack(START);
  expect(current()).toBe(START);
});

const specs = (...ids: string[]): MethodSpec[] => ids.flatMap((id) => findMethod(id) ?? []);
/** The control read, which never reads the clocksource: RDTSCP where the CPU
 * offers it, else LFENCE;RDTSC (a guest whose CPUID hides RDTSCP). */
const CONTROL = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';
const WARP = { methods: specs('monotonic', CONTROL), cpus: [0, 1], durationSeconds: 0.1 };

function base(stateDir: string): CompareRunOptions {
  return {
    clocksources: null,
    currentOnly: false,
    methods: specs('monotonic', 'realtime', CONTROL),
    loops: 10_000,
    runs: 3,
    rounds: 1,
    cpu: 0,
    warp: null,
    switchContext: { stateDir },
  };
}

/** tsc twice as fast as kvm-clock, clearly. */
const tscFaster = (cs: string, method: string): number | null =>
  method === CONTROL ? 10 : cs === 'tsc' ? 20 : 40;

describe.skipIf(needSwitch)('compare on the real machine', () => {
  it('switches to each clocksource, measures there, and ends on the one it started on', async () => {
    const stateDir = tempStateDir();
    const seen: Array<string | null> = [];
    const r = await runCompare({ ...base(stateDir), runBench: fakeBench({ onStart: (cs) => seen.push(cs) }) });
    expect(() => CompareResult.parse(r)).not.toThrow();
    // The current one first (no switch), then the others.
    expect(seen).toEqual([START, ...AVAILABLE.filter((c) => c !== START)]);
    expect(r.runs.map((x) => x.clocksourceDuring)).toEqual(seen);
    expect(r.runs[0]?.switched).toBeNull();
    expect(r.switches.map((s) => s.to)).toEqual([...AVAILABLE.filter((c) => c !== START), START]);
    expect(r.restored).toBe(true);
    expect(r.disturbance.clocksourceAfter).toBe(START);
    expect(current()).toBe(START);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
    // Every method has a figure on every clocksource, and the ratio is to the first.
    for (const row of r.comparison) {
      for (const cs of AVAILABLE) expect(row.nsPerLoop[cs]).toBeGreaterThan(0);
      expect(row.ratio[START]).toBe(1);
    }
  });

  it('rounds run in ABBA order, pool their runs, switch no more than one round, and warp each clocksource once', async () => {
    const stateDir = tempStateDir();
    const other = AVAILABLE.find((c) => c !== START)!;
    const warped: Array<string> = [];
    const inner = fakeWarp();
    const r = await runCompare({
      ...base(stateDir),
      clocksources: [START, other],
      rounds: 3,
      warp: WARP,
      runBench: fakeBench({ fixed: tscFaster }),
      runWarp: async (o) => {
        warped.push(current());
        return inner(o);
      },
    });
    expect(r.runs.map((x) => `${x.round}:${x.clocksource}`)).toEqual([`1:${START}`, `1:${other}`, `2:${other}`, `2:${START}`, `3:${START}`, `3:${other}`]);
    expect(r.switches.map((x) => x.to)).toEqual([other, START, other, START]);
    expect(warped).toEqual([START, other]);
    expect(r.runs.filter((x) => x.warp !== null).map((x) => x.round)).toEqual([1, 1]);
    expect(r.options.rounds).toBe(3);
    // Pooled: the side-by-side median is over the 3 x 3 runs of each.
    expect(r.comparison.find((x) => x.method === 'monotonic')?.nsPerLoop).toEqual({ tsc: 20.02, 'kvm-clock': 40.04 });
    expect(r.recommendation).toMatchObject({ level: 'recommend', clocksource: 'tsc' });
    expect(r.recommendation.safety.map((s) => s.clocksource)).toEqual([START, other]);
    expect(current()).toBe(START);
  });

  it('restores when the bench throws mid-run (an uncaught error), and the error reaches the caller', async () => {
    const stateDir = tempStateDir();
    const other = AVAILABLE.find((c) => c !== START)!;
    const inner = fakeBench();
    const bench: CompareRunOptions['runBench'] = async (o) => {
      if (current() === other) throw new Error('bench blew up');
      return inner(o);
    };
    await expect(runCompare({ ...base(stateDir), runBench: bench })).rejects.toThrow('bench blew up');
    expect(current()).toBe(START);
    expect(existsSync(join(stateDir, 'clocksource.journal.json'))).toBe(false);
  });

  it('a clearly faster clocksource with good flags but no warp check is a lean, not a recommendation', async () => {
    const r = await runCompare({ ...base(tempStateDir()), runBench: fakeBench({ fixed: tscFaster }) });
    expect(r.recommendation.level).toBe('lean');
    expect(r.recommendation.clocksource).toBe('tsc');
    expect(r.recommendation.reasons.join('\n')).toMatch(/monotonic: tsc 20\.\d+ ns\/loop against kvm-clock 40\.\d+ ns\/loop \(kvm-clock 2\.00x \[2\.00, 2\.00\] slower\)/);
    expect(r.recommendation.reasons.join('\n')).toContain('warp check unknown (not run (add --warp))');
    const text = textReport(r);
    expect(text).toContain('is faster and safe on the evidence gathered, but the evidence is incomplete');
  });

  it('with --warp held everywhere it recommends the faster one, and the table shows the verdicts', async () => {
    const r = await runCompare({ ...base(tempStateDir()), warp: WARP, runBench: fakeBench({ fixed: tscFaster }), runWarp: fakeWarp() });
    expect(r.recommendation).toMatchObject({ level: 'recommend', clocksource: 'tsc' });
    const tsc = r.recommendation.safety.find((s) => s.clocksource === 'tsc');
    expect(tsc?.safe).toBe(true);
    expect(tsc?.evidence.map((e) => e.fact)).toEqual(['constant_tsc', 'nonstop_tsc', 'invariant TSC', 'tsc offered by the kernel', 'warp check']);
    const text = textReport(r);
    // The columns start with the clocksource the run started on.
    const other = AVAILABLE.find((c) => c !== START)!;
    expect(text).toMatch(new RegExp(`method\\s+│ ${START} ns/loop\\s+│ ${other} ns/loop\\s+│\\s+${other}/${START}\\s+│ warp ${START}\\s+│ warp ${other}`));
    // Every run of the stand-in bench is the same figure, so the interval is the ratio itself.
    const figures = START === 'tsc' ? '20\\.0\\d │\\s+40\\.\\d+ │\\s+2\\.00x \\[2\\.00, 2\\.00\\]' : '40\\.\\d+ │\\s+20\\.0\\d │\\s+0\\.50x \\[0\\.50, 0\\.50\\]';
    expect(text).toMatch(new RegExp(`│ monotonic\\s+│\\s+${figures} │ held\\s+│ held`));
    expect(text).toContain('[OK]   recommended clocksource: tsc');
    expect(text).toContain(`clocksource back on ${START}`);
  });

  it('a monotonic warp on the faster clocksource means no recommendation: it is not safe here', async () => {
    const warp = fakeWarp((cs, m) => (cs === 'tsc' && m === 'monotonic' ? 'failed' : 'held'));
    const r = await runCompare({ ...base(tempStateDir()), warp: WARP, runBench: fakeBench({ fixed: tscFaster }), runWarp: warp });
    expect(r.recommendation.level).toBe('none');
    expect(r.recommendation.clocksource).toBeNull();
    expect(r.recommendation.reasons.at(-1)).toMatch(/tsc is faster but not safe here: warp check \(went backwards across CPUs: monotonic\)/);
    expect(r.comparison.find((x) => x.method === 'monotonic')?.warp).toEqual({ tsc: 'failed', 'kvm-clock': 'held' });
  });

  it('figures within the noise are not enough evidence to recommend', async () => {
    const same = (cs: string): number => (cs === 'tsc' ? 30 : 30.5);
    const r = await runCompare({ ...base(tempStateDir()), warp: WARP, runBench: fakeBench({ fixed: same }), runWarp: fakeWarp() });
    expect(r.recommendation.level).toBe('none');
    expect(r.recommendation.reasons.at(-1)).toMatch(/not faster by a clear margin.*not enough evidence/);
    expect(textReport(r)).toContain('[WARN] no recommendation: the evidence is not enough');
  });

  it(`a clock difference smaller than the drift of a control read (${CONTROL}) is not evidence`, async () => {
    // kvm-clock 20% slower, but the control, which never reads the clocksource, moved 30%: the machine was noisy.
    const noisy = (cs: string, method: string): number => (method === CONTROL ? (cs === 'tsc' ? 10 : 13) : cs === 'tsc' ? 30 : 36);
    const r = await runCompare({ ...base(tempStateDir()), warp: WARP, runBench: fakeBench({ fixed: noisy }), runWarp: fakeWarp() });
    expect(r.recommendation.level).toBe('none');
    expect(r.recommendation.reasons[0]).toMatch(new RegExp(`${CONTROL}, which does not read the clocksource, differs by 30% between clocksources`));
    expect(r.recommendation.reasons.at(-1)).toMatch(/by 30% or more\): not enough evidence/);
  });

  it('--current-only measures the current clocksource without switching or journaling', async () => {
    const before = fingerprint();
    const stateDir = tempStateDir();
    const r = await runCompare({ ...base(stateDir), currentOnly: true, runBench: fakeBench() });
    expect(r.runs.map((x) => x.clocksource)).toEqual([START]);
    expect(r.switches).toEqual([]);
    expect(r.recommendation.level).toBe('none');
    expect(r.recommendation.reasons[0]).toContain(`only ${START} was measured`);
    expect(fingerprint()).toEqual(before);
    expect(existsSync(join(stateDir, 'clocksource.lock'))).toBe(false);
    await expect(runCompare({ ...base(stateDir), currentOnly: true, clocksources: ['kvm-clock', 'tsc'], runBench: fakeBench() })).rejects.toThrow(UsageError);
  });
});

describe('compare options, parsed by the command', () => {
  const parse = (o: Record<string, unknown>) => () => parseOptions(compareCommand.options, o);
  it('takes the defaults and a clocksource list', () => {
    const o = parse({ clocksources: ['tsc', 'kvm-clock'], loops: 1000, runs: 2 })();
    expect(o).toMatchObject({ clocksources: ['tsc', 'kvm-clock'], loops: 1000, runs: 2, rounds: 2, cpu: 0, warp: null, currentOnly: false });
    expect(o.methods.specs.map((m) => m.id)).toEqual(['monotonic', 'realtime', 'monotonic_raw', 'boottime', 'sys_monotonic', 'gettimeofday', 'rdtscp', 'lfence_rdtsc']);
    // Defaulted, so what this machine cannot run is skipped, not refused; named, refused.
    expect(o.methods.by).toBe('default');
    expect(parse({ methods: ['rdtscp'] })().methods.by).toBe('name');
    expect(parse({ warp: true })().warp).toMatchObject({ durationSeconds: 1 });
    expect(parse({ warp: true })().warp?.cpus).toBeUndefined();
    expect(parse({ warp: true })().warp?.methods.specs.map((m) => m.id)).toEqual(['monotonic', 'realtime', 'rdtscp', 'lfence_rdtsc']);
    expect(parse({ warp: true })().warp?.methods.by).toBe('default');
  });
  it('refuses bad numbers and methods with a UsageError naming the option', () => {
    expect(parse({ loops: 0 })).toThrow(UsageError);
    expect(parse({ runs: 2.5 })).toThrow(/runs must be a whole number from 1 to 1000, got 2.5/);
    expect(parse({ rounds: 0 })).toThrow(/rounds must be a whole number from 1 to 100/);
    expect(parse({ warp: { durationSeconds: -1 } })).toThrow(/warp\.durationSeconds must be a number of seconds/);
    expect(parse({ methods: ['monotonic', 'bogus'] })).toThrow(/unknown method 'bogus'/);
  });
});

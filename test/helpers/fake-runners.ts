// fake-runners.ts: stand-ins for the bench and warp runners so compare's
// switching, journaling and restoring can be tested quickly and on their own.
// The bench stand-in really times the native loop (so its figures follow the
// clocksource); the warp stand-in returns the verdict it is given.
import { setTimeout as sleep } from 'node:timers/promises';
import { nativeIndex } from '../../src/probes/native-method.js';
import { loadBinding } from '../../src/native/binding.js';
import { startDisturbance } from '../../src/probes/disturbance.js';
import { probeMachine } from '../../src/probes/machine.js';
import { readClocksources } from '../../src/probes/clocksource.js';
import type { BenchMethodResultT, BenchResultT } from '../../src/results/bench.js';
import type { WarpResultT, WarpVerdictT } from '../../src/results/warp.js';
import type { BenchRunner, WarpRunner } from '../../src/runners/compare.js';

export interface FakeBenchOptions {
  /** Pause after each timed loop, so a test can signal mid-run. */
  pauseMs?: number;
  /** Called with the clocksource read back when the bench starts. */
  onStart?: (clocksource: string | null) => void;
  /** Replace the measured median per (clocksource, method). */
  fixed?: (clocksource: string, method: string) => number | null;
}

export function fakeBench(opts: FakeBenchOptions = {}): BenchRunner {
  return async (o) => {
    const binding = o.binding ?? loadBinding();
    const cs = readClocksources().current;
    opts.onStart?.(cs);
    const dist = startDisturbance();
    const methods: BenchMethodResultT[] = [];
    for (const m of o.methods) {
      const idx = nativeIndex(binding, m.id);
      const runs = [];
      for (let r = 0; r < (o.runs ?? 1); r++) {
        const t = binding.timedLoop(idx, o.loops);
        let nsPerLoop = t.elapsedNs / o.loops;
        const fixed = cs ? opts.fixed?.(cs, m.id) : null;
        if (fixed !== null && fixed !== undefined) nsPerLoop = fixed * (1 + r * 0.001);
        runs.push({ elapsedNs: t.elapsedNs, nsPerLoop, tscDelta: String(t.tscDelta), cyclesPerLoop: Number(t.tscDelta) / o.loops });
        if (opts.pauseMs) await sleep(opts.pauseMs);
      }
      const ns = runs.map((x) => x.nsPerLoop).sort((a, b) => a - b);
      const med = ns[Math.floor(ns.length / 2)] ?? 0;
      methods.push({
        method: m.id,
        status: 'measured',
        loops: o.loops,
        runs,
        summary: {
          minNsPerLoop: ns[0] ?? 0,
          medianNsPerLoop: med,
          maxNsPerLoop: ns[ns.length - 1] ?? 0,
          spreadPercent: med > 0 ? (100 * ((ns[ns.length - 1] ?? 0) - (ns[0] ?? 0))) / med : 0,
          cyclesPerLoop: runs[0]?.cyclesPerLoop ?? 0,
          ratioToFastestClock: null,
        },
      });
    }
    const result: BenchResultT = {
      schema: 'clocklab/1',
      command: 'bench',
      startedAt: new Date().toISOString(),
      machine: probeMachine().machine,
      options: { methods: o.methods.map((m) => m.id), loops: o.loops, runs: o.runs, durationSeconds: o.durationSeconds, cpu: o.cpu ?? 0, warmup: o.warmup },
      methods,
      disturbance: dist.finish([o.cpu ?? 0]),
      findings: [],
    };
    return result;
  };
}

export function fakeWarp(verdictFor: (clocksource: string | null, method: string) => WarpVerdictT = () => 'held'): WarpRunner {
  return async (o) => {
    const cs = readClocksources().current;
    const dist = startDisturbance();
    const methods: WarpResultT['methods'] = o.methods.map((m) => ({
      method: m.id,
      status: 'measured',
      contract: m.contract,
      unit: m.unit === 'cycles' ? 'cycles' : 'ns',
      durationSeconds: o.durationSeconds,
      reads: 1000,
      readsPerSecond: 1000 / o.durationSeconds,
      readsPerCpu: (o.cpus ?? [0]).map((cpu) => ({ cpu, reads: 1000 })),
      warps: verdictFor(cs, m.id) === 'held' ? 0 : 1,
      largest: null,
      pairs: [],
      verdict: verdictFor(cs, m.id),
    }));
    return {
      schema: 'clocklab/1',
      command: 'warp',
      startedAt: new Date().toISOString(),
      machine: probeMachine().machine,
      options: { methods: o.methods.map((m) => m.id), cpus: [...(o.cpus ?? [0])], durationSeconds: o.durationSeconds, offsets: o.offsets, selfTest: false },
      methods,
      offsets: null,
      verdict: methods.some((m) => m.status === 'measured' && m.verdict === 'failed') ? 'failed' : 'held',
      disturbance: dist.finish([...(o.cpus ?? [0])]),
      findings: [],
    };
  };
}

// disturbance.ts: a record of what could disturb a measurement, taken around
// it: steal time, load before, the CPUs used, the clocksource read back.
import type { DisturbanceT } from '../results/common.js';
import { readClocksources } from './clocksource.js';
import { readLoadAverage, readSteal } from './procstat.js';
import { realSource, type Source } from './source.js';

export interface DisturbanceProbe {
  /** Ends the record; call after the measurement. */
  finish(cpus: readonly number[]): DisturbanceT;
}

export function startDisturbance(source: Source = realSource): DisturbanceProbe {
  const loadAverageBefore = readLoadAverage(source);
  const stealBefore = readSteal(source);
  const clocksourceBefore = readClocksources(source).current;
  const t0 = process.hrtime.bigint();
  return {
    finish(cpus) {
      const wallNs = Number(process.hrtime.bigint() - t0);
      const stealAfter = readSteal(source);
      const delta = (key: string): number => Math.max(0, (stealAfter.get(key) ?? 0) - (stealBefore.get(key) ?? 0));
      const stealNs = delta('all');
      const usedSteal = cpus.reduce((sum, c) => sum + delta(String(c)), 0);
      const stealPercent = wallNs > 0 && cpus.length > 0 ? (100 * usedSteal) / (wallNs * cpus.length) : 0;
      return {
        cpus: [...cpus],
        loadAverageBefore,
        stealNs,
        stealPercent: Math.round(stealPercent * 100) / 100,
        clocksourceBefore,
        clocksourceAfter: readClocksources(source).current,
      };
    },
  };
}

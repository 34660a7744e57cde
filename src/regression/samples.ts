// samples.ts (regression): which runs does the baseline regression check
// weigh, on each side, by key (the method; clocksource/method for compare)?
// Pools several stored reports into one baseline, and expresses every run in
// core cycles at the baseline's core clock when both sides recorded it. The
// decision over them is ./decide.ts; the statistics are src/stats/interval.ts.
import type { ReportResultT } from '../results/report.js';
import { median } from '../stats/interval.js';

/** The runs behind one side of a comparison: the median the tables quote
 * and the runs it was taken over, in strata (a plain bench: one; compare:
 * one per turn, a clocksource in one round). */
export interface Sample {
  /** The median of what is compared: ns/loop, or ns/loop at the baseline's
   * core clock when both sides recorded it (see samplesOf). */
  median: number;
  /** The median ns/loop as measured, which reports quote. */
  measuredMedian: number;
  /** The runs it is the median of, as measured, where known (to pool a
   * baseline's reports, or a bench's two blocks). */
  runs?: readonly GatedRun[];
  strata: number[][];
  /** The median share of its runs' wall time the bench thread was on the
   * CPU, %; null when the runs do not say (reports from before it was recorded). */
  onCpuPercent?: number | null;
}

/** What one bench run records that the gate reads. */
type GatedRun = { nsPerLoop: number; onCpuPercent?: number | undefined; coreGHz?: number | undefined };

/** A baseline as a list of stored results (one, or one a process). */
export function baselineList(b: ReportResultT | readonly ReportResultT[]): readonly ReportResultT[] {
  return Array.isArray(b) ? b : [b as ReportResultT];
}

/**
 * Several stored results of one command, each from a process of its own, as
 * one baseline: for each key, every result's runs, each result's a stratum,
 * and the median over all of them. A process can sit at a level of its own
 * for a method, every run alike (seen here: sys_monotonic 138 ns in all ten
 * runs of one bench, 127-131 in each of the next eleven, the core clock and
 * the on-CPU share the same): one process cannot show it, but of three, the
 * median over their runs lies with the two that agree.
 */
export function baselineSamples(bases: readonly ReportResultT[], referenceGHz: number | null): Map<string, Sample | null> {
  const each = bases.map((b) => samplesOf(b, referenceGHz));
  const keys = [...new Set(each.flatMap((m) => [...m.keys()]))];
  return new Map(
    keys.map((key): [string, Sample | null] => {
      const got = each.flatMap((m) => {
        const x = m.get(key);
        return x ? [x] : [];
      });
      if (got.length === 0) return [key, null];
      if (got.length === 1) return [key, got[0] ?? null];
      const strata = got.flatMap((x) => x.strata);
      const shares = got.map((x) => x.onCpuPercent);
      return [
        key,
        {
          median: median(strata.flat()),
          measuredMedian: median(got.flatMap((x) => x.runs?.map((r) => r.nsPerLoop) ?? [x.measuredMedian])),
          strata,
          onCpuPercent: shares.every((x): x is number => x !== null && x !== undefined) ? median(shares) : null,
        },
      ];
    }),
  );
}


/**
 * What a run costs in the gate's unit. With a reference clock (the
 * baseline's median core clock, GHz), ns/loop x this run's core clock / the
 * reference: the read in core cycles, expressed as ns at the baseline's
 * clock. The host moves a guest's core clock (turbo, power limits) and a
 * read's ns move with it; that is the machine, not the read. Without one,
 * ns/loop as measured.
 */
export function costOf(run: GatedRun, referenceGHz: number | null): number {
  return referenceGHz === null || run.coreGHz === undefined ? run.nsPerLoop : (run.nsPerLoop * run.coreGHz) / referenceGHz;
}

/** The median on-CPU share of bench runs, or null when any run lacks it. */
export function onCpuOf(runs: ReadonlyArray<{ onCpuPercent?: number | undefined }>): number | null {
  const xs = runs.map((r) => r.onCpuPercent);
  return xs.length > 0 && xs.every((x): x is number => x !== undefined) ? median(xs) : null;
}

/**
 * What the gate compares, by key (the method; clocksource/method for
 * compare). null: on this side but not measured (unsupported or failed).
 * Adding a command: one case returning its samples.
 */
export function samplesOf(r: ReportResultT, referenceGHz: number | null = null): Map<string, Sample | null> {
  const sample = (measuredMedian: number, strata: GatedRun[][]): Sample => {
    const costs = strata.map((runs) => runs.map((x) => costOf(x, referenceGHz)));
    return {
      median: referenceGHz === null ? measuredMedian : median(costs.flat()),
      measuredMedian,
      runs: strata.flat(),
      strata: costs,
      onCpuPercent: onCpuOf(strata.flat()),
    };
  };
  switch (r.command) {
    case 'bench':
      return new Map(r.methods.map((m): [string, Sample | null] => [m.method, m.status === 'measured' ? sample(m.summary.medianNsPerLoop, [m.runs]) : null]));
    case 'compare':
      // Keyed clocksource/method, on the medians pooled over every round;
      // each turn is a stratum, so a resample keeps the rounds' balance.
      return new Map(
        r.comparison.flatMap((row) =>
          Object.entries(row.nsPerLoop).map(([cs, v]): [string, Sample | null] => {
            if (v === null) return [`${cs}/${row.method}`, null];
            const measured = r.runs
              .filter((t) => t.clocksource === cs)
              .flatMap((t) => t.bench.methods.flatMap((m) => (m.method === row.method && m.status === 'measured' ? [m.runs] : [])));
            return [`${cs}/${row.method}`, sample(v, measured)];
          }),
        ),
      );
    case 'info':
    case 'warp':
    case 'check':
    case 'pvclock':
    case 'order':
    case 'tsc':
      return new Map();
  }
}

/** A second block of runs per method, measured to confirm a first that
 * looked regressed (bench's runs, as its result records them). */
export type Confirmations = ReadonlyMap<string, readonly GatedRun[]>;


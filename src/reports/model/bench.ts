// model/bench.ts: `clocklab bench` as a report model: timing_test's line for
// every run, ns/loop per method with the spread over runs, and the regression
// gate when --baseline was given.
import { coreClockOf } from '../../stats/core-clock.js';
import type { BenchMethodResultT, BenchResultT, BenchRunT } from '../../results/bench.js';
import {
  disturbanceParts,
  findingsSection,
  fmt,
  gateParts,
  machineSection,
  nsPerLoop,
  ratioWithInterval,
  tableOf,
  type Block,
  type Chart,
  type Column,
  type ModelBody,
  type Section,
} from './common.js';

/** The width method names are padded to in run lines. */
export function methodWidth(methods: readonly string[]): number {
  return Math.max(0, ...methods.map((m) => m.length));
}

/**
 * One run, as timing_test printed it, prefixed by the method:
 * `monotonic  10000000 loops in 0.63096s = 63.10 nsec / loop` (the part after
 * the method is printf's "%d loops in %.5fs = %.2f nsec / loop").
 */
export function formatRunLine(method: string, loops: number, run: BenchRunT, width = method.length): string {
  return `${method.padEnd(width)}  ${loops} loops in ${(run.elapsedNs / 1e9).toFixed(5)}s = ${run.nsPerLoop.toFixed(2)} nsec / loop`;
}

/** Every run's line, in run order, padded to every method asked for, as the
 * CLI pads the lines it prints as runs finish. */
export function runLines(r: BenchResultT): string[] {
  const width = methodWidth(r.options.methods);
  return r.methods.flatMap((m) => (m.status === 'measured' ? m.runs.map((run) => formatRunLine(m.method, m.loops, run, width)) : []));
}

type Summary = Extract<BenchMethodResultT, { status: 'measured' }>['summary'];

/** A figure of a measured method; '-' for one that was not. */
const figure =
  (f: (s: Summary) => string) =>
  (m: BenchMethodResultT): string =>
    m.status === 'measured' ? f(m.summary) : '-';

const BENCH_COLUMNS: ReadonlyArray<Column<BenchMethodResultT>> = [
  { head: 'method', cell: (m) => m.method },
  { head: 'median ns/loop', numeric: true, cell: figure((s) => nsPerLoop(s.medianNsPerLoop)) },
  { head: 'min', numeric: true, cell: figure((s) => nsPerLoop(s.minNsPerLoop)) },
  { head: 'max', numeric: true, cell: figure((s) => nsPerLoop(s.maxNsPerLoop)) },
  { head: 'spread %', numeric: true, cell: figure((s) => s.spreadPercent.toFixed(1)) },
  { head: 'cycles/loop', numeric: true, cell: figure((s) => s.cyclesPerLoop.toFixed(1)) },
  {
    head: 'x fastest clock',
    numeric: true,
    // A method that was not measured says so here; its reason is the line under the table.
    cell: (m) =>
      m.status !== 'measured' ? m.status : m.summary.ratioToFastestClock === null ? '-' : ratioWithInterval(m.summary.ratioToFastestClock, m.summary.ratioToFastestClockInterval),
  },
];

/** The name of the method the ratios are taken against, if any. */
export function ratioBase(r: BenchResultT): string | null {
  const base = r.methods.find((m) => m.status === 'measured' && m.summary.ratioToFastestClock === 1);
  return base ? base.method : null;
}

/** What a bench ran, its table, what the ratios are against and what was
 * skipped: the bench report, and each clocksource's turn in compare's. */
export function benchBlocks(r: BenchResultT): Block[] {
  const o = r.options;
  const runs = o.runs !== null ? `${o.runs} runs` : `runs for ${o.durationSeconds} s per method`;
  const base = ratioBase(r);
  const clock = coreClockOf(r);
  const ratio = base
    ? `ratio: median ns/loop over that of ${base}, the fastest ${base.endsWith('_coarse') ? '' : 'fine-resolution '}clock_gettime method in this run, with its 95% interval over the runs`
    : 'ratio: no clock_gettime method was measured, so no ratios';
  return [
    { kind: 'note', text: `${o.loops} loops x ${runs}${o.warmup ? ' (after a warm-up run)' : ''}, on CPU ${o.cpu}${clock === null ? '' : ` (core clock ${clock.toFixed(2)} GHz)`}, clocksource ${r.disturbance.clocksourceAfter ?? 'unknown'}` },
    { kind: 'table', table: tableOf(BENCH_COLUMNS, r.methods) },
    { kind: 'note', text: { text: ratio, tone: 'dim' } },
    { kind: 'status', items: r.methods.flatMap((m) => (m.status !== 'measured' ? [{ status: 'skip' as const, name: m.method, text: m.reason }] : [])) },
  ];
}

/** `x` as a percentage of `of`, to 0.1. */
const pct = (x: number, of: number): number => Math.round((x / of) * 1000) / 10;

export function benchModel(r: BenchResultT): ModelBody {
  const measured = r.methods.flatMap((m) => (m.status === 'measured' ? [m] : []));
  const gate = gateParts(r.gate, 'bench');
  const dist = disturbanceParts(r.disturbance);
  const sections: Section[] = [
    // Long for many runs, and every figure is in the table: summary.md leaves them to report.html.
    { id: 'runs', title: 'Runs', skip: ['markdown'], blocks: [{ kind: 'lines', lines: runLines(r) }] },
    { title: 'ns/loop per method', blocks: benchBlocks(r) },
    ...gate.sections,
    machineSection(r.machine),
    dist.section,
    ...findingsSection(r.findings),
  ];

  const labels = measured.map((m) => m.method);
  const charts: Chart[] = [
    {
      title: 'Median ns/loop per method',
      kind: 'bar',
      labels,
      series: [{ name: 'median', values: measured.map((m) => m.summary.medianNsPerLoop) }],
      unit: 'ns/loop',
      logScale: true,
    },
    {
      // Relative to each method's median, so a 5% spread is as visible on a
      // 10 ns read as on a 400 ns system call.
      title: 'Spread over runs: min to max, as % of the median',
      kind: 'range',
      labels,
      series: [
        { name: 'min', values: measured.map((m) => pct(m.summary.minNsPerLoop, m.summary.medianNsPerLoop)) },
        { name: 'median', values: measured.map(() => 100) },
        { name: 'max', values: measured.map((m) => pct(m.summary.maxNsPerLoop, m.summary.medianNsPerLoop)) },
      ],
      unit: '% of median',
    },
  ];
  if (r.gate) {
    const compared = r.gate.comparisons.filter((c) => c.baselineMedianNsPerLoop !== null && c.medianNsPerLoop !== null);
    charts.push({
      title: 'Median ns/loop against the baseline',
      kind: 'grouped-bar',
      labels: compared.map((c) => c.key),
      series: [
        { name: 'baseline', values: compared.map((c) => c.baselineMedianNsPerLoop) },
        { name: 'this run', values: compared.map((c) => c.medianNsPerLoop) },
      ],
      unit: 'ns/loop',
      logScale: true,
    });
  }

  const fastest = [...measured].sort((a, b) => a.summary.medianNsPerLoop - b.summary.medianNsPerLoop)[0];
  const regressed = r.gate?.comparisons.filter((c) => c.status === 'regressed').map((c) => c.key) ?? [];
  const headline = [
    `${measured.length} of ${r.methods.length} methods measured`,
    fastest ? `fastest ${fastest.method} at ${fmt(fastest.summary.medianNsPerLoop)} ns/loop` : null,
    r.gate ? (regressed.length > 0 ? `regressed past ${r.gate.thresholdPercent}%: ${regressed.join(', ')}` : `no regression past ${r.gate.thresholdPercent}%`) : null,
  ]
    .filter((x) => x !== null)
    .join('; ');
  return {
    title: 'clocklab bench',
    command: 'bench',
    // Without a baseline bench measures and judges nothing.
    headline: `${headline}.`,
    startedAt: r.startedAt,
    warnings: [...gate.warnings, ...dist.warnings],
    sections,
    charts,
    checks: gate.checks,
  };
}

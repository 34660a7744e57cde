// model/bench.ts: `clocklab bench` as a report model: ns/loop per method,
// the spread over runs, and the regression gate when --baseline was given.
import type { BenchResultT } from '../../results/bench.js';
import {
  disturbanceParts,
  findingsSection,
  fmt,
  gateParts,
  machineSection,
  type Chart,
  type ReportModel,
  type Section,
} from './common.js';

/** `x` as a percentage of `of`, to 0.1. */
const pct = (x: number, of: number): number => Math.round((x / of) * 1000) / 10;

export function benchModel(r: BenchResultT): ReportModel {
  const measured = r.methods.flatMap((m) => (m.status === 'measured' ? [m] : []));
  const rows = r.methods.map((m) =>
    m.status === 'measured'
      ? [
          m.method,
          'measured',
          String(m.loops),
          String(m.runs.length),
          fmt(m.summary.minNsPerLoop),
          fmt(m.summary.medianNsPerLoop),
          fmt(m.summary.maxNsPerLoop),
          `${m.summary.spreadPercent.toFixed(1)}%`,
          fmt(m.summary.cyclesPerLoop, 1),
          m.summary.ratioToFastestClock === null ? '-' : `${m.summary.ratioToFastestClock.toFixed(2)}x`,
        ]
      : [m.method, m.status, '-', '-', '-', '-', '-', '-', '-', m.reason],
  );
  const gate = gateParts(r.gate, 'bench');
  const dist = disturbanceParts(r.disturbance);
  const sections: Section[] = [
    {
      title: 'ns/loop per method',
      text: 'Each run times the method in a native loop; min, median and max are over runs; spread is (max - min) / median.',
      table: {
        head: ['method', 'status', 'loops', 'runs', 'min ns/loop', 'median ns/loop', 'max ns/loop', 'spread', 'cycles/loop', 'vs fastest clock'],
        rows,
        numeric: [false, false, true, true, true, true, true, true, true, true],
      },
    },
    ...gate.sections,
    machineSection(r.machine, r.startedAt),
    dist.section,
  ];
  const findings = findingsSection(r.findings);
  if (findings) sections.push(findings);

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
    verdict: r.gate ? r.gate.verdict : 'info',
    headline: `${headline}.`,
    startedAt: r.startedAt,
    warnings: [...gate.warnings, ...dist.warnings],
    sections,
    charts,
    checks: gate.checks,
  };
}

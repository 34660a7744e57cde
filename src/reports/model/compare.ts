// model/compare.ts: `clocklab compare` as a report model: each clocksource
// side by side (ns/loop, spread, warps), the recommendation with its
// evidence, one check per clocksource and warp-checked method, and the
// regression gate when --baseline was given.
import type { CompareResultT } from '../../results/compare.js';
import { disturbanceParts, findingsSection, fmt, gateParts, machineSection, verdictOf, type Chart, type ReportModel, type Section } from './common.js';
import { warpChecks, warpPairChart } from './warp.js';

export function compareModel(r: CompareResultT): ReportModel {
  // One entry per clocksource: with --rounds a clocksource has a turn per round.
  const sources = [...new Set(r.runs.map((x) => x.clocksource))];
  const warpChecksAll = r.runs.flatMap((x) => (x.warp ? warpChecks(x.warp, `${x.clocksource}: `, 'clocklab.compare.warp') : []));
  const gate = gateParts(r.gate, 'compare');
  const checks = [...warpChecksAll, ...gate.checks];
  const dist = disturbanceParts(r.disturbance);

  const pctOrDash = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${v.toFixed(1)}%`);
  const ratio = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${v.toFixed(2)}x`);
  const sections: Section[] = [
    {
      title: 'ns/loop per clocksource',
      text: `Median ns/loop over ${r.options.runs} runs x ${r.options.rounds} rounds (ABBA) of ${r.options.loops} loops on CPU ${r.options.cpu}; ratio against ${sources[0] ?? 'the first clocksource'}.`,
      table: {
        head: ['method', ...sources.map((s) => `${s} ns/loop`), ...sources.slice(1).map((s) => `${s} ratio`), ...sources.map((s) => `${s} spread`), 'fastest', ...(r.options.warp ? sources.map((s) => `${s} warp`) : [])],
        rows: r.comparison.map((row) => [
          row.method,
          ...sources.map((s) => fmt(row.nsPerLoop[s])),
          ...sources.slice(1).map((s) => ratio(row.ratio[s])),
          ...sources.map((s) => pctOrDash(row.spreadPercent[s])),
          row.fastest ?? '-',
          ...(r.options.warp ? sources.map((s) => row.warp[s] ?? '-') : []),
        ]),
        numeric: [false, ...sources.map(() => true), ...sources.slice(1).map(() => true), ...sources.map(() => true), false, ...(r.options.warp ? sources.map(() => false) : [])],
      },
    },
    {
      title: `Recommendation: ${r.recommendation.level === 'none' ? 'none' : `${r.recommendation.level} ${r.recommendation.clocksource ?? ''}`}`,
      text: r.recommendation.reasons.map((s) => (/[.!?]$/.test(s) ? s : `${s}.`)).join(' '),
      table: {
        head: ['clocksource', 'safe', 'evidence'],
        rows: r.recommendation.safety.map((s) => [
          s.clocksource,
          s.safe === null ? 'unknown' : s.safe ? 'yes' : 'no',
          s.evidence.map((e) => `${e.ok === null ? '?' : e.ok ? 'ok' : 'NO'} ${e.fact}: ${e.detail}`).join('\n'),
        ]),
      },
    },
    ...gate.sections,
    {
      title: 'Clocksource switches',
      text: r.restored ? `Restored to ${r.originalClocksource}.` : `NOT restored to ${r.originalClocksource}.`,
      table: { head: ['from', 'to', 'write ms', 'at'], rows: r.switches.map((s) => [s.from, s.to, fmt(s.writeMs), s.at]), numeric: [false, false, true, false] },
    },
    machineSection(r.machine, r.startedAt),
    dist.section,
  ];
  const findings = findingsSection(r.findings);
  if (findings) sections.push(findings);

  const methods = r.comparison.map((row) => row.method);
  const charts: Chart[] = [
    {
      title: 'Median ns/loop per method, clocksources side by side',
      kind: 'grouped-bar',
      labels: methods,
      series: sources.map((s) => ({ name: s, values: r.comparison.map((row) => row.nsPerLoop[s] ?? null) })),
      unit: 'ns/loop',
      logScale: true,
    },
    {
      title: 'Spread over runs, (max - min) / median',
      kind: 'grouped-bar',
      labels: methods,
      series: sources.map((s) => ({ name: s, values: r.comparison.map((row) => row.spreadPercent[s] ?? null) })),
      unit: '% of median',
    },
  ];
  const pairs = warpPairChart(r.runs.flatMap((x) => (x.warp ? [{ prefix: `${x.clocksource}: `, result: x.warp }] : [])), true);
  if (pairs) charts.push(pairs);

  const warnings = [...gate.warnings, ...dist.warnings];
  if (!r.restored) warnings.unshift(`the clocksource was not restored to ${r.originalClocksource}: run \`clocklab restore\``);
  const rec = r.recommendation;
  const headline = `${sources.join(' vs ')}: ${rec.level === 'none' ? 'no recommendation' : `${rec.level} ${rec.clocksource ?? ''}`}${rec.reasons[0] ? `. ${rec.reasons[0]}` : ''}`;
  const verdict = verdictOf(checks);
  return {
    title: 'clocklab compare',
    command: 'compare',
    verdict: !r.restored ? 'failed' : verdict,
    headline,
    startedAt: r.startedAt,
    warnings,
    sections,
    charts,
    checks,
  };
}

// model/compare.ts: `clocklab compare` as a report model: each clocksource's
// turn (its bench table and warp lines), every clocksource side by side with
// ratios and warp verdicts, the recommendation with its evidence, one check
// per clocksource and warp-checked method, and the regression gate when
// --baseline was given.
import type { ClocksourceRunT, CompareResultT, CompareRowT } from '../../results/compare.js';
import type { WarpVerdictT } from '../../results/warp.js';
import { benchBlocks } from './bench.js';
import {
  disturbanceBlock,
  disturbanceParts,
  findingsSection,
  gateParts,
  machineSection,
  nsPerLoop,
  ratioWithInterval,
  tableOf,

  type Chart,
  type Column,
  type ModelBody,
  type Section,
  type Span,
  type StatusItem,
  type Text,
} from './common.js';
import { warpChecks, warpPairChart, warpStatusBlock } from './warp.js';

/** One clocksource's turn: how it got there, its bench, its warp lines. */
function runSection(run: ClocksourceRunT): Section {
  const how = run.switched ? `switched from ${run.switched.from} in ${run.switched.writeMs.toFixed(2)} ms` : 'already current, not switched';
  return {
    title: `${run.clocksource}, round ${run.round} (${how}; read back after: ${run.clocksourceDuring})`,
    textTitle: true,
    // summary.md is the side-by-side table; every turn is in report.html.
    skip: ['markdown'],
    blocks: [
      ...benchBlocks(run.bench),
      disturbanceBlock(run.bench.disturbance),
      ...(run.warp ? [{ kind: 'note' as const, text: `warp: ${run.warp.verdict}` }, warpStatusBlock(run.warp)] : []),
    ],
  };
}

const verdictCell = (v: WarpVerdictT | null | undefined): Text =>
  v === null || v === undefined ? '-' : { text: v, tone: v === 'held' ? 'ok' : v === 'failed' ? 'bad' : 'warn' };

/** Method, ns/loop on each clocksource, each one's ratio to the first, and
 * with --warp each one's warp verdict. */
function sideBySideColumns(sources: readonly string[], warp: boolean): Array<Column<CompareRowT>> {
  const base = sources[0] ?? '';
  return [
    { head: 'method', cell: (row) => row.method },
    ...sources.map((s): Column<CompareRowT> => ({ head: `${s} ns/loop`, numeric: true, cell: (row) => nsPerLoop(row.nsPerLoop[s]) })),
    ...sources.slice(1).map(
      (s): Column<CompareRowT> => ({
        head: `${s}/${base}`,
        numeric: true,
        cell: (row) => {
          const ratio = row.ratio[s];
          return ratio === null || ratio === undefined ? '-' : ratioWithInterval(ratio, row.ratioInterval?.[s]);
        },
      }),
    ),
    ...(warp ? sources.map((s): Column<CompareRowT> => ({ head: `warp ${s}`, cell: (row) => verdictCell(row.warp[s]) })) : []),
  ];
}

export function compareModel(r: CompareResultT): ModelBody {
  // One entry per clocksource: with --rounds a clocksource has a turn per round.
  const sources = [...new Set(r.runs.map((x) => x.clocksource))];
  const o = r.options;
  const warpChecksAll = r.runs.flatMap((x) => (x.warp ? warpChecks(x.warp, `${x.clocksource}: `, 'clocklab.compare.warp') : []));
  const gate = gateParts(r.gate, 'compare');
  const checks = [...warpChecksAll, ...gate.checks];
  const dist = disturbanceParts(r.disturbance);

  const rec = r.recommendation;
  const strong = (s: string | null): Span => ({ text: s ?? '', tone: 'strong' });
  const recommendation: StatusItem = {
    ...(rec.level === 'recommend'
      ? { status: 'ok', text: ['recommended clocksource: ', strong(rec.clocksource)] }
      : rec.level === 'lean'
        ? { status: 'info', text: [strong(rec.clocksource), ' is faster and safe on the evidence gathered, but the evidence is incomplete'] }
        : { status: 'warn', text: 'no recommendation: the evidence is not enough' }),
    details: [
      ...rec.reasons,
      ...rec.safety.map((s) => {
        const facts = s.evidence.map((e) => `${e.fact} ${e.ok === null ? 'not measured' : e.ok ? 'yes' : 'NO'}`).join(', ');
        return `${s.clocksource}: ${s.safe === null ? 'unknown' : s.safe ? 'safe' : 'NOT safe'} here (${facts})`;
      }),
    ],
  };
  const restored: StatusItem = o.currentOnly
    ? { status: 'ok', text: `measured on ${r.originalClocksource} without switching (--current-only)` }
    : r.restored
      ? { status: 'ok', text: `clocksource back on ${r.originalClocksource} (${r.switches.length} confirmed switch${r.switches.length === 1 ? '' : 'es'}, settle wait ${r.settle.waitMs} ms)` }
      : { status: 'fail', text: `clocksource NOT back on ${r.originalClocksource}` };
  type Switch = CompareResultT['switches'][number];
  const switchColumns: ReadonlyArray<Column<Switch>> = [
    { head: 'from', cell: (s) => s.from },
    { head: 'to', cell: (s) => s.to },
    { head: 'write ms', numeric: true, cell: (s) => s.writeMs.toFixed(2) },
    { head: 'at', cell: (s) => s.at },
  ];

  const sections: Section[] = [
    {
      blocks: [
        {
          kind: 'note',
          text:
            `clocksources ${sources.join(', ')}; started on ${r.originalClocksource}; ${o.loops} loops x ${o.runs} runs x ${o.rounds} round${o.rounds === 1 ? '' : 's'} (ABBA) on CPU ${o.cpu}` +
            (o.warp ? `; warp ${o.warpDurationSeconds} s on CPUs ${o.warpCpus.join(',')}` : ''),
        },
      ],
    },
    ...r.runs.map(runSection),
  ];
  if (sources.length > 1) {
    sections.push({
      title: `Side by side: median ns/loop over ${o.runs * o.rounds} runs each`,
      textTitle: true,
      blocks: [{ kind: 'table', table: tableOf(sideBySideColumns(sources, o.warp), r.comparison) }],
    });
  }
  sections.push(
    { title: 'Clocksource recommendation', textTitle: true, blocks: [{ kind: 'status', items: [recommendation] }] },
    ...gate.sections,
    {
      title: 'Clocksource switches',
      blocks: [
        { kind: 'status', items: [restored] },
        { kind: 'table', table: tableOf(switchColumns, r.switches), skip: ['text'] },
      ],
    },
    machineSection(r.machine),
    // The terminal has each turn's disturbance line.
    { ...dist.section, skip: ['text'] },
    ...findingsSection(r.findings),
  );

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
  const headline = `${sources.join(' vs ')}: ${rec.level === 'none' ? 'no recommendation' : `${rec.level} ${rec.clocksource ?? ''}`}${rec.reasons[0] ? `. ${rec.reasons[0]}` : ''}`;
  return {
    title: 'clocklab compare',
    command: 'compare',
    headline,
    startedAt: r.startedAt,
    warnings,
    sections,
    charts,
    checks,
  };
}

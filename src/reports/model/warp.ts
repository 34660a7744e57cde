// model/warp.ts: `clocklab warp` as a report model: a line and a check per
// method, the warps per method and per CPU pair, the TSC offsets and the
// self-test.
import type { WarpMethodResultT, WarpResultT, TscOffsetT } from '../../results/warp.js';
import {
  count,
  disturbanceParts,
  findingsSection,
  fmt,
  machineSection,
  tableOf,
  type Block,
  type Chart,
  type Check,
  type Column,
  type ModelBody,
  type Section,
  type StatusItem,
} from './common.js';

type Measured = Extract<WarpMethodResultT, { status: 'measured' }>;

/** ns to 3 significant figures or so, with separators past 1000. */
const ns = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n < 1000 ? n.toFixed(1) : count(n)) : '?');

/** A warp's size in the method's unit, and in ns for TSC reads. */
function amount(m: Measured, amountText: string, amountNs: number): string {
  return m.unit === 'cycles' ? `${amountText} cycles (${ns(amountNs)} ns)` : `${ns(amountNs)} ns`;
}

/** A step in the method's unit, with ns for TSC reads. */
function step(m: Measured, n: number, nsValue: number): string {
  return m.unit === 'cycles' ? `${count(n)} cycle${n === 1 ? '' : 's'} (${ns(nsValue)} ns)` : `${ns(nsValue)} ns`;
}

/** What the run could not have seen, for a method's line:
 * `no warp in 41,234,560 hand-offs (rate < 7.3e-8 at 95%); steps shorter than 71 ns could not be seen`. */
export function detectionText(m: Measured): string {
  const d = m.detection;
  if (m.handoffs === undefined) return '';
  if (!d) return m.handoffs === 0 ? 'no cross-CPU hand-off, so no warp between CPUs could be seen' : `${count(m.handoffs)} cross-CPU hand-offs, none forward: no detection limit`;
  const rate = d.rateBound !== null ? `no warp in ${count(m.handoffs)} hand-offs (rate < ${d.rateBound.toExponential(1)} at 95%)` : `${count(m.handoffs)} hand-offs`;
  return `${rate}; steps shorter than ${step(m, d.smallestStep, d.smallestStepNs)} could not be seen (median hand-over ${step(m, d.medianHandOver, d.medianHandOverNs)})`;
}

/** The line a person pastes: `[FAIL] rdtscp  cpu 1 -> cpu 0: 1843 cycles backwards (before ..., after ...)`. */
export function warpStatus(m: WarpMethodResultT): StatusItem {
  if (m.status !== 'measured') return { status: 'skip', name: m.method, text: m.reason };
  const status = m.contract === 'self-test' ? 'info' : m.verdict === 'held' ? 'ok' : m.verdict === 'failed' ? 'fail' : 'warn';
  const l = m.largest;
  if (!l) {
    const cpus = `${m.readsPerCpu.length} CPU${m.readsPerCpu.length === 1 ? '' : 's'}`;
    const base = `no warp in ${count(m.reads)} reads on ${cpus} over ${m.durationSeconds.toFixed(1)} s (${count(m.readsPerSecond)} reads/s)`;
    const limit = detectionText(m);
    return { status, name: m.method, text: limit === '' ? base : `${base}; held: ${limit}` };
  }
  const limit = detectionText(m);
  return {
    status,
    name: m.method,
    text: `cpu ${l.fromCpu} -> cpu ${l.toCpu}: ${amount(m, l.amount, l.amountNs)} backwards (before ${l.before}, after ${l.after}); ${count(m.warps)} warps in ${count(m.reads)} reads${limit === '' ? '' : `; ${limit}`}`,
  };
}

/** Every method's line. summary.md and report.html carry the same as checks. */
export function warpStatusBlock(r: WarpResultT): Block {
  return { kind: 'status', items: r.methods.map(warpStatus), skip: ['markdown', 'html'] };
}

const WARP_COLUMNS: ReadonlyArray<Column<Measured>> = [
  { head: 'method', cell: (m) => m.method },
  { head: 'contract', cell: (m) => m.contract },
  { head: 'reads', numeric: true, cell: (m) => count(m.reads) },
  { head: 'reads/s', numeric: true, cell: (m) => count(m.readsPerSecond) },
  { head: 'reads per CPU', cell: (m) => m.readsPerCpu.map((c) => `${c.cpu}: ${count(c.reads)}`).join(', ') },
  { head: 'hand-offs/s', numeric: true, cell: (m) => (m.handoffsPerSecond === undefined ? '-' : count(m.handoffsPerSecond)) },
  { head: 'warps', numeric: true, cell: (m) => count(m.warps) },
  { head: 'can see', numeric: true, cell: (m) => (m.detection ? `>= ${step(m, m.detection.smallestStep, m.detection.smallestStepNs)}` : '-') },
  { head: 'largest warp', numeric: true, cell: (m) => (m.largest ? amount(m, m.largest.amount, m.largest.amountNs) : '-') },
  { head: 'CPU pair', cell: (m) => (m.largest ? `${m.largest.fromCpu} -> ${m.largest.toCpu}` : '-') },
  // FAILED in capitals: a failure must stand out without colour too.
  { head: 'verdict', cell: (m) => (m.verdict === 'held' ? { text: 'held', tone: 'ok' } : m.verdict === 'failed' ? { text: 'FAILED', tone: 'bad' } : { text: 'finding', tone: 'warn' }) },
];

type Pair = { m: Measured; pair: Measured['pairs'][number] };

const PAIR_COLUMNS: ReadonlyArray<Column<Pair>> = [
  { head: 'method', cell: (p) => p.m.method },
  { head: 'CPU pair', cell: (p) => `${p.pair.fromCpu} -> ${p.pair.toCpu}` },
  { head: 'warps', numeric: true, cell: (p) => count(p.pair.warps) },
  { head: 'largest', numeric: true, cell: (p) => `${p.pair.largest} ${p.m.unit}` },
];

type Handoff = { m: Measured; h: NonNullable<Measured['handoffMatrix']>[number] };

const HANDOFF_COLUMNS: ReadonlyArray<Column<Handoff>> = [
  { head: 'method', cell: (p) => p.m.method },
  { head: 'CPU pair', cell: (p) => `${p.h.fromCpu} -> ${p.h.toCpu}` },
  { head: 'hand-offs', numeric: true, cell: (p) => (p.h.handoffs === 0 ? { text: '0', tone: 'warn' } : count(p.h.handoffs)) },
  { head: 'smallest step', numeric: true, cell: (p) => (p.h.smallestStep === null ? '-' : `${count(p.h.smallestStep)} ${p.m.unit}`) },
];

/** Beyond this many ordered pairs the terminal lists only pairs never compared. */
const MAX_PAIRS_LISTED = 12;

const OFFSET_COLUMNS: ReadonlyArray<Column<TscOffsetT>> = [
  { head: 'CPU A', numeric: true, cell: (o) => String(o.cpuA) },
  { head: 'CPU B', numeric: true, cell: (o) => String(o.cpuB) },
  { head: 'offset (cycles)', numeric: true, cell: (o) => o.offsetCycles.toFixed(1) },
  { head: 'error (± cycles)', numeric: true, cell: (o) => o.errorCycles.toFixed(1) },
  { head: 'round trips', numeric: true, cell: (o) => count(o.samples) },
];

/** The table of every measured method (none measured: no table). */
export function warpTableBlock(r: WarpResultT): Block {
  const measured = r.methods.filter((m): m is Measured => m.status === 'measured');
  // A result stored before hand-offs were counted keeps the table it had.
  const counted = measured.some((m) => m.handoffs !== undefined);
  const columns = counted ? WARP_COLUMNS : WARP_COLUMNS.filter((c) => !HANDOFF_HEADS.includes(c.head));
  return { kind: 'table', table: tableOf(columns, measured) };
}

const HANDOFF_HEADS: readonly string[] = ['hand-offs/s', 'can see'];

/** Beyond this many ordered CPU pairs the chart shows only pairs that warped. */
const MAX_PAIRS_CHARTED = 56;

/** One check per method of a warp run; `prefix` names the clocksource in
 * compare (`tsc: warp monotonic`). */
export function warpChecks(r: WarpResultT, prefix = '', classname = 'clocklab.warp'): Check[] {
  return r.methods.map((m): Check => {
    const name = `${prefix}warp ${m.method}`;
    if (m.status !== 'measured') {
      return { name, classname, status: 'skipped', message: `${m.method} ${m.status}: ${m.reason}`, details: m.reason };
    }
    const limit = detectionText(m);
    const figures = `${m.reads} reads on CPUs ${m.readsPerCpu.map((c) => c.cpu).join(',')} in ${m.durationSeconds.toFixed(1)} s, ${m.warps} warps${limit === '' ? '' : `; ${limit}`}`;
    const largest = m.largest
      ? `largest ${m.largest.amount} ${m.unit}${m.unit === 'ns' ? '' : ` (${fmt(m.largest.amountNs)} ns)`} cpu ${m.largest.fromCpu} -> cpu ${m.largest.toCpu}: ${m.largest.before} then ${m.largest.after}`
      : '';
    const details = [
      `contract: ${m.contract}`,
      figures,
      largest,
      ...m.pairs.map((p) => `cpu ${p.fromCpu} -> cpu ${p.toCpu}: ${p.warps} warps, largest ${p.largest} ${m.unit}`),
    ]
      .filter((s) => s !== '')
      .join('\n');
    switch (m.verdict) {
      case 'failed':
        return { name, classname, status: 'failed', message: `${m.method} (${m.contract}) went backwards: ${figures}; ${largest}`, details };
      case 'finding':
        return { name, classname, status: 'passed', message: `${m.method} warped, which its contract (${m.contract}) allows: ${figures}`, details };
      case 'held':
        return { name, classname, status: 'passed', message: `${m.method} held: ${figures}`, details };
    }
  });
}

/**
 * Warp counts per ordered CPU pair, one series per method (per clocksource
 * and method for compare: `prefix` is `tsc: `). With `onlyWarped`, methods
 * that never warped are left out, unless none did (then every run shows as
 * one series of zeros, which is the news).
 */
export function warpPairChart(runs: ReadonlyArray<{ prefix: string; result: WarpResultT }>, onlyWarped = false): Chart | null {
  const series: Array<{ name: string; method: Measured }> = runs.flatMap(({ prefix, result }) =>
    result.methods.flatMap((m) => (m.status === 'measured' ? [{ name: `${prefix}${m.method}`, method: m }] : [])),
  );
  if (series.length === 0) return null;
  const cpus = [...new Set(runs.flatMap(({ result }) => result.options.cpus))].sort((a, b) => a - b);
  const allPairs = cpus.flatMap((a) => cpus.filter((b) => b !== a).map((b): [number, number] => [a, b]));
  const warped = [...new Set(series.flatMap((s) => s.method.pairs.map((p) => `${p.fromCpu},${p.toCpu}`)))].map((k): [number, number] => {
    const [a, b] = k.split(',').map(Number);
    return [a ?? 0, b ?? 0];
  });
  const pairs = allPairs.length <= MAX_PAIRS_CHARTED ? allPairs : warped;
  if (pairs.length === 0) return null;
  const warpsOn = (s: (typeof series)[number], [a, b]: [number, number]): number => s.method.pairs.find((p) => p.fromCpu === a && p.toCpu === b)?.warps ?? 0;
  const anyWarped = series.filter((s) => s.method.warps > 0);
  const shown = onlyWarped && anyWarped.length > 0 ? anyWarped : series;
  const data =
    onlyWarped && anyWarped.length === 0
      ? runs.map(({ prefix }) => ({ name: `${prefix}all methods`, values: pairs.map(() => 0) }))
      : shown.map((s) => ({ name: s.name, values: pairs.map((p) => warpsOn(s, p)) }));
  return {
    title: `Warps per CPU pair (from the CPU that stored to the CPU that read lower)${anyWarped.length === 0 ? ': none, no method warped' : ''}`,
    kind: 'grouped-bar',
    labels: pairs.map(([a, b]) => `${a} -> ${b}`),
    series: data,
    unit: 'warps',
  };
}

export function warpModel(r: WarpResultT): ModelBody {
  const measured = r.methods.filter((m): m is Measured => m.status === 'measured');
  const checks = warpChecks(r);
  const o = r.options;
  const scope = `${o.cpus.length} CPU${o.cpus.length === 1 ? '' : 's'} (${o.cpus.join(',')}), ${o.durationSeconds} s per method${o.pairs ? ', each CPU pair in turn' : ''}`;
  const dist = disturbanceParts(r.disturbance);
  const sections: Section[] = [
    {
      blocks: [
        // The terminal's first line; summary.md and report.html have their title.
        { kind: 'note', text: { text: `clocklab warp${o.selfTest ? ' --self-test' : ''}: ${scope}`, tone: 'strong' }, skip: ['markdown', 'html'] },
        warpStatusBlock(r),
      ],
    },
    {
      title: 'Warps per method',
      blocks: [
        {
          kind: 'note',
          // A result stored before the baton (no hand-offs counted) ran under a shared lock.
          text: measured.some((m) => m.handoffs !== undefined)
            ? `The CPUs ${o.cpus.join(',')} read each method in turn, passing a baton, for ${o.durationSeconds} s${o.pairs ? ' (each pair in turn)' : ''}; a warp is a read lower than the last one stored by another CPU. "can see": the smallest forward step of any hand-off; a backward step no larger could not show.`
            : `Every CPU of ${o.cpus.join(',')} read each method under a shared lock for ${o.durationSeconds} s; a warp is a read lower than the last one stored by any CPU.`,
          skip: ['text'],
        },
        warpTableBlock(r),
      ],
    },
  ];
  const handoffs = measured.flatMap((m) => (m.handoffMatrix ?? []).map((h) => ({ m, h })));
  if (handoffs.length > 0) {
    const many = handoffs.length > MAX_PAIRS_LISTED * Math.max(1, measured.length);
    const shown = many ? handoffs.filter((x) => x.h.handoffs === 0) : handoffs;
    sections.push({
      title: 'Hand-offs per CPU pair',
      textTitle: true,
      blocks: [
        {
          kind: 'note',
          text: `Reads by the second CPU whose previous value the first stored: only these compare two CPUs. ${o.pairs ? 'Each pair ran in turn (--pairs).' : 'All CPUs ran at once; the turn passed to a pseudo-random other CPU.'}${many ? ` ${handoffs.length} ordered pairs; listed: those never compared (${shown.length}).` : ''}`,
        },
        ...(shown.length > 0 ? [{ kind: 'table' as const, table: tableOf(HANDOFF_COLUMNS, shown) }] : []),
      ],
    });
  }
  const pairs = measured.flatMap((m) => m.pairs.map((pair) => ({ m, pair })));
  if (pairs.length > 0) sections.push({ title: 'Warps per CPU pair', textTitle: true, blocks: [{ kind: 'table', table: tableOf(PAIR_COLUMNS, pairs) }] });
  if (r.offsets) {
    sections.push({
      title: 'TSC offsets between CPUs',
      textTitle: true,
      blocks:
        r.offsets.length === 0
          ? [{ kind: 'note', text: 'None: one CPU has no pair.' }]
          : [
              { kind: 'note', text: `Ping-pong over one cache line${r.offsetsMethod ? `, read with ${r.offsetsMethod}` : ''}; B minus A at the same instant.` },
              { kind: 'table', table: tableOf(OFFSET_COLUMNS, r.offsets) },
            ],
    });
  }
  if (r.selfTest) {
    const s = r.selfTest;
    sections.push({
      title: 'Self-test',
      blocks: [
        { kind: 'note', text: `self-test: CPU ${s.skewCpu}'s ${s.method ?? 'skewed_rdtscp'} reads were lowered by ${s.skewCycles} cycles; the checker must find warps into CPU ${s.skewCpu} of about that size.` },
        { kind: 'status', items: [{ status: s.passed ? 'ok' : 'fail', name: 'self-test', text: s.reason }] },
      ],
    });
  }
  sections.push(machineSection(r.machine), dist.section, ...findingsSection(r.findings));

  const charts: Chart[] = [];
  const pairChart = warpPairChart([{ prefix: '', result: r }]);
  if (pairChart) charts.push(pairChart);
  if (measured.length > 0) {
    charts.push({
      title: 'Reads per second per method',
      kind: 'bar',
      labels: measured.map((m) => m.method),
      series: [{ name: 'reads/s', values: measured.map((m) => m.readsPerSecond) }],
      unit: 'reads/s',
    });
  }
  const failed = measured.filter((m) => m.verdict === 'failed').map((m) => m.method);
  const allowed = measured.filter((m) => m.verdict === 'finding').map((m) => m.method);
  const headline =
    failed.length > 0
      ? `A clock that must be monotonic went backwards: ${failed.join(', ')}.`
      : `No method that must be monotonic went backwards${allowed.length > 0 ? ` (warps where the contract allows them: ${allowed.join(', ')})` : ''}.`;
  return {
    title: 'clocklab warp',
    command: 'warp',
    headline,
    startedAt: r.startedAt,
    warnings: dist.warnings,
    sections,
    charts,
    checks,
  };
}

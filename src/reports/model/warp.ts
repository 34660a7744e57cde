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

/** The line a person pastes: `[FAIL] rdtscp  cpu 1 -> cpu 0: 1843 cycles backwards (before ..., after ...)`. */
export function warpStatus(m: WarpMethodResultT): StatusItem {
  if (m.status !== 'measured') return { status: 'skip', name: m.method, text: m.reason };
  const status = m.contract === 'self-test' ? 'info' : m.verdict === 'held' ? 'ok' : m.verdict === 'failed' ? 'fail' : 'warn';
  const l = m.largest;
  if (!l) {
    const cpus = `${m.readsPerCpu.length} CPU${m.readsPerCpu.length === 1 ? '' : 's'}`;
    return { status, name: m.method, text: `no warp in ${count(m.reads)} reads on ${cpus} over ${m.durationSeconds.toFixed(1)} s (${count(m.readsPerSecond)} reads/s)` };
  }
  return {
    status,
    name: m.method,
    text: `cpu ${l.fromCpu} -> cpu ${l.toCpu}: ${amount(m, l.amount, l.amountNs)} backwards (before ${l.before}, after ${l.after}); ${count(m.warps)} warps in ${count(m.reads)} reads`,
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
  { head: 'warps', numeric: true, cell: (m) => count(m.warps) },
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

const OFFSET_COLUMNS: ReadonlyArray<Column<TscOffsetT>> = [
  { head: 'CPU A', numeric: true, cell: (o) => String(o.cpuA) },
  { head: 'CPU B', numeric: true, cell: (o) => String(o.cpuB) },
  { head: 'offset (cycles)', numeric: true, cell: (o) => o.offsetCycles.toFixed(1) },
  { head: 'error (± cycles)', numeric: true, cell: (o) => o.errorCycles.toFixed(1) },
  { head: 'round trips', numeric: true, cell: (o) => count(o.samples) },
];

/** The table of every measured method (none measured: no table). */
export function warpTableBlock(r: WarpResultT): Block {
  return { kind: 'table', table: tableOf(WARP_COLUMNS, r.methods.filter((m): m is Measured => m.status === 'measured')) };
}

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
    const figures = `${m.reads} reads on CPUs ${m.readsPerCpu.map((c) => c.cpu).join(',')} in ${m.durationSeconds.toFixed(1)} s, ${m.warps} warps`;
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
  const scope = `${o.cpus.length} CPU${o.cpus.length === 1 ? '' : 's'} (${o.cpus.join(',')}), ${o.durationSeconds} s per method`;
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
        { kind: 'note', text: `Every CPU of ${o.cpus.join(',')} read each method under a shared lock for ${o.durationSeconds} s; a warp is a read lower than the last one stored by any CPU.`, skip: ['text'] },
        warpTableBlock(r),
      ],
    },
  ];
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
              { kind: 'note', text: 'Ping-pong over one cache line; B minus A at the same instant.' },
              { kind: 'table', table: tableOf(OFFSET_COLUMNS, r.offsets) },
            ],
    });
  }
  if (r.selfTest) {
    const s = r.selfTest;
    sections.push({
      title: 'Self-test',
      blocks: [
        { kind: 'note', text: `self-test: CPU ${s.skewCpu}'s skewed_rdtscp reads were lowered by ${s.skewCycles} cycles; the checker must find warps into CPU ${s.skewCpu} of about that size.` },
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

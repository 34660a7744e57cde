// model/warp.ts: `clocklab warp` as a report model: one check per method,
// warp counts per CPU pair.
import type { WarpResultT } from '../../results/warp.js';
import { disturbanceParts, findingsSection, fmt, machineSection, type Chart, type Check, type ReportModel, type Section } from './common.js';

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
  const series: Array<{ name: string; method: Extract<WarpResultT['methods'][number], { status: 'measured' }> }> = runs.flatMap(({ prefix, result }) =>
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
  const count = (s: (typeof series)[number], [a, b]: [number, number]): number => s.method.pairs.find((p) => p.fromCpu === a && p.toCpu === b)?.warps ?? 0;
  const anyWarped = series.filter((s) => s.method.warps > 0);
  const shown = onlyWarped && anyWarped.length > 0 ? anyWarped : series;
  const data =
    onlyWarped && anyWarped.length === 0
      ? runs.map(({ prefix }) => ({ name: `${prefix}all methods`, values: pairs.map(() => 0) }))
      : shown.map((s) => ({ name: s.name, values: pairs.map((p) => count(s, p)) }));
  return {
    title: `Warps per CPU pair (from the CPU that stored to the CPU that read lower)${anyWarped.length === 0 ? ': none, no method warped' : ''}`,
    kind: 'grouped-bar',
    labels: pairs.map(([a, b]) => `${a} -> ${b}`),
    series: data,
    unit: 'warps',
  };
}

export function warpModel(r: WarpResultT): ReportModel {
  const measured = r.methods.flatMap((m) => (m.status === 'measured' ? [m] : []));
  const checks = warpChecks(r);

  const rows = r.methods.map((m) =>
    m.status === 'measured'
      ? [
          m.method,
          m.contract,
          String(m.reads),
          fmt(m.readsPerSecond, 0),
          String(m.warps),
          m.largest ? `${m.largest.amount} ${m.unit}${m.unit === 'ns' ? '' : ` (${fmt(m.largest.amountNs)} ns)`}` : '-',
          m.largest ? `${m.largest.fromCpu} -> ${m.largest.toCpu}` : '-',
          m.verdict,
        ]
      : [m.method, '-', '-', '-', '-', '-', '-', `${m.status}: ${m.reason}`],
  );
  const pairRows = measured.flatMap((m) =>
    m.pairs.map((p) => [m.method, `${p.fromCpu} -> ${p.toCpu}`, String(p.warps), `${p.largest} ${m.unit}`]),
  );
  const dist = disturbanceParts(r.disturbance);
  const sections: Section[] = [
    {
      title: 'Warps per method',
      text: `Every CPU of ${r.options.cpus.join(',')} read each method under a shared lock for ${r.options.durationSeconds} s; a warp is a read lower than the last one stored by any CPU.`,
      table: {
        head: ['method', 'contract', 'reads', 'reads/s', 'warps', 'largest warp', 'CPU pair', 'verdict'],
        rows,
        numeric: [false, false, true, true, true, true, false, false],
      },
    },
  ];
  if (pairRows.length > 0) {
    sections.push({ title: 'Warps per CPU pair', table: { head: ['method', 'CPU pair', 'warps', 'largest'], rows: pairRows, numeric: [false, false, true, true] } });
  }
  if (r.offsets && r.offsets.length > 0) {
    sections.push({
      title: 'TSC offsets between CPUs',
      table: {
        head: ['CPU A', 'CPU B', 'offset cycles', 'error cycles', 'samples'],
        rows: r.offsets.map((o) => [String(o.cpuA), String(o.cpuB), fmt(o.offsetCycles, 1), fmt(o.errorCycles, 1), String(o.samples)]),
        numeric: [true, true, true, true, true],
      },
    });
  }
  sections.push(machineSection(r.machine, r.startedAt), dist.section);
  const findings = findingsSection(r.findings);
  if (findings) sections.push(findings);

  const charts: Chart[] = [];
  const pairs = warpPairChart([{ prefix: '', result: r }]);
  if (pairs) charts.push(pairs);
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
    // The runner's verdict, which is what decides the exit code.
    verdict: r.verdict === 'failed' ? 'failed' : 'passed',
    headline,
    startedAt: r.startedAt,
    warnings: dist.warnings,
    sections,
    charts,
    checks,
  };
}

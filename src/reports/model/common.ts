// model/common.ts: the report model's types, and the parts every command's
// model shares (findings, the regression gate, figures). See ../model.ts.
import type { DisturbanceT, FindingT, MachineT } from '../../results/common.js';
import type { GateT } from '../../results/gate.js';
import { phrase } from '../../findings/sentences.js';
import { STEAL_LIMIT_PERCENT } from '../../findings/thresholds.js';

export type Verdict = 'passed' | 'failed' | 'info';

export interface Table {
  head: string[];
  rows: string[][];
  /** Which columns are figures (right-aligned). */
  numeric?: boolean[];
}

export interface Section {
  title: string;
  /** A sentence above the table, or none. */
  text?: string;
  table: Table;
}

/**
 * - `bar`: one value per label (series[0]).
 * - `grouped-bar`: one bar per series beside each other for each label
 *   (per clocksource side by side, per method).
 * - `range`: a floating bar from series 'min' to 'max' per label, with the
 *   'median' series marked on it (the spread over runs).
 */
export type ChartKind = 'bar' | 'grouped-bar' | 'range';

export interface Chart {
  title: string;
  kind: ChartKind;
  labels: string[];
  series: Array<{ name: string; values: Array<number | null> }>;
  unit: string;
  /** Figures spanning decades (1 ns rdtsc to 1 µs syscalls) read better on a log axis. */
  logScale?: boolean;
}

export interface Check {
  /** One line, e.g. `warp monotonic`. */
  name: string;
  /** The JUnit classname: `clocklab.<command>.<kind>`. */
  classname: string;
  status: 'passed' | 'failed' | 'skipped';
  /** One line: the figures behind the status. */
  message: string;
  /** Everything else a reader of a failure needs, several lines. */
  details: string;
}

export interface ReportModel {
  title: string;
  command: string;
  verdict: Verdict;
  /** One line under the verdict saying why. */
  headline: string;
  startedAt: string;
  /** Lines a reader must not miss (another machine's baseline, steal time...). */
  warnings: string[];
  sections: Section[];
  charts: Chart[];
  checks: Check[];
}

/** The findings of a result as a section: severity, sentence, advice. */
export function findingsSection(findings: readonly FindingT[]): Section | null {
  if (findings.length === 0) return null;
  return {
    title: 'Findings',
    table: {
      head: ['severity', 'finding', 'advice'],
      rows: findings.map((f) => {
        const p = phrase(f);
        return [f.severity, p.text, p.advice ?? ''];
      }),
    },
  };
}

/** Formats a figure for a table: 3 significant digits below 100, else whole. */
export function fmt(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/** The regression gate's part of a report: a section, one check per
 * comparison, and its warnings. Shared by bench and compare. */
export function gateParts(gate: GateT | undefined, command: string): { sections: Section[]; checks: Check[]; warnings: string[] } {
  if (gate === undefined) return { sections: [], checks: [], warnings: [] };
  const rows = gate.comparisons.map((c) => [
    c.key,
    fmt(c.baselineMedianNsPerLoop),
    fmt(c.medianNsPerLoop),
    c.changePercent === null ? '-' : `${c.changePercent >= 0 ? '+' : ''}${c.changePercent.toFixed(1)}%`,
    c.status,
  ]);
  const checks: Check[] = gate.comparisons.map((c) => {
    const base = `median ${fmt(c.medianNsPerLoop)} ns/loop against baseline ${fmt(c.baselineMedianNsPerLoop)} ns/loop`;
    const change = c.changePercent === null ? '' : ` (${c.changePercent >= 0 ? '+' : ''}${c.changePercent.toFixed(1)}%, threshold ${gate.thresholdPercent}%)`;
    const details = [
      `baseline: ${gate.baselineFile} (started ${gate.baselineStartedAt})`,
      `threshold: ${gate.thresholdPercent}% slower than the baseline's median`,
      ...gate.warnings,
    ].join('\n');
    switch (c.status) {
      case 'regressed':
        return { name: `regression ${c.key}`, classname: `clocklab.${command}.regression`, status: 'failed', message: `${c.key} regressed: ${base}${change}`, details };
      case 'missing-in-baseline':
        return { name: `regression ${c.key}`, classname: `clocklab.${command}.regression`, status: 'skipped', message: `${c.key} has no median in the baseline (absent or not measured there): nothing to compare`, details };
      case 'missing-in-run':
        return { name: `regression ${c.key}`, classname: `clocklab.${command}.regression`, status: 'skipped', message: `${c.key} has a median in the baseline but none in this run (absent or not measured)`, details };
      default:
        return { name: `regression ${c.key}`, classname: `clocklab.${command}.regression`, status: 'passed', message: `${c.key} ${c.status}: ${base}${change}`, details };
    }
  });
  return {
    sections: [
      {
        title: `Regression gate (threshold ${gate.thresholdPercent}%)`,
        text: `Baseline ${gate.baselineFile}, started ${gate.baselineStartedAt}: ${gate.regressions} regression${gate.regressions === 1 ? '' : 's'}.`,
        table: { head: ['method', 'baseline ns/loop', 'ns/loop', 'change', 'status'], rows, numeric: [false, true, true, true, false] },
      },
    ],
    checks,
    warnings: gate.warnings,
  };
}

/** The verdict from a list of checks: failed if any failed, passed if any
 * ran, info if there were none. */
export function verdictOf(checks: readonly Check[]): Verdict {
  if (checks.some((c) => c.status === 'failed')) return 'failed';
  return checks.some((c) => c.status === 'passed') ? 'passed' : 'info';
}


/** Where and when: the machine as every report states it. */
export function machineSection(m: MachineT, startedAt: string): Section {
  const rows: string[][] = [
    ['started', startedAt],
    ['host', m.hostname],
    ['CPU', m.cpu ? `${m.cpu.brand || m.cpu.vendor} (family ${m.cpu.family} model ${m.cpu.model} stepping ${m.cpu.stepping})` : 'not x86'],
    ['online CPUs', String(m.onlineCpus.length)],
    ['kernel', `${m.kernel.release} ${m.kernel.arch}`],
    ['hypervisor', m.hypervisor ? m.hypervisor.signature : 'none'],
    ['clocksource', `${m.clocksources.current ?? 'unknown'} (available: ${m.clocksources.available.join(', ') || 'none'})`],
    ['TSC', `constant_tsc ${yn(m.tscFlags.constant_tsc)}, nonstop_tsc ${yn(m.tscFlags.nonstop_tsc)}, invariant ${yn(m.tscFlags.invariantTsc)}, rdtscp ${yn(m.tscFlags.rdtscp)}`],
  ];
  return { title: 'Machine', table: { head: ['', ''], rows } };
}

const yn = (b: boolean): string => (b ? 'yes' : 'no');

/** What could have disturbed the run, as a section and the warnings it earns. */
export function disturbanceParts(d: DisturbanceT): { section: Section; warnings: string[] } {
  const warnings: string[] = [];
  if (d.stealPercent > STEAL_LIMIT_PERCENT) {
    warnings.push(`steal time was ${d.stealPercent.toFixed(1)}% of the CPUs' time during the run: the hypervisor ran something else, so figures may be inflated`);
  }
  if (d.clocksourceBefore !== d.clocksourceAfter) {
    warnings.push(`the clocksource changed during the run (${d.clocksourceBefore ?? 'unknown'} -> ${d.clocksourceAfter ?? 'unknown'})`);
  }
  return {
    section: {
      title: 'Disturbance',
      table: {
        head: ['', ''],
        rows: [
          ['CPUs used', d.cpus.join(',')],
          ['load average before', d.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')],
          ['steal during run', `${(d.stealNs / 1e6).toFixed(1)} ms (${d.stealPercent.toFixed(2)}%)`],
          ['clocksource before / after', `${d.clocksourceBefore ?? 'unknown'} / ${d.clocksourceAfter ?? 'unknown'}`],
        ],
      },
    },
    warnings,
  };
}

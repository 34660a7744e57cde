// model/common.ts: the report model's types, and the parts every command's
// model shares (findings, the regression gate, the machine, the disturbance,
// figures). See ../model.ts.
import type { DisturbanceT, FindingT, MachineT } from '../../results/common.js';
import type { GateT } from '../../results/gate.js';
import { phrase } from '../../findings/sentences.js';
import { STEAL_LIMIT_PERCENT } from '../../findings/thresholds.js';

/** The report heading's badge, from the command's verdict (reportModel): passed,
 * failed, info (nothing judged), or warnings: passed, but a check
 * warned (check's own verdict `warnings`, exit 0 unless --strict). */
export type VerdictBadge = 'passed' | 'failed' | 'info' | 'warnings';

/** The formats that render a model's sections (junit.xml shows only its checks). */
export type Format = 'text' | 'markdown' | 'html';

/** What a piece of text means, for a format that can show it: the terminal
 * colours it, report.html styles it, summary.md shows it plain. */
export type Tone = 'ok' | 'warn' | 'bad' | 'dim' | 'strong';

export type Span = string | { text: string; tone: Tone };

/** Text, whole or in pieces, any of them toned. */
export type Text = Span | readonly Span[];

const isList = (t: Text): t is readonly Span[] => Array.isArray(t);

/** Text as its pieces. */
export function spans(t: Text): readonly Span[] {
  return isList(t) ? t : [t];
}

/** Text without its tones. */
export function plain(t: Text): string {
  return spans(t)
    .map((s) => (typeof s === 'string' ? s : s.text))
    .join('');
}

/**
 * One column of a table, defined once: its heading, whether it holds figures
 * (right-aligned), and how a row fills it. Every format renders the same
 * columns; docs/columns.md says what each one means.
 */
export interface Column<R> {
  head: string;
  numeric?: boolean;
  cell: (row: R) => Text;
}

export interface Table {
  columns: ReadonlyArray<{ head: string; numeric?: boolean }>;
  rows: Text[][];
}

export function tableOf<R>(columns: ReadonlyArray<Column<R>>, rows: readonly R[]): Table {
  return {
    columns: columns.map((c) => (c.numeric ? { head: c.head, numeric: true } : { head: c.head })),
    rows: rows.map((r) => columns.map((c) => c.cell(r))),
  };
}

/** The `[OK]`, `[WARN]`, `[FAIL]`, `[SKIP]` and `[INFO]` of a status line. */
export type Status = 'ok' | 'warn' | 'fail' | 'skip' | 'info';

/** One line a person pastes: a status, what it is about, what was seen. */
export interface StatusItem {
  status: Status;
  /** A method or check name; the terminal pads it to the longest in its list. */
  name?: string;
  text: Text;
  /** What to do about it: a quieter line under it. */
  advice?: string;
  /** Evidence, one line each, under it. */
  details?: string[];
}

interface Shown {
  /** Formats that leave this out (every format shows it otherwise). */
  skip?: readonly Format[];
}

export type Block = Shown &
  (
    | { kind: 'note'; text: Text }
    | { kind: 'table'; table: Table }
    /** Key and value pairs; `compact`: the terminal shows them on one quiet line. */
    | { kind: 'facts'; facts: Array<[string, Text]>; compact?: boolean }
    /** Lines shown as they are, in a fixed-width font: timing_test's run lines. */
    | { kind: 'lines'; lines: string[] }
    | { kind: 'status'; items: StatusItem[] }
  );

export interface Section extends Shown {
  /** A name a caller can leave the section out by (`runs`, `gate`). */
  id?: string;
  /** A heading, or none: the section's blocks then follow the one before. */
  title?: string;
  /** The terminal shows the heading too. Without it the terminal prints the
   * section bare: a command's own lines and tables, as they always were. */
  textTitle?: boolean;
  blocks: Block[];
}

/** Whether `format` shows a section or block. */
export function shows(x: Shown, format: Format): boolean {
  return !(x.skip ?? []).includes(format);
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
  /** From the command's verdict (./index.ts reportModel). */
  verdict: VerdictBadge;
  /** One line under the verdict saying why. */
  headline: string;
  startedAt: string;
  /** Lines a reader must not miss (another machine's baseline, steal time...). */
  warnings: string[];
  sections: Section[];
  charts: Chart[];
  checks: Check[];
}

/** The findings of a result: a status line each, with its advice (no
 * section when there are none). */
export function findingsSection(findings: readonly FindingT[]): Section[] {
  if (findings.length === 0) return [];
  const items = findings.map((f): StatusItem => {
    const p = phrase(f);
    const status = f.severity === 'fail' ? 'fail' : f.severity === 'warn' ? 'warn' : 'info';
    return p.advice ? { status, text: p.text, advice: p.advice } : { status, text: p.text };
  });
  return [{ title: 'Findings', blocks: [{ kind: 'status', items }] }];
}

/** Formats a figure for a sentence: 3 significant digits below 100, else whole. */
export function fmt(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/** ns/loop in a table: always two decimals, as timing_test prints it. */
export const nsPerLoop = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : n.toFixed(2));

/** A count with thousands separators: 15,968,000. */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** +x.x, and +0.0 for what rounds to zero (never -0.0). */
const signed = (p: number): string => {
  const r = Math.round(p * 10) / 10;
  return r === 0 ? '+0.0' : `${r > 0 ? '+' : ''}${r.toFixed(1)}`;
};
const signedPercent = (p: number): string => `${signed(p)}%`;

/** A ratio with its 95% interval: `1.17x [1.14, 1.20]`; the ratio alone
 * when there is no interval. */
export function ratioWithInterval(ratio: number, interval: { low: number; high: number } | null | undefined): string {
  return interval ? `${ratio.toFixed(2)}x [${interval.low.toFixed(2)}, ${interval.high.toFixed(2)}]` : `${ratio.toFixed(2)}x`;
}

type Comparison = GateT['comparisons'][number];

/** A change with its 95% interval: `+12.3% [+10.5, +14.0]`. */
function changeText(c: Comparison): string {
  if (c.changePercent === null) return '-';
  const lo = c.changeLowPercent;
  const hi = c.changeHighPercent;
  return lo === null || lo === undefined || hi === null || hi === undefined ? signedPercent(c.changePercent) : `${signedPercent(c.changePercent)} [${signed(lo)}, ${signed(hi)}]`;
}

const STATUS_TONE: Partial<Record<Comparison['status'], Tone>> = { regressed: 'bad', inconclusive: 'warn', 'noisy-baseline': 'warn', improved: 'ok' };

function gateColumns(gate: GateT): ReadonlyArray<Column<Comparison>> {
  return [
    { head: 'method', cell: (c) => c.key },
    { head: 'baseline ns/loop', numeric: true, cell: (c) => nsPerLoop(c.baselineMedianNsPerLoop) },
    { head: 'ns/loop', numeric: true, cell: (c) => nsPerLoop(c.medianNsPerLoop) },
    { head: 'change [95% interval]', numeric: true, cell: changeText },
    {
      head: 'bar',
      numeric: true,
      // The threshold, or the floor where it is the larger (a fast method).
      cell: (c) =>
        c.barPercent === null || c.barPercent === undefined
          ? '-'
          : c.barPercent > gate.thresholdPercent
            ? `${c.barPercent.toFixed(1)}% (${gate.floorNs ?? 1} ns)`
            : `${c.barPercent.toFixed(0)}%`,
    },
    {
      head: 'status',
      cell: (c) => {
        // A second block of runs was measured to confirm a first that looked regressed.
        const text = c.confirmationNsPerLoop ? `${c.status} (2 blocks)` : c.status;
        const tone = STATUS_TONE[c.status];
        return tone ? { text, tone } : text;
      },
    },
  ];
}

/** What unit the gate's changes are in, and why. */
function coreClockNote(clock: GateT['coreClock']): string {
  if (clock === null || clock === undefined)
    return 'Changes are in ns/loop: a side has runs without a core-clock reading (a report from before clocklab took one, or runs of under 100,000 reads).';
  const change = (clock.runGHz / clock.baselineGHz - 1) * 100;
  return (
    `Core clock: ${clock.baselineGHz.toFixed(2)} GHz in the baseline's runs, ${clock.runGHz.toFixed(2)} GHz in this run's (${signedPercent(change)}). ` +
    'Changes are in core cycles per read (ns/loop x GHz): a core the host clocked lower is not a slower read. ns/loop are as measured.'
  );
}

/** The regression gate's part of a report: a section, one check per
 * comparison, and its warnings. Shared by bench and compare. */
export function gateParts(gate: GateT | undefined, command: string): { sections: Section[]; checks: Check[]; warnings: string[] } {
  if (gate === undefined) return { sections: [], checks: [], warnings: [] };
  const floor = gate.floorNs ?? null;
  const rule =
    gate.floorNs === undefined
      ? `threshold: ${gate.thresholdPercent}% slower than the baseline's median`
      : `regressed when the whole ${gate.confidencePercent ?? 95}% interval of the change lies past ${gate.thresholdPercent}% (or past ${floor} ns/loop where that is more: a change under ${floor} ns is never a regression)`;
  const checks: Check[] = gate.comparisons.map((c) => {
    const base = `median ${fmt(c.medianNsPerLoop)} ns/loop against baseline ${fmt(c.baselineMedianNsPerLoop)} ns/loop`;
    const change = c.changePercent === null ? '' : ` (${changeText(c)}, bar ${fmt(c.barPercent ?? gate.thresholdPercent, 1)}%)`;
    const details = [`baseline: ${gate.baselineFile} (started ${gate.baselineStartedAt})`, rule, ...gate.warnings].join('\n');
    const head = { name: `regression ${c.key}`, classname: `clocklab.${command}.regression`, details };
    switch (c.status) {
      case 'regressed':
        return { ...head, status: 'failed', message: `${c.key} regressed: ${base}${change}` };
      case 'inconclusive':
        return { ...head, status: 'skipped', message: `${c.key} inconclusive: ${base}${change}; run more --runs on a quieter machine to decide` };
      case 'noisy-baseline':
        return {
          ...head,
          status: 'skipped',
          message: `${c.key} not gated: the baseline's median is uncertain by ${fmt(c.baselineNoisePercent, 1)}%, more than the bar of ${fmt(c.barPercent, 1)}%`,
        };
      case 'missing-in-baseline':
        return { ...head, status: 'skipped', message: `${c.key} has no median in the baseline (absent or not measured there): nothing to compare` };
      case 'missing-in-run':
        return { ...head, status: 'skipped', message: `${c.key} has a median in the baseline but none in this run (absent or not measured)` };
      default:
        return { ...head, status: 'passed', message: `${c.key} ${c.status}: ${base}${change}` };
    }
  });
  // The checks list every regression in summary.md and report.html, and
  // their warnings head the page: the lines below are the terminal's.
  const regressed: StatusItem[] = gate.comparisons
    .filter((c) => c.status === 'regressed')
    .map((c) => ({ status: 'fail', name: c.key, text: `${nsPerLoop(c.medianNsPerLoop)} ns/loop against baseline ${nsPerLoop(c.baselineMedianNsPerLoop)} (${changeText(c)})` }));
  const s = gate.regressions === 1 ? '' : 's';
  const undecided = gate.comparisons.filter((c) => c.status === 'inconclusive').length;
  const ungated = gate.comparisons.filter((c) => c.status === 'noisy-baseline').length;
  const aside = [undecided > 0 ? `${undecided} inconclusive` : null, ungated > 0 ? `${ungated} not gated (noisy baseline)` : null].filter((x) => x !== null);
  const tail = aside.length > 0 ? ` (${aside.join(', ')})` : '';
  const verdict: StatusItem =
    gate.regressions > 0
      ? { status: 'fail', text: `${gate.regressions} regression${s} past ${gate.thresholdPercent}%${tail}` }
      : { status: 'ok', text: `no regression past ${gate.thresholdPercent}%${tail}` };
  return {
    sections: [
      {
        id: 'gate',
        title: `Regression gate (threshold ${gate.thresholdPercent}%)`,
        textTitle: true,
        blocks: [
          { kind: 'note', text: `Baseline ${gate.baselineFile}, started ${gate.baselineStartedAt}.` },
          ...(gate.floorNs === undefined ? [] : [{ kind: 'note' as const, text: { text: `${rule[0]?.toUpperCase()}${rule.slice(1)}; intervals: docs/columns.md.`, tone: 'dim' as const } }]),
          ...(gate.coreClock === undefined ? [] : [{ kind: 'note' as const, text: { text: coreClockNote(gate.coreClock), tone: 'dim' as const } }]),
          { kind: 'status', items: gate.warnings.map((w) => ({ status: 'warn', text: w })), skip: ['markdown', 'html'] },
          { kind: 'table', table: tableOf(gateColumns(gate), gate.comparisons) },
          { kind: 'status', items: regressed, skip: ['markdown', 'html'] },
          { kind: 'status', items: [verdict] },
        ],
      },
    ],
    checks,
    warnings: gate.warnings,
  };
}

/** What a command's model builder returns: all but the verdict, which is
 * the command's (src/commands/<name>.ts), never re-judged in a report. */
export type ModelBody = Omit<ReportModel, 'verdict'>;

/** yes in green, no in red (where there is colour). */
export const yesNo = (b: boolean): Span => (b ? { text: 'yes', tone: 'ok' } : { text: 'no', tone: 'bad' });

/** The hypervisor: the kernel's word first, user-space CPUID's beside it. */
function hypervisorLine(m: MachineT): string {
  const cpuid = m.hypervisor ? `${m.hypervisor.signature}${m.hypervisor.vendor && m.hypervisor.vendor !== m.hypervisor.signature ? ` (${m.hypervisor.vendor})` : ''}, max leaf 0x${m.hypervisor.maxLeaf.toString(16)}` : null;
  const h = m.kernelView?.hypervisor;
  const kernel = h?.kernelSays ?? (h?.sysfsType ? `${h.sysfsType} (/sys/hypervisor/type)` : null);
  if (!kernel) return cpuid ? cpuid.replace(/, max leaf (\S+)$/, ' (max leaf $1)') : 'none (bare metal)';
  const cpuidPart = cpuid ? `; user-space CPUID: ${cpuid}` : '; user-space CPUID: no hypervisor leaf';
  return `${kernel} (the kernel's word)${cpuidPart}${h?.nested ? ': nested or paravirtualized, CPUID shows the outer machine' : ''}`;
}

/** The machine's identity, as every report states it; `clocklab info` adds to it. */
export function machineFacts(m: MachineT): { identity: Array<[string, Text]>; clocksource: [string, Text] } {
  const cpu = m.cpu ? `${m.cpu.brand || '(no brand string)'} (${m.cpu.vendor}, family ${m.cpu.family} model ${m.cpu.model} stepping ${m.cpu.stepping})` : 'not x86';
  return {
    identity: [
      ...(m.replay ? [['replay of', replayText(m)] as [string, Text]] : []),
      ['host', m.hostname],
      ['CPU', cpu],
      ['online CPUs', `${m.onlineCpus.join(',')} (${m.onlineCpus.length})`],
      ['kernel', `${m.kernel.release} ${m.kernel.arch}`],
      ['hypervisor', hypervisorLine(m)],
    ],
    clocksource: ['clocksource', `${m.clocksources.current ?? 'unknown'} (available: ${m.clocksources.available.join(', ') || 'none'})`],
  };
}

/** A replay's one line: which capture, when, and that nothing was read live. */
export function replayText(m: MachineT): string {
  return m.replay ? `the capture ${m.replay.dir} (captured ${m.replay.capturedAt ?? 'at an unknown time'}), not the machine running clocklab` : '';
}

/** Where it ran: the machine, for summary.md and report.html (the terminal
 * is on that machine, and `clocklab info` prints it there). */
export function machineSection(m: MachineT): Section {
  const { identity, clocksource } = machineFacts(m);
  const t = m.tscFlags;
  const tsc = `constant_tsc ${plain(yesNo(t.constant_tsc))}, nonstop_tsc ${plain(yesNo(t.nonstop_tsc))}, invariant ${plain(yesNo(t.invariantTsc))}, rdtscp ${plain(yesNo(t.rdtscp))}`;
  return { title: 'Machine', skip: ['text'], blocks: [{ kind: 'facts', facts: [...identity, clocksource, ['TSC', tsc]] }] };
}

/** What could have disturbed a run: the facts (one quiet line in the terminal). */
export function disturbanceBlock(d: DisturbanceT): Block {
  const cpus = `CPU${d.cpus.length === 1 ? '' : 's'} ${d.cpus.join(',')}`;
  const changed = d.clocksourceBefore !== d.clocksourceAfter ? ' (changed during the run)' : '';
  return {
    kind: 'facts',
    compact: true,
    facts: [
      ['steal during run', `${(d.stealNs / 1e6).toFixed(1)} ms (${d.stealPercent.toFixed(2)}% of ${cpus})`],
      ['load average before', d.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')],
      ['clocksource before / after', `${d.clocksourceBefore ?? 'unknown'} / ${d.clocksourceAfter ?? 'unknown'}${changed}`],
    ],
  };
}

/** What could have disturbed the run, as a section and the warnings it earns. */
export function disturbanceParts(d: DisturbanceT): { section: Section; warnings: string[] } {
  const warnings: string[] = [];
  if (d.stealPercent > STEAL_LIMIT_PERCENT) {
    warnings.push(`steal time was ${d.stealPercent.toFixed(1)}% of the CPUs' time during the run: the hypervisor ran something else, so figures may be inflated`);
  }
  if (d.clocksourceBefore !== d.clocksourceAfter) {
    warnings.push(`the clocksource changed during the run (${d.clocksourceBefore ?? 'unknown'} -> ${d.clocksourceAfter ?? 'unknown'})`);
  }
  return { section: { title: 'Disturbance', blocks: [disturbanceBlock(d)] }, warnings };
}

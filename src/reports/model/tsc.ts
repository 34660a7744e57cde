// model/tsc.ts: `clocklab tsc` as a report model: the verdict's evidence as
// facts, the rate per CPU against three clocks, every claim beside the
// measured rate in ppm, the time daemon's correction, the CPUs' offsets, and
// one check per question a program that reads the TSC asks.
import { CLAIM_NAMES, pm, ppm as signedPpm } from '../../findings/tsc-sentences.js';
import type { TscOffsetT } from '../../results/warp.js';
import type { TscClaimT, TscCpuRateT, TscRateT, TscResultT } from '../../results/tsc.js';
import { count, findingsSection, machineSection, tableOf, type Chart, type Check, type Column, type ModelBody, type Section, type Span, type StatusItem, type Text } from './common.js';

const mhz = (hz: number): string => `${(hz / 1e6).toFixed(6)} MHz`;
const halfPpm = (r: Pick<TscRateT, 'hz' | 'halfWidthHz'>): number => (r.halfWidthHz / r.hz) * 1e6;
/** A rate with its 95% half-width in ppm: `2096.025000 MHz ±0.014 ppm`. */
const rateText = (r: Pick<TscRateT, 'hz' | 'halfWidthHz'>): string => `${mhz(r.hz)} ±${pm(halfPpm(r))} ppm`;
const yes = (b: boolean | null, good = true): Span => (b === null ? '-' : { text: b ? 'yes' : 'no', tone: b === good ? 'ok' : 'bad' });

/** Each CPU's rate against the pooled CLOCK_MONOTONIC_RAW rate, in ppm. */
const offPooled = (r: TscCpuRateT, pooled: TscResultT['pooled']): string => (pooled ? signedPpm((r.monotonicRaw.hz / pooled.hz - 1) * 1e6) : '-');

function rateColumns(pooled: TscResultT['pooled']): ReadonlyArray<Column<TscCpuRateT>> {
  return [
    { head: 'CPU', numeric: true, cell: (r) => (r.planted ? { text: `${r.cpu} (planted)`, tone: 'warn' } : String(r.cpu)) },
    { head: 'read', cell: (r) => r.read },
    { head: 'against MONOTONIC_RAW', numeric: true, cell: (r) => rateText(r.monotonicRaw) },
    { head: 'off the pooled rate', numeric: true, cell: (r) => offPooled(r, pooled) },
    { head: 'against MONOTONIC', numeric: true, cell: (r) => rateText(r.monotonic) },
    { head: 'against REALTIME', numeric: true, cell: (r) => rateText(r.realtime) },
    { head: 'MONOTONIC vs RAW', numeric: true, cell: (r) => `${signedPpm(r.correction.ppm)} ±${pm(r.correction.halfWidthPpm)}` },
    { head: 'bracket (cycles)', numeric: true, cell: (r) => `${count(r.monotonicRaw.bracketMinCycles)}-${count(r.monotonicRaw.bracketMaxCycles)}` },
    { head: 'samples', numeric: true, cell: (r) => `${r.monotonicRaw.samples} over ${(r.monotonicRaw.spanNs / 1e9).toFixed(2)} s` },
  ];
}

const CLAIM_COLUMNS: ReadonlyArray<Column<TscClaimT>> = [
  { head: 'claim', cell: (c) => c.source },
  { head: 'frequency', numeric: true, cell: (c) => mhz(c.hz) },
  { head: 'rounding', numeric: true, cell: (c) => (c.resolutionHz >= 1e3 ? `${Number((c.resolutionHz / 1e3).toPrecision(3))} kHz` : `${Number(c.resolutionHz.toPrecision(3))} Hz`) },
  { head: 'off the measured rate', numeric: true, cell: (c) => (c.ppm === null ? '-' : signedPpm(c.ppm)) },
  { head: 'agrees', cell: (c) => yes(c.agrees) },
  { head: 'how', cell: (c) => c.detail },
];

/** With nothing measured (a replay), each claim beside the first, the
 * kernel's where it logged one: the claims' agreement among themselves. */
function replayClaimColumns(claims: readonly TscClaimT[]): ReadonlyArray<Column<TscClaimT>> {
  const first = claims[0];
  const keep = CLAIM_COLUMNS.filter((c) => c.head !== 'off the measured rate' && c.head !== 'agrees');
  if (!first || claims.length < 2) return keep;
  const off: Column<TscClaimT> = { head: `off ${first.source}`, numeric: true, cell: (c) => (c === first ? '-' : signedPpm((c.hz / first.hz - 1) * 1e6)) };
  return [...keep.slice(0, 3), off, ...keep.slice(3)];
}

const OFFSET_COLUMNS: ReadonlyArray<Column<TscOffsetT>> = [
  { head: 'CPU A', numeric: true, cell: (p) => String(p.cpuA) },
  { head: 'CPU B', numeric: true, cell: (p) => String(p.cpuB) },
  { head: 'offset (cycles)', numeric: true, cell: (p) => p.offsetCycles.toFixed(1) },
  { head: 'error (± cycles)', numeric: true, cell: (p) => p.errorCycles.toFixed(1) },
  { head: 'within the bound', cell: (p) => yes(Math.abs(p.offsetCycles) <= p.errorCycles) },
];

function verdictFacts(r: TscResultT): Array<[string, Text]> {
  const v = r.verdict;
  const source = v.source ? (CLAIM_NAMES[v.source] ?? v.source) : null;
  const k = v.kernel;
  const why = k.usesTsc ? 'yes' : `no: ${k.clocksource ?? 'unknown'}${k.offered ? ' (tsc offered, not chosen)' : k.withheldReason ? ` (tsc withheld: ${k.withheldReason}${k.withheldOption ? `, ${k.withheldOption}` : ''}${k.measured ? ', measured' : ', not measured'})` : ''}${k.derivesFromTsc ? '; it scales the TSC' : ''}`;
  const f = v.fence;
  const fence: Text = !f.measured
    ? 'not measured'
    : f.needed
      ? [{ text: 'yes', tone: 'warn' }, `: a plain RDTSC read ahead of an earlier load ${count(f.beyondBound)} times in ${count(f.samples)} samples (cpus ${f.cpus.join(',')})`]
      : `not seen in ${count(f.samples)} samples (cpus ${f.cpus.join(',')}); the manuals do not promise the order`;
  const o = v.offsets;
  const offsets: Text = !o.measured
    ? 'not measured'
    : o.largest === null
      ? '-'
      : [yes(o.beyondBound === false), `: largest ${o.largest.offsetCycles.toFixed(1)} cycles${o.largestNs === null ? '' : ` (${o.largestNs.toFixed(1)} ns)`}, cpu ${o.largest.cpuA} -> ${o.largest.cpuB}, bound ±${o.largest.errorCycles.toFixed(1)}`];
  const aux = v.tscAux;
  return [
    ['usable from user space', r.rates.length === 0 ? 'not measured (a replay: claims only)' : yes(v.usable)],
    ['frequency to use', v.frequencyHz === null ? '-' : `${mhz(v.frequencyHz)}${v.halfWidthHz === null ? '' : ` ±${pm((v.halfWidthHz / v.frequencyHz) * 1e6)} ppm`}${source ? `, from ${source}` : ''}`],
    ['every CPU at that rate', yes(v.everyCpuSameRate)],
    ['offsets within the bound', offsets],
    ['needs a fence', fence],
    ['invariant', [yes(v.invariant.invariant), ` (CPUID 0x80000007 EDX[8] ${v.invariant.cpuid ? 'set' : 'clear'}, constant_tsc ${v.invariant.constantTsc ? 'yes' : 'no'}, nonstop_tsc ${v.invariant.nonstopTsc ? 'yes' : 'no'})`]],
    ['kernel uses the TSC', why],
    ['TSC_AUX names the CPU', aux.namesCpu === null ? '-' : `${aux.namesCpu}${aux.offered === false ? ' (CPUID hides RDTSCP; it executes)' : ''}`],
  ];
}

function tscChecks(r: TscResultT): Check[] {
  const classname = 'clocklab.tsc';
  const v = r.verdict;
  const checks: Check[] = [];
  const add = (name: string, ok: boolean | null, message: string, details = ''): void => {
    checks.push({ name: `tsc ${name}`, classname, status: ok === null ? 'skipped' : ok ? 'passed' : 'failed', message, details });
  };
  const rates = r.rates.map((x) => `cpu ${x.cpu}: ${rateText(x.monotonicRaw)}${x.planted ? ' (planted)' : ''}`).join('\n');
  add('invariant', v.invariant.invariant, `CPUID 0x80000007 EDX[8] ${v.invariant.cpuid ? 'set' : 'clear'}, constant_tsc ${v.invariant.constantTsc}, nonstop_tsc ${v.invariant.nonstopTsc}`);
  if (r.rates.length > 0) {
    add('same rate on every CPU', v.everyCpuSameRate, v.everyCpuSameRate === null ? 'one CPU measured' : v.everyCpuSameRate ? 'no two CPUs differ beyond their intervals' : "the CPUs' rates differ", rates);
    const o = v.offsets;
    add('offsets', o.measured && o.pairs.length > 0 ? o.beyondBound === false : null, o.largest ? `largest ${o.largest.offsetCycles.toFixed(1)} cycles, bound ±${o.largest.errorCycles.toFixed(1)} (cpu ${o.largest.cpuA} -> ${o.largest.cpuB})` : 'not measured', o.pairs.map((p) => `cpu ${p.cpuA} -> ${p.cpuB}: ${p.offsetCycles.toFixed(1)} ±${p.errorCycles.toFixed(1)} cycles`).join('\n'));
  }
  if (r.selfTest) {
    const s = r.selfTest;
    add('self-test', s.passed, `planted ${signedPpm(s.plantedPpm, 0)} on cpu ${s.cpu}, measured ${s.measured ? `${signedPpm(s.measured.ppm)} ±${pm(s.measured.halfWidthPpm)}` : 'nothing'}`, s.others.map((o) => `cpu ${o.cpu}: ${signedPpm(o.ppm)} ±${pm(o.halfWidthPpm)}`).join('\n'));
  }
  return checks;
}

function headlineOf(r: TscResultT): string {
  const v = r.verdict;
  if (r.rates.length === 0) return `A replay of ${r.options.machine ?? 'a capture'}: ${r.claims.length} claimed frequencies, nothing measured.`;
  if (r.selfTest) return `Self-test ${r.selfTest.passed ? 'passed' : 'FAILED'}: ${signedPpm(r.selfTest.plantedPpm, 0)} planted on cpu ${r.selfTest.cpu}, measured ${r.selfTest.measured ? `${signedPpm(r.selfTest.measured.ppm)} ±${pm(r.selfTest.measured.halfWidthPpm)}` : 'nothing'}.`;
  if (v.usable && v.frequencyHz !== null) return `A program may read the TSC here, at ${mhz(v.frequencyHz)} on every CPU measured (${r.rates.map((x) => x.cpu).join(',')}).`;
  return 'A program should not read the TSC here; the findings say why.';
}

export function tscModel(r: TscResultT): ModelBody {
  const o = r.options;
  const scope = o.machine !== null ? `a replay of ${o.machine}` : `${o.cpus.length} CPUs (${o.cpus.join(',')}), ${o.durationSeconds} s in all, ${o.points} samples a clock a CPU, the narrowest of ${o.tries} reads each`;
  const sections: Section[] = [
    {
      blocks: [
        { kind: 'note', text: { text: `clocklab tsc${o.selfTest ? ' --self-test' : ''}: ${scope}`, tone: 'strong' }, skip: ['markdown', 'html'] },
        { kind: 'facts', facts: verdictFacts(r) },
      ],
    },
  ];
  if (r.rates.length > 0) {
    sections.push({
      title: 'The rate on each CPU',
      textTitle: true,
      blocks: [
        { kind: 'note', text: 'TSC cycles per second of each clock, from bracketed reads (an ordered TSC read each side of clock_gettime, the narrowest of many), fitted over the span; ± is half the 95% interval.', skip: ['text'] },
        { kind: 'table', table: tableOf(rateColumns(r.pooled), r.rates) },
        ...(r.pooled ? [{ kind: 'note' as const, text: `pooled over the CPUs (inverse-variance weighted): ${rateText(r.pooled)}` }] : []),
      ],
    });
  }
  if (r.claims.length > 0) {
    sections.push({
      title: 'Every claimed frequency beside it',
      textTitle: true,
      blocks: [{ kind: 'table', table: tableOf(r.rates.length > 0 ? CLAIM_COLUMNS : replayClaimColumns(r.claims), r.claims) }],
    });
  }
  const d = r.daemon;
  if (d.correction || d.adjtimexPpm !== null) {
    sections.push({
      title: "The time daemon's correction",
      textTitle: true,
      blocks: [
        {
          kind: 'facts',
          facts: [
            ['CLOCK_MONOTONIC against MONOTONIC_RAW', d.correction ? `${signedPpm(d.correction.ppm)} ±${pm(d.correction.halfWidthPpm)}` : '-'],
            ["adjtimex's frequency offset", d.adjtimexPpm === null ? '-' : `${signedPpm(d.adjtimexPpm)}${d.adjtimexState === 5 ? ' (TIME_ERROR: not synchronised)' : ''}`],
            ['the two agree', yes(d.agrees)],
          ],
        },
      ],
    });
  }
  if (r.verdict.offsets.pairs.length > 0) {
    sections.push({ title: "The CPUs' TSC offsets", textTitle: true, blocks: [{ kind: 'table', table: tableOf(OFFSET_COLUMNS, r.verdict.offsets.pairs) }] });
  }
  if (r.selfTest) {
    const s = r.selfTest;
    const items: StatusItem[] = [{ status: s.passed ? 'ok' : 'fail', name: 'self-test', text: `${signedPpm(s.plantedPpm, 0)} planted on cpu ${s.cpu}, measured ${s.measured ? `${signedPpm(s.measured.ppm)} ±${pm(s.measured.halfWidthPpm)}` : 'nothing'}; ${s.others.map((x) => `cpu ${x.cpu} ${signedPpm(x.ppm)}`).join(', ') || 'no other CPU'}` }];
    sections.push({ title: 'Self-test', blocks: [{ kind: 'status', items }] });
  }
  sections.push(machineSection(r.machine), ...findingsSection(r.findings));

  const charts: Chart[] = [];
  const judged = r.claims.filter((c) => c.ppm !== null);
  if (judged.length > 0) charts.push({ title: 'Each claim off the measured rate', kind: 'bar', labels: judged.map((c) => c.source), series: [{ name: 'ppm', values: judged.map((c) => c.ppm) }], unit: 'ppm' });
  if (r.rates.length > 1 && r.pooled) {
    const pooled = r.pooled;
    charts.push({ title: 'Each CPU off the pooled rate', kind: 'bar', labels: r.rates.map((x) => `cpu ${x.cpu}`), series: [{ name: 'ppm', values: r.rates.map((x) => (x.monotonicRaw.hz / pooled.hz - 1) * 1e6) }], unit: 'ppm' });
  }
  return { title: 'clocklab tsc', command: 'tsc', headline: headlineOf(r), startedAt: r.startedAt, warnings: [], sections, charts, checks: tscChecks(r) };
}

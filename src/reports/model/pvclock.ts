// model/pvclock.ts: `clocklab pvclock` as a report model: every vCPU's
// pvclock record, whether they agree, how pvclock time tracks the kernel's
// clocks, and with --watch one check per vCPU that no read was torn.
import type { PvclockClockComparisonT, PvclockRecordFieldsT, PvclockRecordT, PvclockResultT } from '../../results/pvclock.js';
import {
  count,
  disturbanceParts,
  findingsSection,
  machineSection,
  tableOf,

  type Chart,
  type Check,
  type Column,
  type ModelBody,
  type Section,
  type StatusItem,
  type Text,
} from './common.js';

const RECORD_COLUMNS: ReadonlyArray<Column<PvclockRecordT>> = [
  { head: 'vCPU', numeric: true, cell: (x) => String(x.vcpu) },
  { head: 'version', numeric: true, cell: (x) => String(x.version) },
  { head: 'tsc_timestamp', numeric: true, cell: (x) => x.tscTimestamp },
  { head: 'system_time ns', numeric: true, cell: (x) => x.systemTimeNs },
  { head: 'mul', numeric: true, cell: (x) => String(x.mul) },
  { head: 'shift', numeric: true, cell: (x) => String(x.shift) },
  { head: 'flags', cell: (x) => x.flagNames.join(' ') || (x.flags === 0 ? '-' : String(x.flags)) },
  { head: 'TSC frequency', numeric: true, cell: (x) => `${(x.tscHz / 1e6).toFixed(6)} MHz` },
];

const CLOCK_COLUMNS: ReadonlyArray<Column<PvclockClockComparisonT>> = [
  { head: 'method', cell: (c) => c.method },
  { head: 'against', cell: (c) => `CLOCK_${c.clock.toUpperCase()}` },
  { head: 'offset (pvclock - clock)', numeric: true, cell: (c) => `${(c.offsetNs / 1e6).toFixed(6)} ms` },
  { head: 'rate difference', numeric: true, cell: (c) => `${c.rateDiffPpm >= 0 ? '+' : ''}${c.rateDiffPpm.toFixed(3)} ppm` },
  { head: 'window', numeric: true, cell: (c) => `${(c.windowNs / 1e6).toFixed(0)} ms` },
  { head: 'bracket', numeric: true, cell: (c) => `${c.bracketNs} ns` },
];

type WatchCounts = NonNullable<PvclockResultT['watch']>['counts'][number];

const WATCH_COLUMNS: ReadonlyArray<Column<WatchCounts>> = [
  { head: 'vCPU', numeric: true, cell: (c) => String(c.vcpu) },
  { head: 'polls', numeric: true, cell: (c) => count(c.polls) },
  { head: 'version changes', numeric: true, cell: (c) => count(c.versionChanges) },
  { head: 'odd-version reads', numeric: true, cell: (c) => count(c.oddReads) },
  { head: 'torn reads', numeric: true, cell: (c) => (c.tornReads > 0 ? { text: count(c.tornReads), tone: 'bad' } : '0') },
  { head: 'versions', cell: (c) => (c.firstVersion === c.lastVersion ? String(c.firstVersion) : `${c.firstVersion} -> ${c.lastVersion}`) },
];

/** The fields a torn read changed under one version, before -> after. */
function describeChange(a: PvclockRecordFieldsT, b: PvclockRecordFieldsT): string {
  const keys = ['tscTimestamp', 'systemTimeNs', 'mul', 'shift', 'flags'] as const;
  return keys
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${a[k]} -> ${b[k]}`)
    .join(', ');
}

export function pvclockModel(r: PvclockResultT): ModelBody {
  const checks: Check[] = (r.watch?.counts ?? []).map((c) => ({
    name: `pvclock torn reads vcpu ${c.vcpu}`,
    classname: 'clocklab.pvclock.watch',
    status: c.tornReads > 0 ? 'failed' : 'passed',
    message: `vCPU ${c.vcpu}: ${c.tornReads} torn reads in ${c.polls} polls over ${r.watch?.seconds ?? 0} s (${c.versionChanges} version changes, ${c.oddReads} odd-version reads)`,
    details: (r.watch?.torn ?? [])
      .filter((t) => t.vcpu === c.vcpu)
      .slice(0, 20)
      .map((t) => `at ${t.atSeconds.toFixed(3)} s, version ${t.version}: tscTimestamp ${t.before.tscTimestamp} -> ${t.after.tscTimestamp}, systemTimeNs ${t.before.systemTimeNs} -> ${t.after.systemTimeNs}`)
      .join('\n'),
  }));
  const a = r.agreement;
  const v = r.vdso;
  const facts: Array<[string, Text]> = [
    ['pvclock page', `${r.page.address}, ${r.page.detail}`],
    ['vDSO uses the page', v.pageInUse ? [{ text: 'yes', tone: 'ok' }, ' (clocksource kvm-clock, stable bit set)'] : `no (clocksource ${v.currentClocksource ?? 'unknown'}, stable bit ${v.stableBit ? 'set' : 'clear'})`],
    [
      'records agree',
      [
        ...(a.sameParameters ? [{ text: 'yes', tone: 'ok' as const }, ': same tsc_timestamp, system_time, mul, shift, flags'] : [{ text: 'no', tone: 'bad' as const }, `: ${a.differingFields.join(', ')} differ`]),
        `; one TSC (${a.commonTsc}) gives at most ${a.maxNsDifference} ns between vCPUs`,
      ],
    ],
  ];
  const sections: Section[] = [
    { title: 'pvclock page', blocks: [{ kind: 'facts', facts }] },
    { title: 'pvclock records per vCPU', blocks: [{ kind: 'table', table: tableOf(RECORD_COLUMNS, r.records) }] },
    { title: 'pvclock against the kernel clocks', blocks: [{ kind: 'table', table: tableOf(CLOCK_COLUMNS, r.clocks) }] },
  ];
  const w = r.watch;
  if (w) {
    const totalTorn = w.counts.reduce((n, c) => n + c.tornReads, 0);
    const torn: StatusItem[] = w.torn.map((t) => ({ status: 'fail', text: `vCPU ${t.vcpu} at ${t.atSeconds.toFixed(6)} s (version ${t.version}): ${describeChange(t.before, t.after)}` }));
    sections.push({
      title: `Every record watched for ${w.seconds} s`,
      textTitle: true,
      blocks: [
        { kind: 'table', table: tableOf(WATCH_COLUMNS, w.counts) },
        // summary.md has a check per vCPU; the torn reads themselves are here and in junit.xml.
        { kind: 'status', items: totalTorn === 0 ? [{ status: 'ok', text: 'no torn reads' }] : torn, skip: ['markdown'] },
        ...(totalTorn > w.torn.length ? [{ kind: 'note' as const, text: { text: `(${totalTorn - w.torn.length} more not listed)`, tone: 'dim' as const }, skip: ['markdown' as const] }] : []),
      ],
    });
  }
  const dist = disturbanceParts(r.disturbance);
  sections.push(machineSection(r.machine), dist.section, ...findingsSection(r.findings));

  const vcpus = r.records.map((x) => `vCPU ${x.vcpu}`);
  const base = r.records[0] ? BigInt(r.records[0].nsAtCommonTsc) : 0n;
  const charts: Chart[] = [
    {
      title: 'ns each record gives at one TSC value, minus vCPU 0',
      kind: 'bar',
      labels: vcpus,
      series: [{ name: 'difference', values: r.records.map((x) => Number(BigInt(x.nsAtCommonTsc) - base)) }],
      unit: 'ns',
    },
  ];
  if (r.watch) {
    charts.push({
      title: 'Watch: version changes, odd-version and torn reads per vCPU',
      kind: 'grouped-bar',
      labels: r.watch.counts.map((c) => `vCPU ${c.vcpu}`),
      series: [
        { name: 'version changes', values: r.watch.counts.map((c) => c.versionChanges) },
        { name: 'odd-version reads', values: r.watch.counts.map((c) => c.oddReads) },
        { name: 'torn reads', values: r.watch.counts.map((c) => c.tornReads) },
      ],
      unit: 'count',
    });
  }
  const torn = checks.filter((c) => c.status === 'failed').length;
  return {
    title: 'clocklab pvclock',
    command: 'pvclock',
    headline: `${r.records.length} vCPU records, ${a.sameParameters ? 'all alike' : `differing in ${a.differingFields.join(', ')}`}; the vDSO ${r.vdso.pageInUse ? 'reads' : 'does not read'} this page${r.watch ? `; ${torn === 0 ? 'no torn read' : `torn reads on ${torn} vCPUs`} in ${r.watch.seconds} s of watching` : ''}.`,
    startedAt: r.startedAt,
    warnings: [...(r.page.verifiedLayout ? [] : [`the pvclock page layout was not verified on this kernel (${r.page.detail})`]), ...dist.warnings],
    sections,
    charts,
    checks,
  };
}

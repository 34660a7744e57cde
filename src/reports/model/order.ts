// model/order.ts: `clocklab order` as a report model: a line and a check per
// method and pattern, the table of what was measured beside what the manuals
// promise, the CPU pairs' offset bounds, and the self-test.
import type { OrderPairT, OrderResultT, OrderTestT } from '../../results/order.js';
import {
  count,
  disturbanceParts,
  findingsSection,
  machineSection,
  tableOf,
  type Check,
  type Column,
  type ModelBody,
  type Section,
  type StatusItem,
} from './common.js';

type Measured = Extract<OrderTestT, { status: 'measured' }>;

const patternName = (p: string): string => p.replace('-', '->');
const ns = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '?');
const amount = (t: Measured, a: number, aNs: number): string => (t.unit === 'cycles' ? `${count(a)} cycles (${ns(aNs)} ns)` : `${count(a)} ns`);

/** `[INFO] rdtsc load->read: 12,345 of 50,000,000, worst 410 cycles: unordered, as the manual says`. */
export function orderStatus(t: OrderTestT): StatusItem {
  const name = `${t.method} ${patternName(t.pattern)}`;
  if (t.status !== 'measured') return { status: 'skip', name, text: t.reason };
  const w = t.worst;
  const figures = `${count(t.beyondBound)} of ${count(t.samples)} beyond the offset bound (${ns(t.boundNs)} ns)${w ? `, worst ${amount(t, w.amount, w.amountNs)} cpu ${w.fromCpu} -> cpu ${w.toCpu}` : ''}`;
  switch (t.verdict) {
    case 'held':
      return { status: 'ok', name, text: `held: ${figures}${t.violations > 0 ? `; ${count(t.violations)} within the bound, not evidence` : ''}; ${t.promised ? 'ordered, as promised' : 'not promised, held here'}` };
    case 'allowed':
      return { status: 'info', name, text: `${figures}: unordered, as the manual allows` };
    case 'failed':
      return { status: 'fail', name, text: `${figures}: out of order, where the manual promises order`, details: [t.source] };
    case 'no-samples':
      return { status: 'warn', name, text: 'no sample was compared' };
  }
}

const promise = (t: Measured): string => (t.promised ? 'ordered' : 'unordered');

const TEST_COLUMNS: ReadonlyArray<Column<Measured>> = [
  { head: 'method', cell: (t) => t.method },
  { head: 'pattern', cell: (t) => patternName(t.pattern) },
  { head: 'manual', cell: (t) => promise(t) },
  { head: 'samples', numeric: true, cell: (t) => count(t.samples) },
  { head: 'violations', numeric: true, cell: (t) => count(t.violations) },
  { head: 'beyond bound', numeric: true, cell: (t) => count(t.beyondBound) },
  { head: 'worst', numeric: true, cell: (t) => (t.worst ? amount(t, t.worst.amount, t.worst.amountNs) : '-') },
  { head: 'CPU pair', cell: (t) => (t.worst ? `${t.worst.fromCpu} -> ${t.worst.toCpu}` : '-') },
  { head: 'measured', cell: (t) => (t.verdict === 'held' ? 'ordered' : t.verdict === 'no-samples' ? '-' : 'unordered') },
  {
    head: 'verdict',
    cell: (t) =>
      t.verdict === 'held' ? { text: 'held', tone: 'ok' } : t.verdict === 'failed' ? { text: 'FAILED', tone: 'bad' } : t.verdict === 'allowed' ? { text: 'allowed', tone: 'warn' } : { text: 'no samples', tone: 'warn' },
  },
];

const PAIR_COLUMNS: ReadonlyArray<Column<OrderPairT>> = [
  { head: 'CPU A', numeric: true, cell: (p) => String(p.cpuA) },
  { head: 'CPU B', numeric: true, cell: (p) => String(p.cpuB) },
  { head: 'offset (cycles)', numeric: true, cell: (p) => (p.offsetCycles === null ? '-' : p.offsetCycles.toFixed(1)) },
  { head: 'error (± cycles)', numeric: true, cell: (p) => (p.errorCycles === null ? '-' : p.errorCycles.toFixed(1)) },
  { head: 'bound (cycles)', numeric: true, cell: (p) => count(p.boundCycles) },
];

function orderChecks(r: OrderResultT): Check[] {
  const classname = 'clocklab.order';
  return r.tests.map((t): Check => {
    const name = `order ${t.method} ${patternName(t.pattern)}`;
    if (t.status !== 'measured') return { name, classname, status: 'skipped', message: t.reason, details: t.reason };
    const line = orderStatus(t);
    const message = typeof line.text === 'string' ? line.text : '';
    const details = [`manual: ${promise(t)} (${t.source})`, `${t.samples} samples, ${t.violations} violations, ${t.beyondBound} beyond the bound`].join('\n');
    return { name, classname, status: t.verdict === 'failed' ? 'failed' : 'passed', message, details };
  });
}

export function orderModel(r: OrderResultT): ModelBody {
  const measured = r.tests.filter((t): t is Measured => t.status === 'measured');
  const o = r.options;
  const dist = disturbanceParts(r.disturbance);
  const scope = `${o.cpus.length} CPUs (${o.cpus.join(',')}), ${o.durationSeconds} s per method and pattern`;
  const sections: Section[] = [
    {
      blocks: [
        { kind: 'note', text: { text: `clocklab order${o.selfTest ? ' --self-test' : ''}: ${scope}`, tone: 'strong' }, skip: ['markdown', 'html'] },
        { kind: 'status', items: r.tests.map(orderStatus), skip: ['markdown', 'html'] },
      ],
    },
  ];
  if (measured.length > 0) {
    sections.push({
      title: 'Each read against ordinary memory',
      blocks: [
        {
          kind: 'note',
          text: 'load->read: one CPU publishes its read, the other loads it and then reads; a lower read ran ahead of the load. store->read: one CPU stores a sequence number and then reads; the other (fenced) catches reads that claim a time before the store was visible. "manual": what Intel SDM Vol. 2B and AMD APM Vol. 3 (RDTSC, RDTSCP) or the kernel (rdtsc_ordered()) promise; only violations beyond the pair\'s offset bound count.',
          skip: ['text'],
        },
        { kind: 'table', table: tableOf(TEST_COLUMNS, measured) },
      ],
    });
  }
  sections.push({
    title: 'TSC offset bound per CPU pair',
    textTitle: true,
    blocks: [
      { kind: 'note', text: `Ping-pong over one cache line${r.offsetMethod ? `, read with ${r.offsetMethod}` : ''}; a violation no larger than the bound could be the offset alone.` },
      { kind: 'table', table: tableOf(PAIR_COLUMNS, r.pairs) },
    ],
  });
  if (r.selfTest) {
    const s = r.selfTest;
    sections.push({
      title: 'Self-test',
      blocks: [
        { kind: 'note', text: `self-test: ${s.method} read in the wrong order (the read before the load; before the store), which the checker must catch.` },
        { kind: 'status', items: [{ status: s.passed ? 'ok' : 'fail', name: 'self-test', text: s.reason }] },
      ],
    });
  }
  sections.push(machineSection(r.machine), dist.section, ...findingsSection(r.findings));
  const failed = measured.filter((t) => t.verdict === 'failed').map((t) => `${t.method} ${patternName(t.pattern)}`);
  const allowed = measured.filter((t) => t.verdict === 'allowed').map((t) => `${t.method} ${patternName(t.pattern)}`);
  const headline = r.selfTest
    ? `Self-test ${r.selfTest.passed ? 'passed' : 'FAILED'}: ${r.selfTest.reason}.`
    : failed.length > 0
      ? `Out of order where the manuals promise order: ${failed.join(', ')}.`
      : `Every promised order held${allowed.length > 0 ? ` (out of order where the manuals allow it: ${allowed.join(', ')})` : ''}.`;
  const checks = orderChecks(r);
  if (r.selfTest) checks.push({ name: 'order self-test', classname: 'clocklab.order', status: r.selfTest.passed ? 'passed' : 'failed', message: r.selfTest.reason, details: r.selfTest.reason });
  return {
    title: 'clocklab order',
    command: 'order',
    headline,
    startedAt: r.startedAt,
    warnings: dist.warnings,
    sections,
    charts: measured.length > 0
      ? [{ title: 'Violations beyond the offset bound, per method and pattern', kind: 'bar', labels: measured.map((t) => `${t.method} ${patternName(t.pattern)}`), series: [{ name: 'beyond bound', values: measured.map((t) => t.beyondBound) }], unit: 'violations' }]
      : [],
    checks,
  };
}

// model/methods.ts: `clocklab methods` as a report model: every method, and
// whether this machine can run it. No report files (methods has no --out),
// but the terminal's table is defined here like every other.
import type { MethodAvailabilityT, MethodsResultT } from '../../results/methods.js';
import { replayText, tableOf, yesNo, type Column, type ModelBody } from './common.js';

/** What the manuals promise, as `clocklab order` checks it. */
const promise = (p: boolean | null | undefined): string => (p === true ? 'ordered' : p === false ? 'unordered' : '-');

const METHOD_COLUMNS: ReadonlyArray<Column<MethodAvailabilityT>> = [
  { head: 'method', cell: (m) => m.method },
  { head: 'runs here', cell: (m) => yesNo(m.available) },
  { head: 'path', cell: (m) => m.path },
  { head: 'contract', cell: (m) => m.contract },
  { head: 'load->read', cell: (m) => promise(m.loadOrdered) },
  { head: 'store->read', cell: (m) => promise(m.storeOrdered) },
  { head: 'what it reads / why not', cell: (m) => (m.available ? (m.caveat ?? m.description) : [m.reason ?? '', ...(m.caveat ? [m.caveat] : [])].join('; ')) },
];

export function methodsModel(r: MethodsResultT): ModelBody {
  const n = r.methods.filter((m) => m.available).length;
  const where = r.machine.replay ? `would run on ${replayText(r.machine)}` : 'run on this machine';
  const summary = `${n} of ${r.methods.length} methods ${where} (kernel ${r.machine.kernel.release}, clocksource ${r.machine.clocksources.current ?? 'unknown'}).`;
  return {
    title: 'clocklab methods',
    command: 'methods',
    headline: summary,
    startedAt: r.startedAt,
    warnings: [],
    sections: [{ title: 'Methods', blocks: [{ kind: 'table', table: tableOf(METHOD_COLUMNS, r.methods) }, { kind: 'note', text: summary }] }],
    charts: [],
    checks: [],
  };
}

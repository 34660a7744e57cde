// methods.ts: `clocklab methods` for a person at a terminal. Pure.
import type { MethodsResultT } from '../../results/methods.js';
import { pc, table } from './style.js';

export function renderMethodsText(r: MethodsResultT): string {
  const rows = r.methods.map((m) => [
    m.method,
    m.available ? pc.green('yes') : pc.red('no'),
    m.path,
    m.contract,
    m.available ? (m.caveat ?? m.description) : (m.reason ?? ''),
  ]);
  const n = r.methods.filter((m) => m.available).length;
  return (
    table(['method', 'runs here', 'path', 'contract', 'what it reads / why not'], rows) +
    `\n${n} of ${r.methods.length} methods run on this machine (kernel ${r.machine.kernel.release}, clocksource ${r.machine.clocksources.current ?? 'unknown'}).\n`
  );
}

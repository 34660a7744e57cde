// check.ts: `clocklab check` for a person at a terminal: the verdict, then
// one line per check with its figures and, where something is wrong, advice.
import type { CheckResultT } from '../../results/check.js';
import { bad, ok, pc, tag, warn } from './style.js';

export function renderCheckText(r: CheckResultT): string {
  const out: string[] = [];
  const seconds = (r.elapsedMs / 1000).toFixed(1);
  const verdict =
    r.verdict === 'healthy' ? ok('healthy') : r.verdict === 'warnings' ? warn('healthy, with warnings') : bad('UNHEALTHY');
  out.push(`clocklab check: ${verdict} (${r.checks.length} checks in ${seconds} s, clocksource ${r.machine.clocksources.current ?? 'unknown'})`);
  const width = Math.max(...r.checks.map((c) => c.name.length));
  for (const c of r.checks) {
    out.push(`${tag(c.status === 'skipped' ? 'skip' : c.status)} ${c.name.padEnd(width)}  ${c.summary}`);
    if (c.advice && c.status !== 'ok') out.push(`${' '.repeat(7 + width + 2)}${pc.dim(c.advice)}`);
  }
  if (r.verdict === 'warnings' && r.options.strict) out.push(bad('--strict: a warning fails the check'));
  return out.join('\n') + '\n';
}

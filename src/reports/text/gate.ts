// gate.ts: the regression gate's lines for a person at a terminal, appended
// to a gated command's own text report.
import type { GateT } from '../../results/gate.js';
import { tag, table } from './style.js';

const f = (n: number | null): string => (n === null ? '-' : n.toFixed(2));

export function renderGateText(gate: GateT | undefined): string {
  if (gate === undefined) return '';
  const out: string[] = ['', `Regression gate: baseline ${gate.baselineFile} (${gate.baselineStartedAt}), threshold ${gate.thresholdPercent}%`];
  for (const w of gate.warnings) out.push(`${tag('warn')} ${w}`);
  out.push(
    table(
      ['method', 'baseline ns/loop', 'ns/loop', 'change', 'status'],
      gate.comparisons.map((c) => [
        c.key,
        f(c.baselineMedianNsPerLoop),
        f(c.medianNsPerLoop),
        c.changePercent === null ? '-' : `${c.changePercent >= 0 ? '+' : ''}${c.changePercent.toFixed(1)}%`,
        c.status,
      ]),
      ['left', 'right', 'right', 'right', 'left'],
    ),
  );
  for (const c of gate.comparisons) {
    if (c.status === 'regressed') out.push(`${tag('fail')} ${c.key}  ${f(c.medianNsPerLoop)} ns/loop against baseline ${f(c.baselineMedianNsPerLoop)} (+${(c.changePercent ?? 0).toFixed(1)}%)`);
  }
  out.push(gate.regressions > 0 ? `${tag('fail')} ${gate.regressions} regression${gate.regressions === 1 ? '' : 's'} past ${gate.thresholdPercent}%` : `${tag('ok')} no regression past ${gate.thresholdPercent}%`);
  return out.join('\n') + '\n';
}

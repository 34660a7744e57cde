// style.ts: the terminal look shared by every text report: colours that
// respect NO_COLOR and pipes (picocolors decides), and tables with no
// colours of their own.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { FindingT } from '../../results/common.js';
import { phrase } from '../findings.js';

export { pc };

export function table(head: string[], rows: Array<Array<string | number>>, align?: Array<'left' | 'right'>): string {
  const t = new Table({
    head,
    style: { head: [], border: [] },
    // No rule between body rows: compact, and still aligned when pasted.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(align ? { colAligns: align } : {}),
  });
  for (const r of rows) t.push(r.map(String));
  return t.toString();
}

export const ok = (s: string): string => pc.green(s);
export const bad = (s: string): string => pc.red(s);
export const warn = (s: string): string => pc.yellow(s);

/** `[OK]  `, `[WARN]`, `[FAIL]` and `[INFO]` tags, padded alike. */
export function tag(kind: 'ok' | 'warn' | 'fail' | 'info' | 'skip'): string {
  switch (kind) {
    case 'ok': return ok('[OK]  ');
    case 'warn': return warn('[WARN]');
    case 'fail': return bad('[FAIL]');
    case 'skip': return pc.dim('[SKIP]');
    case 'info': return pc.cyan('[INFO]');
  }
}

export function renderFindings(findings: readonly FindingT[]): string {
  return findings
    .map((f) => {
      const p = phrase(f);
      const kind = f.severity === 'fail' ? 'fail' : f.severity === 'warn' ? 'warn' : 'info';
      return `${tag(kind)} ${p.text}${p.advice ? `\n       ${pc.dim(p.advice)}` : ''}`;
    })
    .join('\n');
}

// style.ts: the terminal's look (../text.ts draws every text report with
// it): colours, status tags, and box tables with no colours of their own.
// Whether there are colours is the caller's decision (the CLI's, from
// NO_COLOR, FORCE_COLOR and the terminal), made per rendering with
// withColor(); without one, text is plain, so a report never depends on the
// environment it happens to be rendered in.
import Table from 'cli-table3';
import picocolors from 'picocolors';

const plain = picocolors.createColors(false);
const coloured = picocolors.createColors(true);

/** The colours of the rendering in progress (an ES live binding). */
export let pc = plain;

/** Renders with colours on or off. Rendering is synchronous, so the choice
 * cannot leak into another rendering. */
export function withColor<T>(on: boolean, render: () => T): T {
  const before = pc;
  pc = on ? coloured : plain;
  try {
    return render();
  } finally {
    pc = before;
  }
}

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

// markdown.ts: summary.md, GitHub-flavoured Markdown that fits
// $GITHUB_STEP_SUMMARY: the verdict first, then the warnings, the checks that
// did not pass, and the tables. Pure: a function of the report model.
import type { Check, ReportModel, Section, Verdict } from './model.js';

const VERDICT: Record<Verdict, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  info: 'ℹ️ no checks (information only)',
};

/** A table cell: no pipe, newline or tag can break out of it. */
function cell(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/** Running text: only what could start a tag or an entity is escaped (a
 * `>` is harmless mid-line, and `cpu 1 -> cpu 0` should stay readable). */
function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function mdTable(head: string[], rows: string[][], numeric?: boolean[]): string {
  const width = Math.max(head.length, ...rows.map((r) => r.length));
  const pad = (r: string[]): string[] => [...r, ...Array<string>(width - r.length).fill('')];
  // A key/value table has an empty head; GitHub needs one, so name it.
  const h = head.every((x) => x === '') ? pad(['', '']).map((_, i) => (i === 0 ? 'item' : 'value')) : pad(head);
  const align = h.map((_, i) => (numeric?.[i] ? '---:' : '---'));
  return [h, align, ...rows.map(pad)].map((r, i) => `| ${(i === 1 ? r : r.map(cell)).join(' | ')} |`).join('\n');
}

function section(s: Section): string {
  const parts = [`### ${text(s.title)}`];
  if (s.text) parts.push(text(s.text));
  parts.push(mdTable(s.table.head, s.table.rows, s.table.numeric));
  return parts.join('\n\n');
}

function checksTable(checks: readonly Check[]): string {
  const order = { failed: 0, skipped: 1, passed: 2 } as const;
  const sorted = [...checks].sort((a, b) => order[a.status] - order[b.status]);
  const icon = { failed: '❌ failed', skipped: '⏭️ skipped', passed: '✅ passed' } as const;
  return mdTable(['check', 'status', 'figures'], sorted.map((c) => [c.name, icon[c.status], c.message]));
}

export function renderMarkdown(m: ReportModel): string {
  const out: string[] = [`## ${text(m.title)}: ${VERDICT[m.verdict]}`, text(m.headline)];
  for (const w of m.warnings) out.push(`> [!WARNING]\n> ${text(w)}`);
  if (m.checks.length > 0) {
    const failed = m.checks.filter((c) => c.status === 'failed').length;
    const skipped = m.checks.filter((c) => c.status === 'skipped').length;
    out.push(`### Checks: ${m.checks.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`, checksTable(m.checks));
  }
  for (const s of m.sections) out.push(section(s));
  out.push(`<sub>clocklab ${text(m.command)}, started ${text(m.startedAt)}. Charts: report.html; every figure: report.json.</sub>`);
  return out.join('\n\n') + '\n';
}

// markdown.ts: summary.md, GitHub-flavoured Markdown that fits
// $GITHUB_STEP_SUMMARY: the verdict first, then the warnings, the checks
// (failures first), and the sections: tables, status lines as a list, facts
// as a two-column table. Pure: a function of the report model.
import { plain, shows, type Block, type Check, type ReportModel, type Section, type Status, type StatusItem, type VerdictBadge } from './model/index.js';

const VERDICT: Record<VerdictBadge, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  info: 'ℹ️ no checks (information only)',
  warnings: '⚠️ warnings (passed, with warnings)',
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

function mdTable(head: readonly string[], rows: readonly string[][], numeric?: readonly boolean[]): string {
  const width = Math.max(head.length, ...rows.map((r) => r.length));
  const pad = (r: readonly string[]): string[] => [...r, ...Array<string>(width - r.length).fill('')];
  const h = pad(head);
  const align = h.map((_, i) => (numeric?.[i] ? '---:' : '---'));
  return [h, align, ...rows.map(pad)].map((r, i) => `| ${(i === 1 ? r : r.map(cell)).join(' | ')} |`).join('\n');
}

const ICON: Record<Status, string> = { ok: '✅', warn: '⚠️', fail: '❌', skip: '⏭️', info: 'ℹ️' };

function statusItem(i: StatusItem): string {
  const more = [...(i.advice ? [i.advice] : []), ...(i.details ?? [])].map((l) => `<br>${text(l)}`).join('');
  return `- ${ICON[i.status]} ${i.name !== undefined ? `**${text(i.name)}** ` : ''}${text(plain(i.text))}${more}`;
}

/** A fence no line can close: longer than any run of backticks in them. */
function fenced(lines: readonly string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}text`, ...lines, fence].join('\n');
}

function block(b: Block): string | null {
  switch (b.kind) {
    case 'note':
      return text(plain(b.text));
    case 'table':
      if (b.table.rows.length === 0) return null;
      return mdTable(
        b.table.columns.map((c) => c.head),
        b.table.rows.map((r) => r.map(plain)),
        b.table.columns.map((c) => c.numeric === true),
      );
    case 'facts':
      // GitHub needs a table head; key/value facts have none of their own.
      return b.facts.length === 0 ? null : mdTable(['item', 'value'], b.facts.map(([k, v]) => [k, plain(v)]));
    case 'lines':
      return b.lines.length === 0 ? null : fenced(b.lines);
    case 'status':
      return b.items.length === 0 ? null : b.items.map(statusItem).join('\n');
  }
}

function section(s: Section): string | null {
  const blocks = s.blocks.filter((b) => shows(b, 'markdown')).flatMap((b) => block(b) ?? []);
  if (blocks.length === 0) return null;
  return [...(s.title ? [`### ${text(s.title)}`] : []), ...blocks].join('\n\n');
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
  out.push(...m.sections.filter((s) => shows(s, 'markdown')).flatMap((s) => section(s) ?? []));
  out.push(`<sub>clocklab ${text(m.command)}, started ${text(m.startedAt)}. Charts: report.html; every figure: report.json.</sub>`);
  return out.join('\n\n') + '\n';
}

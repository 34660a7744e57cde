// text/index.ts: the report for a person at a terminal, from the same model as
// summary.md and report.html: the same tables as box tables (cli-table3), the
// status lines a person pastes into an issue (`[FAIL] rdtscp  cpu 1 -> cpu 0:
// ...`), facts as aligned lines. Pure: a function of the model. Colours only
// inside withColor(true, ...) (./style.ts): otherwise plain text.
import type { GateT } from '../../results/gate.js';
import type { MethodsResultT } from '../../results/methods.js';
import type { ReportResultT } from '../../results/report.js';
import { modelOf, gateParts, plain, shows, spans, type Block, type ReportModel, type Section, type Span, type StatusItem, type Text } from '../model/index.js';
import { pc, table, tag } from './style.js';

export { formatRunLine, methodWidth } from '../model/bench.js';

export interface TextOptions {
  /** Section ids to leave out: `runs` (bench's run lines, which the CLI
   * prints as runs finish), `gate`. */
  skip?: readonly string[];
}

function toned(s: Span): string {
  if (typeof s === 'string') return s;
  switch (s.tone) {
    case 'ok': return pc.green(s.text);
    case 'bad': return pc.red(s.text);
    case 'warn': return pc.yellow(s.text);
    case 'dim': return pc.dim(s.text);
    case 'strong': return pc.bold(s.text);
  }
}

const rich = (t: Text): string => spans(t).map(toned).join('');

/** `[OK]   name  text`, names padded alike; advice and details indented under it. */
function statusLines(items: readonly StatusItem[]): string[] {
  const width = Math.max(0, ...items.map((i) => i.name?.length ?? 0));
  return items.flatMap((i) => {
    const name = i.name !== undefined ? `${i.name.padEnd(width)}  ` : '';
    const indent = ' '.repeat('[WARN] '.length + name.length);
    return [`${tag(i.status)} ${name}${rich(i.text)}`, ...(i.advice ? [indent + pc.dim(i.advice)] : []), ...(i.details ?? []).map((d) => indent + d)];
  });
}

/** A block's lines; none when it has nothing to show. */
function blockLines(b: Block): string[] {
  switch (b.kind) {
    case 'note':
      return [rich(b.text)];
    case 'lines':
      return b.lines;
    case 'status':
      return statusLines(b.items);
    case 'table': {
      if (b.table.rows.length === 0) return [];
      const align = b.table.columns.map((c): 'left' | 'right' => (c.numeric ? 'right' : 'left'));
      return [table(b.table.columns.map((c) => c.head), b.table.rows.map((r) => r.map(rich)), align)];
    }
    case 'facts': {
      if (b.facts.length === 0) return [];
      // One quiet line: what could have disturbed the run is worth a glance, not a table.
      if (b.compact) return [pc.dim(b.facts.map(([k, v]) => `${k}: ${plain(v)}`).join('; '))];
      const width = Math.max(20, ...b.facts.map(([k]) => k.length + 1));
      return b.facts.map(([k, v]) => `${k.padEnd(width)} ${rich(v)}`);
    }
  }
}

/** Sections, a blank line between them; a heading only where the section asks for one. */
export function renderSections(sections: readonly Section[], options: TextOptions = {}): string {
  const parts: string[] = [];
  for (const s of sections) {
    if (!shows(s, 'text') || (s.id !== undefined && (options.skip ?? []).includes(s.id))) continue;
    const body = s.blocks.filter((b) => shows(b, 'text')).flatMap(blockLines);
    if (body.length === 0) continue;
    parts.push([...(s.textTitle && s.title ? [pc.bold(`== ${s.title}`)] : []), ...body].join('\n'));
  }
  return parts.length === 0 ? '' : parts.join('\n\n') + '\n';
}

/** The text report of a model. The headline, verdict and warnings head the
 * report files; the terminal's own lines say the same where they matter. */
export function renderText(m: Pick<ReportModel, 'sections'>, options: TextOptions = {}): string {
  return renderSections(m.sections, options);
}

/** The text report of any result. */
export function textReport(r: ReportResultT | MethodsResultT, options: TextOptions = {}): string {
  return renderText(modelOf(r), options);
}

/** The regression gate's section alone, after a blank line. */
export function renderGateText(gate: GateT | undefined): string {
  const text = renderSections(gateParts(gate, '').sections);
  return text === '' ? '' : `\n${text}`;
}

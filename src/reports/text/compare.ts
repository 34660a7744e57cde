// compare.ts (text): the compare result for a terminal: each clocksource's
// bench figures, then one table side by side with ratios (and warp verdicts),
// then the recommendation and its evidence. Pure: result in, string out.
import type { ClocksourceRunT, CompareResultT } from '../../results/compare.js';
import { renderBenchSummary } from './bench.js';
import { bad, ok, pc, renderFindings, table, tag, warn } from './style.js';
import { warpLine } from './warp.js';

const ns = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(2));

/** A clocksource's own bench table (the bench report's), under a heading that says how it got there. */
function benchSection(run: ClocksourceRunT): string {
  const how = run.switched ? `switched from ${run.switched.from} in ${run.switched.writeMs.toFixed(2)} ms` : 'already current, not switched';
  const warp = run.warp ? `\nwarp: ${run.warp.verdict}` + renderWarpLines(run) : '';
  return `${pc.bold(`== ${run.clocksource}, round ${run.round}`)} (${how}; read back after: ${run.clocksourceDuring})\n${renderBenchSummary(run.bench)}${warp}`;
}

function renderWarpLines(run: ClocksourceRunT): string {
  const w = run.warp;
  if (!w) return '';
  const width = Math.max(...w.methods.map((m) => m.method.length));
  return '\n' + w.methods.map((m) => warpLine(m, width)).join('\n') + '\n';
}

function verdictText(v: string | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return v === 'held' ? ok(v) : v === 'failed' ? bad(v) : warn(v);
}

export function renderCompareText(r: CompareResultT): string {
  const out: string[] = [];
  const names = [...new Set(r.runs.map((x) => x.clocksource))];
  const base = names[0];
  out.push(
    `clocksources ${names.join(', ')}; started on ${r.originalClocksource}; ${r.options.loops} loops x ${r.options.runs} runs x ${r.options.rounds} round${r.options.rounds === 1 ? '' : 's'} (ABBA) on CPU ${r.options.cpu}` +
      (r.options.warp ? `; warp ${r.options.warpDurationSeconds} s on CPUs ${r.options.warpCpus.join(',')}` : ''),
  );
  out.push('');
  for (const run of r.runs) out.push(benchSection(run));

  if (names.length > 1) {
    const others = names.slice(1);
    const head = ['method', ...names.map((n) => `${n} ns/loop`), ...others.map((n) => `${n}/${base}`)];
    if (r.options.warp) head.push(...names.map((n) => `warp ${n}`));
    const rows = r.comparison.map((row) => {
      const cells: string[] = [row.method, ...names.map((n) => ns(row.nsPerLoop[n]))];
      cells.push(...others.map((n) => (row.ratio[n] === null || row.ratio[n] === undefined ? '-' : `${row.ratio[n]!.toFixed(2)}x`)));
      if (r.options.warp) cells.push(...names.map((n) => verdictText(row.warp[n])));
      return cells;
    });
    const align: Array<'left' | 'right'> = ['left', ...names.map((): 'right' => 'right'), ...others.map((): 'right' => 'right')];
    if (r.options.warp) align.push(...names.map((): 'left' => 'left'));
    out.push(pc.bold(`side by side (median ns/loop over ${r.options.runs * r.options.rounds} runs each)`), table(head, rows, align), '');
  }

  const rec = r.recommendation;
  const headline =
    rec.level === 'recommend'
      ? `${tag('ok')} recommended clocksource: ${pc.bold(rec.clocksource ?? '')}`
      : rec.level === 'lean'
        ? `${tag('info')} ${pc.bold(rec.clocksource ?? '')} is faster and safe on the evidence gathered, but the evidence is incomplete`
        : `${tag('warn')} no recommendation: the evidence is not enough`;
  out.push(pc.bold('recommendation'), headline);
  for (const reason of rec.reasons) out.push(`       ${reason}`);
  for (const s of rec.safety) {
    const facts = s.evidence.map((e) => `${e.fact} ${e.ok === null ? '?' : e.ok ? 'yes' : 'NO'}`).join(', ');
    const verdict = s.safe === null ? 'unknown' : s.safe ? 'safe' : 'NOT safe';
    out.push(`       ${s.clocksource}: ${verdict} here (${facts})`);
  }
  out.push('');
  const restoredLine = r.options.currentOnly
    ? `${tag('ok')} measured on ${r.originalClocksource} without switching (--current-only)`
    : r.restored
    ? `${tag('ok')} clocksource back on ${r.originalClocksource} (${r.switches.length} confirmed switch${r.switches.length === 1 ? '' : 'es'}, settle wait ${r.settle.waitMs} ms)`
    : `${tag('fail')} clocksource NOT back on ${r.originalClocksource}`;
  out.push(restoredLine);
  if (r.findings.length > 0) out.push(renderFindings(r.findings));
  return out.join('\n') + '\n';
}

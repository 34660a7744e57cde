// bench.ts: `clocklab bench` for a person at a terminal: the thread's line for
// every run, then one table. Pure functions of the result.
import type { BenchMethodResultT, BenchResultT, BenchRunT } from '../../results/bench.js';
import { pc, renderFindings, table, tag } from './style.js';

/** The width method names are padded to in run lines. */
export function methodWidth(methods: readonly string[]): number {
  return Math.max(0, ...methods.map((m) => m.length));
}

/**
 * One run, as the thread's timing_test printed it, prefixed by the method:
 * `monotonic  10000000 loops in 0.63096s = 63.10 nsec / loop` (the part after
 * the method is printf's "%d loops in %.5fs = %.2f nsec / loop").
 */
export function formatRunLine(method: string, loops: number, run: BenchRunT, width = method.length): string {
  return `${method.padEnd(width)}  ${loops} loops in ${(run.elapsedNs / 1e9).toFixed(5)}s = ${run.nsPerLoop.toFixed(2)} nsec / loop`;
}

/** Every run line of a result, in run order. */
export function renderRunLines(r: BenchResultT): string {
  // Padded to every method asked for, as the CLI pads lines it prints live.
  const width = methodWidth(r.options.methods);
  const lines: string[] = [];
  for (const m of r.methods) {
    if (m.status === 'measured') for (const run of m.runs) lines.push(formatRunLine(m.method, m.loops, run, width));
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

const f2 = (x: number): string => x.toFixed(2);

/** The name of the method the ratios are taken against, if any. */
export function ratioBase(r: BenchResultT): string | null {
  const base = r.methods.find((m) => m.status === 'measured' && m.summary.ratioToFastestClock === 1);
  return base ? base.method : null;
}

function row(m: BenchMethodResultT): string[] {
  if (m.status !== 'measured') return [m.method, '-', '-', '-', '-', '-', m.status];
  const s = m.summary;
  return [
    m.method,
    f2(s.medianNsPerLoop),
    f2(s.minNsPerLoop),
    f2(s.maxNsPerLoop),
    s.spreadPercent.toFixed(1),
    s.cyclesPerLoop.toFixed(1),
    s.ratioToFastestClock === null ? '-' : `${f2(s.ratioToFastestClock)}x`,
  ];
}

/** The summary table, what was skipped, the disturbance record and the findings. */
export function renderBenchSummary(r: BenchResultT): string {
  const out: string[] = [];
  const runsText = r.options.runs !== null ? `${r.options.runs} runs` : `runs for ${r.options.durationSeconds} s per method`;
  out.push(
    `${r.options.loops} loops x ${runsText}${r.options.warmup ? ' (after a warm-up run)' : ''}, on CPU ${r.options.cpu}, ` +
      `clocksource ${r.disturbance.clocksourceAfter ?? 'unknown'}`,
  );
  out.push(
    table(
      ['method', 'median ns/loop', 'min', 'max', 'spread %', 'cycles/loop', 'x fastest clock'],
      r.methods.map(row),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  const base = ratioBase(r);
  out.push(
    base
      ? pc.dim(
          `ratio: median ns/loop over that of ${base}, the fastest ${base.endsWith('_coarse') ? '' : 'fine-resolution '}clock_gettime method in this run`,
        )
      : pc.dim('ratio: no clock_gettime method was measured, so no ratios'),
  );
  for (const m of r.methods) {
    if (m.status !== 'measured') out.push(`${tag('skip')} ${m.method}: ${m.reason}`);
  }
  const d = r.disturbance;
  out.push(
    pc.dim(
      `steal during the bench: ${d.stealPercent.toFixed(2)}% of CPU ${d.cpus.join(',')}; load average before: ${d.loadAverageBefore
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    ),
  );
  if (r.findings.length > 0) out.push(renderFindings(r.findings));
  return out.join('\n') + '\n';
}

/** The whole text report: run lines, then the summary. */
export function renderBenchText(r: BenchResultT): string {
  return renderRunLines(r) + renderBenchSummary(r);
}

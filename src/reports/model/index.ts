// model/index.ts: what every report shows, whatever the command: a verdict,
// warnings, sections (tables, status lines, facts, notes), charts and checks
// (the types are in ./common.ts). Each command turns its result into this
// once (./<command>.ts); the terminal's text, summary.md,
// junit.xml and report.html are generic functions of it, so a new command is
// one function and one case below.
import type { MethodsResultT } from '../../results/methods.js';
import { ReportResult, type ReportResultT } from '../../results/report.js';
import { benchModel } from './bench.js';
import { checkModel } from './check.js';
import { pvclockModel } from './pvclock.js';
import { compareModel } from './compare.js';
import type { ModelBody, ReportModel } from './common.js';
import type { Verdict as CommandVerdict } from '../../results/verdict.js';
import { infoModel } from './info.js';
import { methodsModel } from './methods.js';
import { warpModel } from './warp.js';
import { orderModel } from './order.js';
import { tscModel } from './tsc.js';

export * from './common.js';

/** One function per command. Adding a command: its result in
 * src/results/report.ts's union, its case here (tsc insists on it). `methods`
 * has no report files, only the terminal's text. */
export function modelOf(r: ReportResultT | MethodsResultT): ModelBody {
  switch (r.command) {
    case 'methods': return methodsModel(r);
    case 'info': return infoModel(r);
    case 'bench': return benchModel(r);
    case 'warp': return warpModel(r);
    case 'check': return checkModel(r);
    case 'pvclock': return pvclockModel(r);
    case 'compare': return compareModel(r);
    case 'order': return orderModel(r);
    case 'tsc': return tscModel(r);
  }
}

/**
 * The report model of any result, headed by the verdict of the command that
 * made it (never judged again here): failed, passed, or info where the
 * result has nothing to judge. A result that is not (yet) in the report
 * union, or does not match its schema, still gets a model: its findings and
 * a warning that says what is wrong, so --out never fails after a long run.
 */
export function reportModel(result: unknown, verdict: CommandVerdict): ReportModel {
  const parsed = ReportResult.safeParse(result);
  if (parsed.success) {
    const body = modelOf(parsed.data);
    // check says `warnings` itself where a check warned: the heading says so
    // too, not plain "passed".
    const warned = parsed.data.command === 'check' && parsed.data.verdict === 'warnings';
    return { ...body, verdict: !verdict.passed ? 'failed' : body.checks.length === 0 ? 'info' : warned ? 'warnings' : 'passed' };
  }
  const o = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
  const command = typeof o['command'] === 'string' ? o['command'] : 'unknown';
  return {
    title: `clocklab ${command}`,
    command,
    verdict: verdict.passed ? 'info' : 'failed',
    headline: 'This result has no report model yet; report.json holds all of it.',
    startedAt: typeof o['startedAt'] === 'string' ? o['startedAt'] : '',
    warnings: [`the ${command} result does not match the report schema: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`],
    sections: [],
    charts: [],
    checks: [],
  };
}

// stored-report.ts: is this object a stored result of the command an option
// needs? bench's and compare's `baseline` and check's `compare` take a result
// read back from report.json or --json output; a bad one is refused while
// the options are parsed, before anything is measured.
import { z } from 'zod';
import { SCHEMA_VERSION } from '../results/common.js';
import { ReportResult, type ReportCommand, type ReportResultT } from '../results/report.js';

/** `data` as a stored result of `command`, or why it is not one. `need`
 * finishes the sentence for another command's report, e.g. "bench needs a
 * bench report as its baseline". */
export function readStoredReport<C extends ReportCommand>(
  data: unknown,
  command: C,
  need: string,
): { report: Extract<ReportResultT, { command: C }> } | { problem: string } {
  const head = z.object({ schema: z.string(), command: z.string() }).safeParse(data);
  if (!head.success || !head.data.schema.startsWith('clocklab/')) {
    return { problem: `not a clocklab report (no "schema": "${SCHEMA_VERSION}" and "command" at its top level)` };
  }
  if (head.data.schema !== SCHEMA_VERSION) {
    return { problem: `schema ${head.data.schema}, but this clocklab reads ${SCHEMA_VERSION}; make a new one with this version` };
  }
  if (head.data.command !== command) {
    const a = /^[aeiou]/i.test(head.data.command) ? 'an' : 'a';
    return { problem: `${a} ${head.data.command} report, but ${need}` };
  }
  const parsed = ReportResult.safeParse(data);
  if (!parsed.success) return { problem: `not a valid ${SCHEMA_VERSION} ${command} report:\n${z.prettifyError(parsed.error)}` };
  // The command was checked above: the union's member is that command's.
  return { report: parsed.data as Extract<ReportResultT, { command: C }> };
}

/** A zod field for such an option: any value in, the typed result out, or
 * an issue saying why not. */
export function storedReport<C extends ReportCommand>(command: C, need: string) {
  return z.unknown().transform((data, ctx): Extract<ReportResultT, { command: C }> => {
    const r = readStoredReport(data, command, need);
    if ('report' in r) return r.report;
    ctx.addIssue({ code: 'custom', message: r.problem });
    return z.NEVER;
  });
}

/** The same for an option that takes one stored result or several (a
 * baseline of several processes): one in, one out; an array in, an array out. */
export function storedReports<C extends ReportCommand>(command: C, need: string) {
  type R = Extract<ReportResultT, { command: C }>;
  return z.unknown().transform((data, ctx): R | R[] => {
    const list: unknown[] = Array.isArray(data) ? data : [data];
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'an empty list of reports' });
      return z.NEVER;
    }
    const out: R[] = [];
    for (const [i, item] of list.entries()) {
      const r = readStoredReport(item, command, need);
      if ('problem' in r) {
        ctx.addIssue({ code: 'custom', message: list.length > 1 ? `report ${i + 1} of ${list.length}: ${r.problem}` : r.problem });
        return z.NEVER;
      }
      out.push(r.report);
    }
    return Array.isArray(data) ? out : (out[0] as R);
  });
}

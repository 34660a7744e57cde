// stored-report.ts: is this object a stored result of the command an option
// needs? bench's and compare's `baseline` and check's `compare` take a result
// read back from report.json or --json output; a bad one is refused while
// the options are parsed, before anything is measured.
import { z } from 'zod';
import { SCHEMA_VERSION } from '../results/common.js';
import { ReportResult, type ReportCommand, type ReportResultT } from '../results/report.js';

/** Why `data` is not a valid stored result of `command`, or null. `need`
 * finishes the sentence for another command's report, e.g. "bench needs a
 * bench report as its baseline". */
export function storedReportProblem(data: unknown, command: ReportCommand, need: string): string | null {
  const head = z.object({ schema: z.string(), command: z.string() }).safeParse(data);
  if (!head.success || !head.data.schema.startsWith('clocklab/')) {
    return `not a clocklab report (no "schema": "${SCHEMA_VERSION}" and "command" at its top level)`;
  }
  if (head.data.schema !== SCHEMA_VERSION) {
    return `schema ${head.data.schema}, but this clocklab reads ${SCHEMA_VERSION}; make a new one with this version`;
  }
  if (head.data.command !== command) {
    const a = /^[aeiou]/i.test(head.data.command) ? 'an' : 'a';
    return `${a} ${head.data.command} report, but ${need}`;
  }
  const parsed = ReportResult.safeParse(data);
  return parsed.success ? null : `not a valid ${SCHEMA_VERSION} ${command} report:\n${z.prettifyError(parsed.error)}`;
}

/** A zod field for such an option: any value in, the typed result out, or
 * an issue saying why not. */
export function storedReport<C extends ReportCommand>(command: C, need: string) {
  return z.unknown().transform((data, ctx): Extract<ReportResultT, { command: C }> => {
    const problem = storedReportProblem(data, command, need);
    if (problem !== null) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return ReportResult.parse(data) as Extract<ReportResultT, { command: C }>;
  });
}

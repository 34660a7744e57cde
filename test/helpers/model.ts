// model.ts (test helper): a result's report model headed by its command's
// verdict, as the CLI and the library build it.
import { verdictOf } from '../../src/api.js';
import { reportModel, type ReportModel } from '../../src/reports/model/index.js';
import { ReportResult } from '../../src/results/report.js';

export function modelFor(result: unknown): ReportModel {
  const parsed = ReportResult.safeParse(result);
  return reportModel(result, parsed.success ? verdictOf(parsed.data) : { passed: true, failures: [] });
}

// report.ts: what a report.json may hold: the result of any command, told
// apart by `command`. The shipped JSON Schema (schema/report.schema.json) is
// generated from this union, and a baseline is read back through it, so the
// contract is written once.
//
// Adding a command's result: import its zod object and add it to the list in
// ReportResult (its `command` literal is the discriminator).
import { z } from 'zod';
import { BenchResult } from './bench.js';
import { CheckResult } from './check.js';
import { CompareResult } from './compare.js';
import { PvclockResult } from './pvclock.js';
import { Disturbance, Finding, Machine, SCHEMA_VERSION, U64String } from './common.js';
import { Gate } from './gate.js';
import { InfoResult } from './info.js';
import { OrderResult } from './order.js';
import { TscResult } from './tsc.js';
import { WarpResult } from './warp.js';

export const ReportResult = z.discriminatedUnion('command', [InfoResult, BenchResult, WarpResult, CheckResult, CompareResult, PvclockResult, OrderResult, TscResult]);

export type ReportResultT = z.infer<typeof ReportResult>;
export type ReportCommand = ReportResultT['command'];

/** The JSON Schema (draft 2020-12) of report.json, as the text shipped in
 * schema/report.schema.json. */
export function reportJsonSchemaText(): string {
  // The parts every command shares go under $defs once, by name, instead of
  // once per command. Names are metadata in zod's global registry, where the
  // .describe() texts live too (a separate registry would drop those).
  for (const [id, s] of Object.entries({ Machine, Disturbance, Finding, U64String, Gate })) {
    const meta = z.globalRegistry.get(s);
    if (meta?.id === undefined) z.globalRegistry.add(s, { ...meta, id });
  }
  const schema = z.toJSONSchema(ReportResult, { target: 'draft-2020-12' });
  const doc = {
    $schema: schema['$schema'],
    title: `clocklab report (${SCHEMA_VERSION})`,
    description: 'report.json as written by `clocklab <command> --out DIR` and printed by --json: one result object, told apart by `command`.',
    ...schema,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

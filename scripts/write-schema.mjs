// write-schema.mjs: writes schema/report.schema.json from the built zod
// schemas (dist/), so the shipped JSON Schema is never written by hand.
// Run by `npm run build`; test/report-schema.test.ts checks the committed
// file is what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { reportJsonSchemaText } from '../dist/results/report.js';

const dir = new URL('../schema/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('report.schema.json', dir), reportJsonSchemaText());

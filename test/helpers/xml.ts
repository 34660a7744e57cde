// xml.ts: validates XML against an XSD with libxml2's xmllint, the validator
// Debian ships (libxml2-utils; .ci/run installs it). Null when it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const JUNIT_XSD = fileURLToPath(new URL('../fixtures/junit.xsd', import.meta.url));

/** Returns null when xmllint is here, else why not (and prints it). */
export function noXmllint(): string | null {
  if (existsSync('/usr/bin/xmllint')) return null;
  const why = 'needs /usr/bin/xmllint (apt-get install libxml2-utils)';
  process.stderr.write(`[SKIP] ${why}\n`);
  return why;
}

/** xmllint --schema on a file: ok, and what it said. */
export function validateXml(file: string, xsd = JUNIT_XSD): { ok: boolean; output: string } {
  const r = spawnSync('/usr/bin/xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

// flags.ts: argv -> a command's options. Each CLI command is a table of
// flags, each naming the option it sets and how its text becomes a value;
// the command's schema (src/commands/) then checks the values, so the CLI
// re-checks, re-defaults and re-judges nothing. The same table turns an
// option named in a message back into the flag the user typed.
import { readFileSync } from 'node:fs';
import { parseClocksourceList } from '../clocksource/sysfs.js';
import { parseCpuList } from '../cpulist.js';
import { UsageError } from '../errors.js';

/**
 * How a flag's text becomes an option value:
 * - `number`: a number when the text is one (else the text, which the schema refuses, quoting it);
 * - `methods`: a comma list of method names, `all` anywhere meaning 'all';
 * - `cpus`: a kernel CPU list, `0,2-5`; `names`: a comma list of clocksource names;
 * - `list`: a comma list of any other names (the schema checks each);
 * - `switch`: present is true (`--no-x` is false);
 * - `report`: a file holding a stored result: read and parsed as JSON, its path recorded in `nameOption`;
 * - `reports`: the same, or a comma list of such files, read into an array;
 * - `path`: a file or folder path, as typed.
 */
export type FlagKind = 'number' | 'methods' | 'cpus' | 'names' | 'list' | 'switch' | 'report' | 'reports' | 'path';

export interface FlagSpec {
  /** As commander takes it: `--loops <n>`, `--no-warmup`. */
  flag: string;
  /** The option it sets, dotted for a part of one: `warp.durationSeconds`. */
  option: string;
  kind: FlagKind;
  /** The line in --help. */
  help: string;
  /** For `report` and `reports`: the option that gets the files' paths (what reports call them). */
  nameOption?: string;
}

/** `--loops <n>` -> `--loops`; `--no-warmup` -> `--no-warmup`. */
export function flagName(spec: FlagSpec): string {
  return spec.flag.split(/[ <[]/)[0] ?? spec.flag;
}

/** The key commander stores a flag's value under: `--warp-duration` -> `warpDuration`, `--no-warmup` -> `warmup`. */
export function commanderKey(spec: FlagSpec): string {
  return flagName(spec)
    .replace(/^--(no-)?/, '')
    .replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

function convert(spec: FlagSpec, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    switch (spec.kind) {
      case 'number':
        return NUMBER.test(raw) ? Number(raw) : raw;
      case 'methods': {
        const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
        return names.includes('all') ? 'all' : names.length === 1 && names[0] === 'default' ? 'default' : names;
      }
      case 'cpus':
        return parseCpuList(raw);
      case 'names':
        return parseClocksourceList(raw);
      case 'list':
        return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      case 'switch':
      case 'path':
        return raw;
      case 'report':
        return readReport(raw);
      case 'reports': {
        const files = raw.split(',').map((f) => f.trim()).filter((f) => f !== '');
        if (files.length < 2) return readReport(raw);
        return files.map((f) => {
          try {
            return readReport(f);
          } catch (err) {
            throw err instanceof UsageError ? new UsageError(`${f}: ${err.template}`) : err;
          }
        });
      }
    }
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`{${spec.option}}: ${err.template}`);
    throw err;
  }
}

function readReport(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read it (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * The options object the flags given in `values` (commander's parse) stand
 * for, before the schema sees it. A flag for a part of an option (`--skew`,
 * `--warp-duration`) needs the flag of the whole (`--self-test`, `--warp`).
 */
export function optionsFromFlags(table: readonly FlagSpec[], values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of table) {
    const raw = values[commanderKey(spec)];
    if (raw === undefined) continue;
    // commander gives a negatable switch its default (true) even when absent;
    // the schema has the same default, so only an explicit --no-x is passed on.
    if (spec.kind === 'switch' && flagName(spec).startsWith('--no-') && raw === true) continue;
    const value = convert(spec, raw);
    const [head, ...rest] = spec.option.split('.');
    if (head === undefined) continue;
    if (rest.length === 0) out[head] = value;
    else {
      const parent = out[head];
      if (parent !== true && (typeof parent !== 'object' || parent === null)) throw new UsageError(`{${spec.option}} only applies with {${head}}`);
      out[head] = { ...(typeof parent === 'object' ? parent : {}), [rest.join('.')]: value };
    }
    if ((spec.kind === 'report' || spec.kind === 'reports') && spec.nameOption !== undefined) out[spec.nameOption] = raw;
  }
  return out;
}

/** Names an option as the user typed it: its flag, with the file for a report flag. */
export function flagNamer(table: readonly FlagSpec[], values: Readonly<Record<string, unknown>> = {}): (option: string) => string {
  return (option) => {
    const spec = table.find((s) => s.option === option);
    if (!spec) return option;
    const raw = values[commanderKey(spec)];
    return (spec.kind === 'report' || spec.kind === 'reports') && typeof raw === 'string' ? `${flagName(spec)} ${raw}` : flagName(spec);
  };
}

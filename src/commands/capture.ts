// capture.ts (command): write this machine's raw facts into a folder, for a
// bug report and for `clocklab info|methods|check --machine DIR`, which
// replay them through the same probes. Its verdict always passes.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { loadBinding } from '../native/binding.js';
import { packageVersion } from '../paths.js';
import { gatherCapture, type CaptureGathered } from '../runners/capture.js';
import { defineCommand, passed, type RunDeps } from './command.js';
import { folder } from './options.js';

export const captureOptions = z.strictObject({
  /** The folder to write: created; refused if it exists and is not empty. */
  dir: folder(),
});

export type CaptureInput = z.input<typeof captureOptions>;

/** What capture wrote. */
export interface CaptureOutcome {
  dir: string;
  capturedAt: string;
  clocklabVersion: string;
  files: Array<{ file: string; bytes: number; what: string }>;
  omitted: Array<{ file: string; why: string }>;
  /** The command that replays it. */
  replay: string;
}

/** The capture's README: what, when, by what, and what a person adds. */
function readme(g: CaptureGathered, version: string, host: string): string {
  const rows = [...g.files, { file: 'README.md', what: 'this file' }].map((f) => `| \`${f.file}\` | ${f.what} |`);
  const left = g.omitted.map((o) => `- \`${o.file}\`: ${o.why}.`);
  return [
    `# ${host}: a capture by clocklab ${version} (captured ${g.capturedAt})`,
    '',
    `Raw facts of one machine, written by \`clocklab capture\` (clocklab ${version}) at ${g.capturedAt}.`,
    'Replay them through the probes with `clocklab info --machine DIR` (also `methods` and `check`).',
    '',
    '| file | what it is |',
    '|---|---|',
    ...rows,
    '',
    ...(left.length > 0 ? ['Not captured:', ...left, ''] : []),
    'What is true of this machine (for a person to fill in: the hypervisor and how it is nested, which',
    'clocksources the kernel offers and why, what the kernel log says of the TSC, snapshots and forks,',
    'what was measured and how):',
    '- ...',
    '',
  ].join('\n');
}

export const capture = defineCommand({
  name: 'capture',
  summary: "write this machine's raw facts to a folder, for a bug report or --machine",
  options: captureOptions,
  run(o, deps: RunDeps = {}): CaptureOutcome {
    const dir = o.dir;
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new UsageError(`{dir}: ${dir} exists and is not a folder`);
      if (readdirSync(dir).length > 0) throw new UsageError(`{dir}: ${dir} exists and is not empty; give a new or empty folder`);
    }
    const binding = deps.binding ?? loadBinding();
    const gathered = gatherCapture(binding, deps.inputs?.source);
    const version = packageVersion();
    const host = gathered.files.find((f) => f.file === 'hostname')?.text.trim() ?? 'this machine';
    const files = [...gathered.files, { file: 'README.md', what: 'what was captured, when, by which clocklab', text: readme(gathered, version, host) }];
    try {
      mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileSync(join(dir, f.file), f.text);
    } catch (err) {
      throw new UsageError(`{dir}: cannot write ${dir} (${err instanceof Error ? err.message : String(err)})`);
    }
    return {
      dir,
      capturedAt: gathered.capturedAt,
      clocklabVersion: version,
      files: files.map((f) => ({ file: f.file, bytes: Buffer.byteLength(f.text), what: f.what })),
      omitted: gathered.omitted,
      replay: `clocklab info --machine ${/\s/.test(dir) ? JSON.stringify(dir) : dir}`,
    };
  },
  verdict: passed,
});

/** capture's text output: each file and its size, what was left out, and the replay. */
export function captureText(r: CaptureOutcome): string {
  const width = Math.max(...r.files.map((f) => f.file.length));
  return [
    `captured this machine into ${r.dir} (${r.capturedAt}, clocklab ${r.clocklabVersion}):`,
    ...r.files.map((f) => `  ${f.file.padEnd(width)}  ${String(f.bytes).padStart(7)} bytes  ${f.what}`),
    ...r.omitted.map((o) => `  ${o.file.padEnd(width)}  not written: ${o.why}`),
    `replay it: ${r.replay}`,
    '',
  ].join('\n');
}

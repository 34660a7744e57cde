// doors.test.ts: are the CLI and the library two doors onto one command? The
// same bad options, given through each, are refused with the same message (the
// library naming options, the CLI naming the flags it maps them from); the same
// result gets the same verdict from both (the CLI's exit code, assertPassed,
// and the report's heading).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as api from '../src/index.js';
import { main } from '../src/cli/main.js';
import { CLI_COMMANDS } from '../src/cli/commands/index.js';
import { flagNamer } from '../src/cli/flags.js';
import { renderTemplate } from '../src/errors.js';
import { reportModel } from '../src/reports/model/index.js';
import { benchResult, checkResult, warpResult } from './fixtures/results.js';
import { PIPED, runCli } from './helpers/cli.js';
import { unmet } from './helpers/needs.js';

const dir = mkdtempSync(join(tmpdir(), 'clocklab-doors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const warpJson = join(dir, 'warp.json');
writeFileSync(warpJson, JSON.stringify(warpResult()));

/** Runs the CLI in-process; its exit code, stdout and stderr. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    const code = await main(['node', 'clocklab', ...argv], PIPED);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

type Door = (options: never) => Promise<unknown>;
const LIBRARY: Record<string, Door> = { bench: api.bench, warp: api.warp, compare: api.compare, check: api.check, pvclock: api.pvclock };

/**
 * One row: the command, the flags, the same mistake as library options, and
 * the message as a template naming options `{name}`. Every row is refused
 * before anything is measured or switched.
 */
const CASES: Array<[string, string[], Record<string, unknown>, string]> = [
  ['bench', ['--loops', '0'], { loops: 0 }, '{loops} must be a whole number from 1 to 4294967295, got 0'],
  ['bench', ['--loops', '1.5'], { loops: 1.5 }, '{loops} must be a whole number from 1 to 4294967295, got 1.5'],
  ['bench', ['--loops', 'abc'], { loops: 'abc' }, "{loops} must be a whole number from 1 to 4294967295, got 'abc'"],
  ['bench', ['--runs', '100001'], { runs: 100_001 }, '{runs} must be a whole number from 1 to 100000, got 100001'],
  ['bench', ['--duration', '0'], { durationSeconds: 0 }, '{durationSeconds} must be a number of seconds above 0 and at most 3600, got 0'],
  ['bench', ['--runs', '2', '--duration', '1'], { runs: 2, durationSeconds: 1 }, 'give {runs} or {durationSeconds}, not both'],
  ['bench', ['--methods', 'monotonic,bogus'], { methods: ['monotonic', 'bogus'] }, "unknown method 'bogus'; known methods: "],
  ['bench', ['--methods', ','], { methods: [] }, 'the method list ({methods}) is empty'],
  ['bench', ['--cpu', '-1'], { cpu: -1 }, '{cpu} must be a whole number from 0 to 4095, got -1'],
  ['bench', ['--threshold', '0'], { thresholdPercent: 0 }, '{thresholdPercent} must be a percentage above 0 (at most 10000), got 0'],
  ['bench', ['--baseline', warpJson], { baseline: warpResult() }, '{baseline}: a warp report, but bench needs a bench report as its baseline'],
  ['warp', ['--duration', '-3'], { durationSeconds: -3 }, '{durationSeconds} must be a number of seconds above 0 and at most 86400, got -3'],
  ['warp', ['--self-test', '--skew', '0'], { selfTest: { skewCycles: 0 } }, '{selfTest.skewCycles} must be a non-zero whole number of cycles, got 0'],
  ['warp', ['--methods', 'nope'], { methods: ['nope'] }, "unknown method 'nope'"],
  ['compare', ['--current-only', '--runs', '0'], { currentOnly: true, runs: 0 }, '{runs} must be a whole number from 1 to 1000, got 0'],
  ['compare', ['--current-only', '--rounds', '101'], { currentOnly: true, rounds: 101 }, '{rounds} must be a whole number from 1 to 100, got 101'],
  ['compare', ['--current-only', '--loops', '1e10'], { currentOnly: true, loops: 1e10 }, '{loops} must be a whole number from 1 to 1000000000, got 10000000000'],
  ['compare', ['--current-only', '--warp', '--warp-duration', '-1'], { currentOnly: true, warp: { durationSeconds: -1 } }, '{warp.durationSeconds} must be a number of seconds above 0 and at most 3600, got -1'],
  ['check', ['--duration', '4000'], { durationSeconds: 4000 }, '{durationSeconds} must be a number of seconds above 0 and at most 3600, got 4000'],
  ['check', ['--compare', warpJson], { compare: warpResult() }, '{compare}: a warp report, but check needs a compare report'],
  ['pvclock', ['--window-ms', '5'], { windowMs: 5 }, '{windowMs} must be a whole number from 10 to 60000, got 5'],
  ['pvclock', ['--watch', 'soon'], { watchSeconds: 'soon' }, "{watchSeconds} must be a number of seconds above 0 and at most 86400, got 'soon'"],
];

describe('the CLI and the library refuse the same bad options with the same message', () => {
  it.each(CASES)('%s %j', async (command, argv, options, template) => {
    const table = CLI_COMMANDS.find((c) => c.name === command)?.flags ?? [];
    // The library names the option; the CLI the flag (with its file, for a report).
    const asLibrary = `${command}(): ${renderTemplate(template, (o) => o)}`;
    const asCli = `clocklab: ${renderTemplate(template, flagNamer(table, { baseline: warpJson, compare: warpJson }))}`;

    const door = LIBRARY[command];
    if (!door) throw new Error(command);
    const err = await door(options as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(api.UsageError);
    expect((err as Error).message.startsWith(asLibrary), `${(err as Error).message}\n  should start ${asLibrary}`).toBe(true);

    const r = await cli([command, ...argv]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(asCli), `${r.stderr}\n  should start ${asCli}`).toBe(true);
  });

  it('every option named in a message maps to a flag of that command', () => {
    for (const [command, , , template] of CASES) {
      const table = CLI_COMMANDS.find((c) => c.name === command)?.flags ?? [];
      const named = renderTemplate(template, flagNamer(table));
      expect(named, template).not.toMatch(/\{/);
      for (const m of template.matchAll(/\{([\w.]+)\}/g)) expect(table.map((f) => f.option), template).toContain(m[1]);
    }
  });
});

/** The verdict of a result through every door: assertPassed, the report's heading. */
function doorsSay(result: api.ReportResult): { library: boolean; report: string } {
  let library = true;
  try {
    api.assertPassed(result);
  } catch (err) {
    if (!(err instanceof api.CheckFailed)) throw err;
    expect(err.result).toBe(result);
    library = false;
  }
  return { library, report: reportModel(result, api.verdictOf(result)).verdict };
}

describe('the doors agree on a verdict', () => {
  it.each([
    ['a warp that held', warpResult(false), true, 'passed'],
    ['a warp whose monotonic clock went backwards', warpResult(true), false, 'failed'],
    // It passes, and its report heading says it warned, as its JSON verdict does.
    ['a healthy check with warnings, not strict', checkResult(false), true, 'warnings'],
    ['the same check run with --strict', checkResult(true), false, 'failed'],
    // Nothing to judge: the report says info, and nothing fails.
    ['a bench without a baseline', benchResult(), true, 'info'],
  ] as Array<[string, api.ReportResult, boolean, string]>)('fixture: %s', (_name, result, passed, report) => {
    expect(api.verdictOf(result).passed).toBe(passed);
    expect(doorsSay(result)).toEqual({ library: passed, report });
  });

  // The self-test reads RDTSCP, or LFENCE;RDTSC and getcpu where CPUID hides it.
  it.skipIf(unmet({ cpus: 2 }))('warp through the CLI: a self-test that finds its skew exits 0, one that cannot exits 1; the library says the same of each result', async () => {
    for (const [skew, code] of [['100000', 0], ['20', 1]] as const) {
      // A child process: warp's workers load from dist/.
      const r = runCli(['warp', '--self-test', '--skew', skew, '--duration', '0.3', '--cpus', '0,1', '--json']);
      expect(r.code, r.stderr).toBe(code);
      const result = api.parseReport(r.stdout);
      expect(doorsSay(result).library).toBe(code === 0);
      if (code === 1) expect(r.stderr).toContain(`clocklab: ${api.verdictOf(result).failures[0] ?? ''}`);
    }
  });

  it('bench through the CLI: against a baseline twice as fast it exits 1, against its own result 0; the library agrees', async () => {
    const args = ['bench', '--methods', 'lfence_rdtsc', '--loops', '100000', '--runs', '3', '--json'];
    const own = await cli(args);
    expect(own.code).toBe(0);
    const base = api.parseReport(own.stdout);
    if (base.command !== 'bench') throw new Error('not a bench report');
    const fast = structuredClone(base);
    // The gate decides from the runs, so the doctored baseline scales them.
    for (const m of fast.methods) {
      if (m.status !== 'measured') continue;
      m.summary.medianNsPerLoop /= 4;
      for (const r of m.runs) r.nsPerLoop /= 4;
    }
    const fastFile = join(dir, 'fast.json');
    writeFileSync(fastFile, JSON.stringify(fast));
    const gated = await cli([...args, '--baseline', fastFile]);
    expect(gated.code).toBe(1);
    const result = api.parseReport(gated.stdout);
    expect(doorsSay(result)).toEqual({ library: false, report: 'failed' });
    // And the library door, given the same baseline, fails the same way.
    const lib = await api.bench({ methods: ['lfence_rdtsc'], loops: 100_000, runs: 3, baseline: fast, baselineName: fastFile });
    expect(() => api.assertPassed(lib)).toThrow(/regression past 10%/);
  });
});

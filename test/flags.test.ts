// flags.test.ts: the CLI's argv -> options tables, on their own. Each flag
// names an option its command's schema has; a flag's text becomes the value
// the library would be given; a flag for a part of an option needs the flag
// of the whole; and an option named in a message comes back as its flag.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMMANDS } from '../src/commands/index.js';
import { CLI_COMMANDS } from '../src/cli/commands/index.js';
import { commanderKey, flagName, flagNamer, optionsFromFlags } from '../src/cli/flags.js';
import { UsageError } from '../src/errors.js';
import { benchResult } from './fixtures/results.js';

const dir = mkdtempSync(join(tmpdir(), 'clocklab-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const table = (name: string) => CLI_COMMANDS.find((c) => c.name === name)?.flags ?? [];

describe('every flag table', () => {
  it.each(CLI_COMMANDS.map((c) => [c.name, c] as const))('%s: each flag sets an option of the command, once', (name, cli) => {
    const schema = COMMANDS[name].options;
    const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const options = cli.flags.map((f) => f.option);
    expect(new Set(options).size).toBe(options.length);
    for (const f of cli.flags) {
      expect(keys, `${flagName(f)} -> ${f.option}`).toContain(f.option.split('.')[0]);
      if (f.nameOption) expect(keys).toContain(f.nameOption);
    }
    // A part's flag comes after the flag of its whole.
    for (const [i, f] of cli.flags.entries()) {
      const head = f.option.split('.')[0];
      if (f.option.includes('.')) expect(cli.flags.slice(0, i).map((g) => g.option), f.flag).toContain(head);
    }
  });
});

describe('flag text -> option values', () => {
  it('numbers become numbers; what is not a number stays text, for the schema to quote', () => {
    expect(optionsFromFlags(table('bench'), { loops: '1e6', runs: '3', cpu: 'x', warmup: true })).toEqual({ loops: 1e6, runs: 3, cpu: 'x' });
  });

  it('--no-warmup is warmup: false; its absence passes nothing on (the schema defaults it)', () => {
    expect(optionsFromFlags(table('bench'), { warmup: false })).toEqual({ warmup: false });
    expect(optionsFromFlags(table('bench'), { warmup: true })).toEqual({});
  });

  it("method lists split on commas; 'all' anywhere means all", () => {
    expect(optionsFromFlags(table('warp'), { methods: 'monotonic, rdtscp,' })).toEqual({ methods: ['monotonic', 'rdtscp'] });
    expect(optionsFromFlags(table('warp'), { methods: 'monotonic,all' })).toEqual({ methods: 'all' });
  });

  it('CPU and clocksource lists are parsed, and a malformed one names its flag', () => {
    expect(optionsFromFlags(table('warp'), { cpus: '0,2-3' })).toEqual({ cpus: [0, 2, 3] });
    expect(optionsFromFlags(table('compare'), { clocksources: 'tsc,kvm-clock' })).toEqual({ clocksources: ['tsc', 'kvm-clock'] });
    const bad = (): unknown => optionsFromFlags(table('warp'), { cpus: '3-1' });
    expect(bad).toThrow(UsageError);
    try {
      bad();
    } catch (err) {
      expect((err as UsageError).describe(flagNamer(table('warp')))).toMatch(/^--cpus: malformed CPU list '3-1'/);
    }
  });

  it('a part of an option becomes a nested option under its whole, and needs the flag of the whole', () => {
    expect(optionsFromFlags(table('compare'), { warp: true, warpDuration: '2', warpCpus: '0-1' })).toEqual({ warp: { durationSeconds: 2, cpus: [0, 1] } });
    expect(optionsFromFlags(table('warp'), { selfTest: true, skew: '-50' })).toEqual({ selfTest: { skewCycles: -50 } });
    for (const [name, values, message] of [
      ['warp', { skew: '5' }, '--skew only applies with --self-test'],
      ['compare', { warpDuration: '2' }, '--warp-duration only applies with --warp'],
    ] as const) {
      try {
        optionsFromFlags(table(name), values);
        expect.unreachable();
      } catch (err) {
        expect((err as UsageError).describe(flagNamer(table(name)))).toBe(message);
      }
    }
  });

  it('a report flag reads its file as JSON and records the file as the name', () => {
    const f = join(dir, 'base.json');
    const base = benchResult();
    writeFileSync(f, JSON.stringify(base));
    expect(optionsFromFlags(table('bench'), { baseline: f })).toEqual({ baseline: base, baselineName: f });
    writeFileSync(join(dir, 'bad.json'), '{');
    try {
      optionsFromFlags(table('bench'), { baseline: join(dir, 'bad.json') });
      expect.unreachable();
    } catch (err) {
      expect((err as UsageError).describe(flagNamer(table('bench'), { baseline: join(dir, 'bad.json') }))).toMatch(/^--baseline .*bad\.json: not valid JSON/);
    }
  });
});

describe('options named in messages come back as flags', () => {
  it('an option is its flag; a report option its flag and file; an unknown name stays', () => {
    const name = flagNamer(table('compare'), { baseline: '/x/b.json' });
    expect(name('loops')).toBe('--loops');
    expect(name('currentOnly')).toBe('--current-only');
    expect(name('warp.durationSeconds')).toBe('--warp-duration');
    expect(name('baseline')).toBe('--baseline /x/b.json');
    expect(name('signal')).toBe('signal');
    expect(flagNamer(table('bench'))('warmup')).toBe('--no-warmup');
  });

  it("commander's keys are the flags in camel case", () => {
    expect(table('compare').map(commanderKey)).toEqual([
      'clocksources', 'currentOnly', 'methods', 'loops', 'runs', 'rounds', 'cpu', 'warp', 'warpDuration', 'warpCpus', 'warpMethods', 'baseline', 'threshold',
    ]);
  });
});

// options.ts: how a command's options are written down and checked. Each
// command declares one zod schema built from these pieces; the library and
// the CLI both parse through it, so a bound, a default and the message that
// refuses a bad value exist once. Messages name options as `{name}` (see
// UsageError): the library prints the option's name, the CLI its flag.
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { METHODS, type MethodSpec } from '../methods.js';
import { DEFAULT_THRESHOLD_PERCENT } from '../regression/decide.js';
import { storedReports } from './stored-report.js';

/** How a refused value is quoted in a message: text in quotes, numbers bare. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return typeof value === 'function' ? 'a function' : 'an object';
}

/** A whole number in [min, max]. */
export function wholeNumber(min: number, max: number) {
  const message = (v: unknown): string => `must be a whole number from ${min} to ${max}, got ${show(v)}`;
  return z.custom<number>((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max, { error: (i) => message(i.input) });
}

/** The highest CPU number an option takes (the kernel's NR_CPUS ceiling on
 * x86-64, CONFIG_NR_CPUS_RANGE_END, is far above any guest). Whether a CPU is
 * online here is the machine's question: the runner asks it. */
export const MAX_CPU = 4095;

/** One CPU number: the one definition every command's `cpu` uses. */
export function cpuNumber() {
  return wholeNumber(0, MAX_CPU);
}

/** The native loop counts in 32 bits (native/addon.cc U32Arg). */
export const MAX_LOOPS = 2 ** 32 - 1;
/** More runs than this is a typo, not a measurement. */
export const MAX_RUNS = 100_000;

/** Reads per timed run: the one piece bench and compare (and anything else
 * that runs native loops) build `loops` from. `max` defaults to what the
 * native loop counts; compare's documented bound is lower (a switched
 * clocksource is held for the whole bench, test/doors.test.ts pins it). */
export function loopCount(max: number = MAX_LOOPS) {
  return wholeNumber(1, Math.min(max, MAX_LOOPS));
}

/** Timed runs per method: the one piece bench and compare build `runs` from;
 * compare's documented bound is lower (its runs repeat per clocksource and
 * round, test/doors.test.ts pins it). */
export function runCount(max: number = MAX_RUNS) {
  return wholeNumber(1, Math.min(max, MAX_RUNS));
}

/** A number of seconds above 0 and at most `max`. */
export function seconds(max: number) {
  const message = (v: unknown): string => `must be a number of seconds above 0 and at most ${max}, got ${show(v)}`;
  return z.custom<number>((v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max, { error: (i) => message(i.input) });
}

/** A number of seconds from `min` to `max`, both included: for a measurement
 * with a shortest meaningful span (tsc's rate). */
export function secondsFrom(min: number, max: number) {
  const message = (v: unknown): string => `must be a number of seconds from ${min} to ${max}, got ${show(v)}`;
  return z.custom<number>((v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max, { error: (i) => message(i.input) });
}

/** true or false. */
export function flag() {
  return z.custom<boolean>((v) => typeof v === 'boolean', { error: (i) => `must be true or false, got ${show(i.input)}` });
}

/** A list of CPU numbers, at least one. */
export function cpuList() {
  return z.custom<number[]>(
    (v) => Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'number' && Number.isSafeInteger(c) && c >= 0 && c <= MAX_CPU),
    { error: (i) => `must be a non-empty list of CPU numbers (0 to ${MAX_CPU}), got ${show(i.input)}` },
  );
}

/** A list of names (clocksources), at least one. */
export function nameList() {
  return z.custom<string[]>((v) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string'), {
    error: (i) => `must be a non-empty list of names, got ${show(i.input)}`,
  });
}

/** The methods a command was given, and how: by name, 'all', or its default. */
export interface MethodChoice {
  specs: MethodSpec[];
  /** 'name': each was asked for, so one this machine cannot run is refused
   * (exit 3). 'default' or 'all': a survey, so what cannot run here is
   * recorded as skipped with the reason, and the rest run. */
  by: 'name' | 'default' | 'all';
}

/** A method choice as every runner takes it: the methods, and whether one
 * this machine cannot run is recorded as skipped (a survey: the defaults or
 * 'all') or refuses the run (named). Schemas end in this, so a command hands
 * its parsed options to its runner as they are. */
export function runnerMethods(choice: MethodChoice): { methods: MethodSpec[]; skipUnavailable: boolean } {
  return { methods: choice.specs, skipUnavailable: choice.by !== 'name' };
}

/** Method names as `clocklab methods` lists them, 'all' (every method
 * `allOf` admits) or 'default' (the command's `defaults`, the prefault),
 * turned into registry entries and how they were chosen. */
export function methodList(allOf: (m: MethodSpec) => boolean = () => true, defaults: readonly string[] = []) {
  return z
    .custom<readonly string[] | 'all' | 'default'>((v) => v === 'all' || v === 'default' || (Array.isArray(v) && v.every((s) => typeof s === 'string')), {
      error: (i) => `must be a list of method names, 'all' or 'default', got ${show(i.input)}`,
    })
    .transform((list, ctx): MethodChoice => {
      if (list === 'all') return { specs: METHODS.filter(allOf), by: 'all' };
      if (list === 'default') return { specs: METHODS.filter((m) => defaults.includes(m.id)).sort((a, b) => defaults.indexOf(a.id) - defaults.indexOf(b.id)), by: 'default' };
      if (list.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'the method list ({methods}) is empty' });
        return z.NEVER;
      }
      const out: MethodSpec[] = [];
      for (const name of list) {
        const m = METHODS.find((x) => x.id === name);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `unknown method '${name}'; known methods: ${METHODS.map((x) => x.id).join(', ')}` });
          return z.NEVER;
        }
        if (!out.includes(m)) out.push(m);
      }
      return { specs: out, by: 'name' };
    });
}

/** A folder path (`--machine DIR`, `capture DIR`): a non-empty string. */
export function folder() {
  return z.custom<string>((v) => typeof v === 'string' && v.trim() !== '', { error: (i) => `must be a folder path, got ${show(i.input)}` });
}

/** An AbortSignal. */
export const signal = z.custom<AbortSignal>((v) => v instanceof AbortSignal, { error: 'must be an AbortSignal' });
/** A callback. */
export const callback = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { error: 'must be a function' });

/** The option an issue is about, dotted (`warp.durationSeconds`), or null. */
function optionOf(issue: z.core.$ZodIssue): string | null {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : null;
}

/** One issue as a message template: `{loops} must be ...`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const option = optionOf(issue);
  if (issue.code === 'invalid_union') {
    // `true`, `false` or an object of parts: an object that fails names the
    // part at fault; anything else is the wrong kind of value.
    const inner = issue.errors.flat().find((i) => i.path.length > 0 || i.code === 'unrecognized_keys');
    if (inner) return describeIssue({ ...inner, path: [...issue.path, ...inner.path] });
    return `{${option ?? 'options'}} must be true, false or an object of its parts, got ${show(issue.input)}`;
  }
  if (issue.code === 'unrecognized_keys') {
    const prefix = option ? `${option}.` : '';
    return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${prefix}${k}'`).join(', ')}`;
  }
  if (option === null) return issue.code === 'invalid_type' ? `the options must be an object, got ${show(issue.input)}` : issue.message;
  if (issue.code === 'invalid_type') return `{${option}} must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}, got ${show(issue.input)}`;
  // Our builders say what is wrong ("must be ..."); a refinement's sentence
  // either names its options itself or gets the option in front.
  if (issue.message.startsWith('must ')) return `{${option}} ${issue.message}`;
  return /\{[A-Za-z]/.test(issue.message) || issue.message.startsWith('unknown ') ? issue.message : `{${option}}: ${issue.message}`;
}

/**
 * Checks `input` against a command's schema and returns the options with
 * every default filled in. Throws UsageError naming the first bad option.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input ?? {}, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new UsageError(issue ? describeIssue(issue) : 'invalid options');
}

/** The regression gate's options, shared by bench and compare: a stored
 * result of the same command to compare medians with, its name for
 * reports, and the threshold. */
export function gateFields<C extends 'bench' | 'compare'>(command: C) {
  return {
    /** A stored result of the same command (report.json, or --json output),
     * or several, each from a process of its own, pooled. */
    baseline: storedReports(command, `${command} needs a ${command} report as its baseline`).optional(),
    /** What reports call the baseline, e.g. its file. */
    baselineName: z.string().optional(),
    /** Slower than the baseline's median by more than this percentage is a regression. */
    thresholdPercent: z
      .custom<number>((v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 10_000, {
        error: (i) => `must be a percentage above 0 (at most 10000), got ${show(i.input)}`,
      })
      .default(DEFAULT_THRESHOLD_PERCENT),
  };
}

// order.ts (command): is each way of reading time ordered after an earlier
// load, and after an earlier store, as the manuals promise? Its options, run
// and verdict, once, for the library and the CLI.
import { z } from 'zod';
import { phraseOrder } from '../findings/phrase.js';
import { ORDER_PATTERNS, type OrderPatternT, type OrderResultT } from '../results/order.js';
import { isOrderTestable, runOrder } from '../runners/order.js';
import { defineCommand, type RunDeps } from './command.js';
import { cpuList, flag, methodList, runnerMethods, seconds, show } from './options.js';
import { METHODS } from '../methods.js';

/** Short, so every method and both patterns take well under a minute. */
export const ORDER_DEFAULTS = { durationSeconds: 0.5, selfTestDurationSeconds: 1 } as const;

/** What `clocklab order` tests when no methods are named: every method with
 * an order promise; those this machine cannot read are skipped and said so. */
export const ORDER_DEFAULT_METHODS = METHODS.filter(isOrderTestable).map((m) => m.id);

/** Pattern names as the CLI takes them; `load->read` is accepted too. */
const patternList = z
  .custom<readonly string[]>((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), {
    error: (i) => `must be a list of patterns, got ${show(i.input)}`,
  })
  .transform((list, ctx): OrderPatternT[] => {
    const out: OrderPatternT[] = [];
    for (const raw of list) {
      const name = raw.replace('->', '-');
      const p = ORDER_PATTERNS.find((x) => x === name);
      if (!p) {
        ctx.addIssue({ code: 'custom', message: `unknown pattern '${raw}'; known patterns: ${ORDER_PATTERNS.join(', ')}` });
        return z.NEVER;
      }
      if (!out.includes(p)) out.push(p);
    }
    if (out.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'the pattern list ({patterns}) is empty' });
      return z.NEVER;
    }
    return out;
  });

export const orderOptions = z
  .strictObject({
  /** Methods to test, 'all' (every method with an order promise) or 'default'
   * (the same); a method named that cannot be read here is refused. */
  methods: methodList(isOrderTestable, ORDER_DEFAULT_METHODS).prefault('default'),
  /** load-read, store-read, or both. */
  patterns: patternList.prefault([...ORDER_PATTERNS]),
  /** CPUs whose pairs are tested (at least two); default every online CPU. */
  cpus: cpuList().optional(),
  /** Seconds per method and pattern, split over the pairs and both directions. */
  durationSeconds: seconds(3600).optional(),
  /** Prove the checker: run an ordered read in the wrong order, which must be caught. */
  selfTest: flag().default(false),
  });

/** order's options as the library and the CLI give them. */
export type OrderInput = z.input<typeof orderOptions>;
/** order's options parsed: defaults filled, what runOrder takes. */
export type OrderSettings = z.output<typeof orderOptions>;

export const order = defineCommand({
  name: 'order',
  summary: 'is each clock read ordered after earlier loads and stores, as the manuals promise?',
  options: orderOptions,
  async run(o, deps: RunDeps = {}): Promise<OrderResultT> {
    return phraseOrder(await runOrder({
      ...o,
      ...runnerMethods(o.methods),
      // A default across two options (see bench.ts): the self-test is longer.
      durationSeconds: o.durationSeconds ?? (o.selfTest ? ORDER_DEFAULTS.selfTestDurationSeconds : ORDER_DEFAULTS.durationSeconds),
      ...deps,
    }));
  },
  // The run judged (result.verdict: the self-test's, else whether a read
  // promised ordered ran out of order, runners/order.ts); this says why.
  verdict(result) {
    if (result.verdict === 'held') return { passed: true, failures: [] };
    if (result.selfTest) return { passed: false, failures: [`the self-test failed: ${result.selfTest.reason}`] };
    const broken = result.tests.filter((t) => t.status === 'measured' && t.verdict === 'failed').map((t) => `${t.method} ${t.pattern.replace('-', '->')}`);
    return { passed: false, failures: [`a read the manuals promise ordered ran out of order: ${broken.join(', ')}`] };
  },
});

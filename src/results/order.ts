// order.ts: the result of `clocklab order`: is each clock read ordered after
// an earlier load, and after an earlier store, as the manuals promise?
import { z } from 'zod';
import { Disturbance, Finding, resultHead, type FindingT } from './common.js';

export const ORDER_PATTERNS = ['load-read', 'store-read'] as const;
export const OrderPattern = z.enum(ORDER_PATTERNS);

/** held: no violation beyond the pair's offset bound; allowed: violations the
 * manuals allow (the method is not promised that order); failed: violations
 * of a promised order; no-samples: nothing was compared. */
export const OrderVerdict = z.enum(['held', 'allowed', 'failed', 'no-samples']);

export const OrderPair = z.object({
  cpuA: z.number().int(),
  cpuB: z.number().int(),
  offsetCycles: z.number().nullable().describe('TSC of cpuB minus TSC of cpuA at one instant (null: not measured)'),
  errorCycles: z.number().nullable(),
  boundCycles: z.number().describe('|offset| + error: a violation no larger is not evidence'),
});

export const OrderTest = z.discriminatedUnion('status', [
  z.object({
    method: z.string(),
    pattern: OrderPattern,
    status: z.literal('measured'),
    unit: z.enum(['cycles', 'ns']),
    promised: z.boolean().describe('the manuals promise this order for this method'),
    source: z.string().describe('where the promise (or its absence) is written'),
    samples: z.number().int(),
    violations: z.number().int().describe('reads out of order by any amount'),
    beyondBound: z.number().int().describe('violations larger than the pair\'s offset bound: the evidence'),
    worst: z
      .object({
        amount: z.number().describe("in the method's unit"),
        amountNs: z.number(),
        fromCpu: z.number().int().describe('the CPU whose value it was compared with (publisher or storer)'),
        toCpu: z.number().int().describe('the observing CPU'),
        boundCycles: z.number(),
      })
      .nullable(),
    boundNs: z.number().describe('the largest offset bound of the pairs run, in ns'),
    durationSeconds: z.number(),
    verdict: OrderVerdict,
  }),
  z.object({ method: z.string(), pattern: OrderPattern, status: z.literal('unsupported'), reason: z.string() }),
]);

export const OrderSelfTest = z.object({
  method: z.string().describe('the ordered read run in the wrong order'),
  patterns: z.array(z.object({ pattern: OrderPattern, samples: z.number().int(), violations: z.number().int(), beyondBound: z.number().int() })),
  passed: z.boolean().describe('violations beyond the bound in every pattern'),
  reason: z.string(),
});

export const OrderResult = z.object({
  ...resultHead('order'),
  options: z.object({
    methods: z.array(z.string()),
    patterns: z.array(OrderPattern),
    cpus: z.array(z.number().int()),
    durationSeconds: z.number().describe('per method and pattern, split over the pairs and both directions'),
    selfTest: z.boolean(),
  }),
  pairs: z.array(OrderPair),
  offsetMethod: z.string().optional().describe("the read the pairs' offset bounds were measured with: rdtscp, or lfence_rdtsc where CPUID hides RDTSCP"),
  tests: z.array(OrderTest),
  verdict: z.enum(['held', 'failed']),
  selfTest: OrderSelfTest.nullable(),
  disturbance: Disturbance,
  findings: z.array(Finding),
});

export type OrderPatternT = z.infer<typeof OrderPattern>;
export type OrderTestT = z.infer<typeof OrderTest>;
export type OrderPairT = z.infer<typeof OrderPair>;
export type OrderResultT = z.infer<typeof OrderResult>;
export type OrderSelfTestT = z.infer<typeof OrderSelfTest>;
/** The self-test as the runner returns it: its reason as a code only. */
export type OrderSelfTestRawT = Omit<OrderSelfTestT, 'reason'> & { finding: FindingT };
export type OrderResultRawT = Omit<OrderResultT, 'selfTest'> & { selfTest: OrderSelfTestRawT | null };

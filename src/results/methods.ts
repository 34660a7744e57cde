// methods.ts: the result of `clocklab methods`: every method in the registry,
// and whether this machine can run it.
import { z } from 'zod';
import { resultHead } from './common.js';

export const MethodAvailability = z.object({
  method: z.string(),
  description: z.string(),
  path: z.enum(['cpu', 'vdso', 'syscall']).describe('what a read goes through'),
  contract: z.string().describe('what the method promises across CPUs (src/methods.ts)'),
  unit: z.string(),
  requires: z.array(z.string()),
  available: z.boolean(),
  reason: z.string().nullable().describe('why not: the instruction and its CPUID bit, a clock the kernel lacks, ...'),
  cause: z.enum(['cpu', 'kernel', 'addon']).nullable(),
  caveat: z.string().nullable().describe('runs, but with a catch worth knowing; or, for a method that does not run, what else was found (an instruction CPUID hides that executes anyway)'),
  loadOrdered: z.boolean().nullable().optional().describe('the manuals promise the read comes after earlier loads (null: not asked of this method)'),
  storeOrdered: z.boolean().nullable().optional().describe('the manuals promise the read comes after earlier stores are globally visible'),
  orderSource: z.string().nullable().optional().describe('where that promise is written (manual section, kernel file)'),
});

export const MethodsResult = z.object({
  ...resultHead('methods'),
  methods: z.array(MethodAvailability),
});

export type MethodAvailabilityT = z.infer<typeof MethodAvailability>;
export type MethodsResultT = z.infer<typeof MethodsResult>;

// info.ts: the result of `clocklab info`: what this machine's clocks are made of.
import { z } from 'zod';
import { Finding, Machine } from './common.js';

export const TscFrequencySource = z.enum([
  'cpuid-0x15',
  'cpuid-0x16',
  'hypervisor-0x40000010',
  'pvclock',
  'measured',
]);

export const InfoResult = z.object({
  schema: z.literal('clocklab/1'),
  command: z.literal('info'),
  startedAt: z.string().describe('ISO 8601 time the run started'),
  machine: Machine,
  tscFrequency: z
    .object({
      hz: z.number().describe('TSC ticks per second'),
      source: TscFrequencySource,
      detail: z.string().describe('how the figure was obtained'),
    })
    .nullable(),
  flagDisagreements: z
    .array(z.object({ flag: z.string(), cpuid: z.boolean(), cpuinfo: z.boolean() }))
    .describe('flags where CPUID and /proc/cpuinfo disagree (hypervisors filter either)'),
  stealSeconds: z.number().describe('steal time since boot, all CPUs (/proc/stat)'),
  clocks: z.array(
    z.object({
      name: z.string(),
      id: z.number().int(),
      available: z.boolean(),
      resolutionNs: z.number().nullable(),
    }),
  ),
  findings: z.array(Finding),
});

export type InfoResultT = z.infer<typeof InfoResult>;

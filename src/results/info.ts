// info.ts: the result of `clocklab info`: what this machine's clocks are made of.
import { z } from 'zod';
import { Finding, resultHead } from './common.js';

export const TscFrequencySource = z.enum([
  'cpuid-0x15',
  'cpuid-0x16',
  'hypervisor-0x40000010',
  'pvclock',
  'measured',
]);

export const InfoResult = z.object({
  ...resultHead('info'),
  tscFrequency: z
    .object({
      hz: z.number().describe('TSC ticks per second'),
      source: TscFrequencySource,
      detail: z.string().describe('how the figure was obtained'),
    })
    .nullable(),
  pvclock: z
    .object({
      state: z.enum(['readable', 'faults', 'not-a-record', 'absent']),
      address: z.string().nullable().describe('hex address of the page in this process, where one was found'),
      detail: z.string().describe('where it was found, or what was looked for and why it cannot be read'),
      vcpus: z.number().int().nullable().describe('records present, when readable'),
      stableBit: z.boolean().nullable().describe("vCPU 0's PVCLOCK_TSC_STABLE_BIT, when readable"),
      tscHz: z.number().nullable().describe('TSC Hz implied by vCPU 0 mul/shift, when readable'),
    })
    .nullable()
    .describe('the KVM pvclock page (clocklab pvclock); null when not x86'),
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

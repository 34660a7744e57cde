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

const TscAuxInstruction = z.object({
  instruction: z.enum(['rdtscp', 'rdpid']),
  offered: z.boolean().nullable().describe('CPUID offers it (null: a capture that does not say)'),
  executes: z.boolean().nullable().describe('it ran in a forked child without a fault (null: not tried)'),
  signal: z.string().nullable().describe('the signal that killed the child (SIGILL: the CPU lacks it)'),
  faultedOn: z.number().int().nullable().describe('the CPU the child was pinned to when the signal came'),
  reads: z.array(
    z.object({
      round: z.number().int(),
      pinned: z.number().int().nullable().describe('the CPU the thread was pinned to (null: a capture that does not say)'),
      ranOn: z.number().int().nullable().describe('the CPU getcpu(2) saw before and after the read'),
      aux: z.number().int().describe('TSC_AUX as read; Linux writes (node << 12) | cpu'),
      tsc: z.string().nullable().describe("RDTSCP's TSC, decimal"),
      namesCpu: z.boolean().nullable().describe("TSC_AUX's CPU field is the CPU the read ran on (null: that CPU unknown)"),
    }),
  ),
  values: z.array(z.number().int()).describe('distinct TSC_AUX values read'),
  namesCpu: z.enum(['always', 'never', 'sometimes']).nullable().describe('over the reads that can be judged; null: none can'),
});

export const TscAux = z.object({
  cpus: z.array(z.number().int()).describe('the CPUs each instruction was pinned to in turn'),
  rounds: z.number().int(),
  from: z.enum(['probe', 'capture']).describe('probe: executed now in a forked child; capture: read from rdtscp-probe.txt'),
  rdtscp: TscAuxInstruction,
  rdpid: TscAuxInstruction,
});

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
  tscAux: TscAux.nullable()
    .optional()
    .describe('RDTSCP and RDPID executed in a forked child on every CPU, whatever CPUID says, and whether TSC_AUX names the CPU; null when not x86'),
});

export type InfoResultT = z.infer<typeof InfoResult>;

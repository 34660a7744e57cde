// common.ts: the parts every result shares, as zod schemas. The TypeScript
// types are inferred from them and the shipped JSON Schema is generated from
// them, so the contract is written once.
import { z } from 'zod';

/** Every result carries this; a reader refuses any other. */
export const SCHEMA_VERSION = 'clocklab/1';

/** A TSC value or other 64-bit count, as a decimal string (it may pass 2^53). */
export const U64String = z.string().regex(/^\d+$/).describe('unsigned 64-bit integer as a decimal string');

export const Severity = z.enum(['info', 'warn', 'fail']);

/** A finding is data: a code, how bad, and its figures. Reports phrase it. */
export const Finding = z.object({
  code: z.string().describe('stable identifier, e.g. TSC_WARP'),
  severity: Severity,
  args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const CpuIdentity = z.object({
  vendor: z.string().describe('CPUID(0) vendor string, e.g. AuthenticAMD'),
  brand: z.string().describe('CPUID 0x80000002-4 brand string'),
  family: z.number().int(),
  model: z.number().int(),
  stepping: z.number().int(),
});

export const TscFlags = z.object({
  constant_tsc: z.boolean(),
  nonstop_tsc: z.boolean(),
  tsc_reliable: z.boolean(),
  tsc_known_freq: z.boolean(),
  rdtscp: z.boolean(),
  rdpid: z.boolean(),
  tsc_adjust: z.boolean(),
  invariantTsc: z.boolean().describe('CPUID 0x80000007 EDX[8]'),
});

export const Hypervisor = z.object({
  signature: z.string().describe('CPUID 0x40000000 EBX:ECX:EDX, e.g. KVMKVMKVM'),
  maxLeaf: z.number().int().describe('CPUID 0x40000000 EAX'),
  kvmFeatures: z.array(z.string()).nullable().describe('names of the set bits of CPUID 0x40000001 EAX, on KVM'),
  kvmFeaturesEax: z.number().int().nullable(),
});

export const Clocksources = z.object({
  available: z.array(z.string()),
  current: z.string().nullable(),
});

/** What the machine is, recorded in every result so figures can be compared. */
export const Machine = z.object({
  hostname: z.string(),
  kernel: z.object({ release: z.string(), version: z.string(), arch: z.string() }),
  isX86: z.boolean(),
  cpu: CpuIdentity.nullable(),
  onlineCpus: z.array(z.number().int()),
  tscFlags: TscFlags,
  hypervisor: Hypervisor.nullable(),
  clocksources: Clocksources,
  replay: z
    .object({ dir: z.string().describe('the capture folder replayed'), capturedAt: z.string().nullable().describe('when it was captured, from its README') })
    .optional()
    .describe('present when these are the facts of a capture (`--machine DIR`), not of the machine that ran clocklab'),
});

/** The fields every result opens with: the schema version, the command that
 * made it (the union's discriminator), when it started, and the machine. */
export function resultHead<C extends string>(command: C) {
  return {
    schema: z.literal(SCHEMA_VERSION),
    command: z.literal(command),
    startedAt: z.string().describe('ISO 8601 time the run started'),
    machine: Machine,
  };
}

/** What could disturb a measurement, recorded around it. */
export const Disturbance = z.object({
  cpus: z.array(z.number().int()).describe('CPUs the measurement ran on'),
  loadAverageBefore: z.tuple([z.number(), z.number(), z.number()]),
  stealNs: z.number().describe('steal time summed over all CPUs during the run (/proc/stat)'),
  stealPercent: z.number().describe('steal time as a percentage of the wall time of the CPUs used'),
  clocksourceBefore: z.string().nullable(),
  clocksourceAfter: z.string().nullable(),
});

export type FindingT = z.infer<typeof Finding>;
export type MachineT = z.infer<typeof Machine>;
export type DisturbanceT = z.infer<typeof Disturbance>;
export type TscFlagsT = z.infer<typeof TscFlags>;
export type HypervisorT = z.infer<typeof Hypervisor>;

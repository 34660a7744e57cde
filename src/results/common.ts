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
  vendor: z.string().nullable().optional().describe('the hypervisor that signature belongs to, where known (src/probes/hypervisor.ts)'),
  maxLeaf: z.number().int().describe('CPUID 0x40000000 EAX'),
  kvmFeatures: z.array(z.string()).nullable().describe('names of the set bits of CPUID 0x40000001 EAX, on KVM'),
  kvmFeaturesEax: z.number().int().nullable(),
});

export const Clocksources = z.object({
  available: z.array(z.string()),
  current: z.string().nullable(),
});

const sn = z.string().nullable();
const nn = z.number().nullable();

/** Why the kernel does not offer tsc (src/probes/kernel-view.ts). */
export const TscWithheldKind = z.enum(['boot-parameter', 'watchdog', 'sync-check', 'unsynchronized', 'cpufreq', 'idle', 'hypervisor', 'other', 'unknown']);

/** What the kernel decided about its clocks and the hypervisor, read from
 * its log, /proc/cmdline and sysfs (src/probes/kernel-view.ts). */
export const KernelView = z.object({
  kernelLogRead: z.boolean().describe('the kernel log (/dev/kmsg or a capture\'s dmesg.txt) could be read'),
  cmdlineRead: z.boolean(),
  hypervisor: z.object({
    kernelSays: sn.describe('"Hypervisor detected: X" in the kernel log'),
    sysfsType: sn.describe('/sys/hypervisor/type'),
    cpuinfoFlag: z.boolean().describe('the hypervisor flag in /proc/cpuinfo'),
    cpuid: z
      .array(z.object({ leaf: z.number().int(), signature: z.string(), maxLeaf: z.number().int(), name: sn }))
      .describe('the hypervisor leaves user-space CPUID shows (0x40000000 and known signatures at 0x100 steps)'),
    nested: z.boolean().describe('the kernel names a hypervisor none of the CPUID signatures belong to: nested or paravirtualized (PVM)'),
    clockFrom: sn.describe("the hypervisor the kernel's paravirtual clock comes from"),
  }),
  clockOptions: z.object({
    clocksource: sn.describe('clocksource= on the kernel command line'),
    tsc: z.array(z.string()).describe('every tsc= value, in order: all apply'),
    tscContradiction: z.boolean().describe('tsc=reliable and tsc=unstable both given'),
    notsc: z.boolean(),
    noKvmclock: z.boolean(),
    noKvmclockVsyscall: z.boolean(),
    tscEarlyKhz: nn,
    options: z.array(z.string()).describe('the clock options as given'),
  }),
  tsc: z.object({
    offered: z.boolean().describe('tsc is in available_clocksource'),
    withheld: z
      .object({
        kind: TscWithheldKind,
        reason: sn.describe('the reason after "Marking TSC unstable due to"'),
        timeS: nn.describe('seconds after boot the kernel logged it'),
        measured: z.boolean().describe('the kernel timed the TSC and found it wrong (watchdog, sync check)'),
        option: sn.describe('the boot option that removed it (tsc=unstable, notsc)'),
        watchdog: z
          .object({ clocksource: z.string(), against: sn, cpu: nn, skewNs: nn, wdNsec: nn, csNsec: nn })
          .nullable()
          .describe("the clocksource watchdog's record: which clock, measured against which, by how much"),
        sync: z.object({ fromCpu: nn, toCpu: nn, warpCycles: nn }).nullable().describe('the failed TSC sync check at CPU bring-up'),
      })
      .nullable()
      .describe('why the kernel does not offer tsc, or null where it does'),
    detectedMhz: nn.describe('"tsc: Detected N MHz"'),
    refinedMhz: nn.describe('"tsc: Refined TSC clocksource calibration: N MHz"'),
  }),
  switches: z.array(z.object({ timeS: nn, clocksource: z.string() })).describe('"Switched to clocksource X", in order'),
  forks: z.array(z.object({ timeS: nn })).describe('"crng reseeded due to virtual machine fork": restored or cloned from a snapshot'),
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
  kernelView: KernelView.optional().describe("the kernel's own view of its clocks and hypervisor (absent in reports of older versions)"),
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
export type KernelViewT = z.infer<typeof KernelView>;
export type TscWithheldT = NonNullable<KernelViewT['tsc']['withheld']>;

// tsc-sentences.ts: what each of `clocklab tsc`'s findings says to a person,
// and what to do about it. Registered in ./sentences.ts (spread into its
// table), so phrase() and every report take them from there.
import type { FindingArgs } from './codes.js';
import type { Phrase } from './sentences.js';
import type { TSC_FINDING_ARGS } from './tsc-codes.js';

type TscCode = keyof typeof TSC_FINDING_ARGS;
type TscSentences = { [C in TscCode]: (a: FindingArgs<C>) => Phrase };

const said = (text: string, advice: string | null = null): Phrase => ({ text, advice });
/** A signed ppm figure: `+0.724 ppm`. */
export const ppm = (x: number, digits = 3): string => `${x >= 0 ? '+' : ''}${x.toFixed(digits)} ppm`;
const mhz = (x: number): string => `${x.toFixed(6)} MHz`;
/** A half-width in ppm: 3 decimals, or a bound where that would read 0. */
export const pm = (x: number): string => (x < 0.0005 ? '<0.001' : x.toFixed(3));
const WHY: Record<string, string> = {
  rates: "the CPUs' TSCs tick at different rates",
  offsets: "the CPUs' TSCs are offset from each other beyond the measurement's bound",
  invariant: 'the TSC is not invariant (it may change rate or stop with the CPU)',
};

/** The claim's source, as a person names it. */
export const CLAIM_NAMES: Record<string, string> = {
  'kernel-detected': 'the kernel log ("tsc: Detected ... MHz processor")',
  'kernel-detected-tsc': 'the kernel log ("tsc: Detected ... MHz TSC")',
  'kernel-refined': 'the kernel log ("Refined TSC clocksource calibration")',
  'kernel-vmware': 'the kernel log (VMware\'s "TSC freq read from hypervisor")',
  'cpuid-0x15': 'CPUID 0x15 (crystal x ratio)',
  'cpuid-0x16': 'CPUID 0x16 (base frequency)',
  'hypervisor-0x40000010': "the hypervisor's CPUID leaf 0x40000010",
  pvclock: "the pvclock record's mul and shift",
  measured: 'the measurement against CLOCK_MONOTONIC_RAW',
};
const claimName = (s: string): string => CLAIM_NAMES[s] ?? s;

export const TSC_SENTENCES: TscSentences = {
  TSC_USABLE: (a) =>
    said(
      `A program may read the TSC here: every CPU (${a.cpus.split(',').join(', ')}) ticks at ${mhz(a.mhz)} (±${pm(a.halfWidthPpm)} ppm, 95%), from ${claimName(a.source)}.`,
      null,
    ),
  TSC_NOT_USABLE: (a) =>
    said(
      `A program should not read the TSC here: ${a.why.split(',').map((w) => WHY[w] ?? w).join('; ')}.`,
      'Read time through clock_gettime(CLOCK_MONOTONIC) instead: the kernel accounts for what the TSC alone does not.',
    ),
  TSC_RATES_DIFFER: (a) =>
    said(
      `cpu ${a.cpuB}'s TSC ticks ${ppm(a.ppm)} (±${a.halfWidthPpm.toFixed(3)}) off cpu ${a.cpuA}'s: beyond both intervals and the ${a.floorPpm} ppm floor.`,
      'One frequency cannot convert TSC deltas on both CPUs; pin the program to one CPU or use clock_gettime.',
    ),
  TSC_CLAIM_DISAGREES: (a) =>
    said(
      `${claimName(a.source)} claims ${mhz(a.claimMhz)}, ${ppm(a.ppm)} off the measured ${mhz(a.measuredMhz)} (±${a.halfWidthPpm.toFixed(3)} ppm).`,
      "Do not take the TSC's frequency from this source here; use the measured one (or a claim that agrees).",
    ),
  TSC_NOT_INVARIANT: (a) =>
    said(
      `The TSC is not invariant: CPUID 0x80000007 EDX[8] ${a.cpuid ? 'set' : 'clear'}, constant_tsc ${a.constantTsc ? 'set' : 'clear'}, nonstop_tsc ${a.nonstopTsc ? 'set' : 'clear'}.`,
      'Its rate may follow the CPU frequency or stop in deep idle states: a measured rate holds only for the moment it was measured.',
    ),
  TSC_OFFSET_BEYOND_BOUND: (a) =>
    said(
      `cpu ${a.cpuB}'s TSC reads ${a.offsetCycles.toFixed(0)} cycles${a.offsetNs === null ? '' : ` (${a.offsetNs.toFixed(1)} ns)`} off cpu ${a.cpuA}'s, beyond the bound of ±${a.errorCycles.toFixed(0)} cycles.`,
      'A TSC delta taken across a migration between these CPUs is off by that much, and may be negative.',
    ),
  TSC_KERNEL_NOT_USING: (a) => {
    const why = a.offered
      ? 'tsc is offered but not chosen'
      : a.kind === 'boot-parameter'
        ? `the boot parameter ${a.option ?? '(unknown)'} removed it, a setting and not a measurement`
        : a.measured
          ? `the kernel measured it and found it wrong (${a.reason ?? a.kind ?? 'reason unknown'})`
          : `it was withheld (${a.reason ?? a.kind ?? 'reason unknown'})`;
    const derives = a.derives ? `; ${a.clocksource ?? 'the clocksource'} scales the TSC itself, so the kernel's clocks still tick with it` : '';
    return said(`The kernel does not use the TSC as its clocksource (${a.clocksource ?? 'unknown'}): ${why}${derives}.`, null);
  },
  TSC_DAEMON_CORRECTION: (a) =>
    said(
      `CLOCK_MONOTONIC runs ${ppm(a.ppm)} (±${a.halfWidthPpm.toFixed(3)}) against CLOCK_MONOTONIC_RAW: the time daemon's correction; adjtimex's frequency offset is ${a.adjtimexPpm === null ? 'unknown' : ppm(a.adjtimexPpm)}${a.agrees === false ? ', and the two disagree' : ''}.`,
      'A TSC frequency measured against CLOCK_MONOTONIC includes that correction; convert with the CLOCK_MONOTONIC_RAW rate for intervals.',
    ),
  TSC_FENCE: (a) =>
    a.needed
      ? said(
          `A plain RDTSC read ahead of an earlier load ${a.beyondBound.toLocaleString('en-US')} times in ${a.samples.toLocaleString('en-US')} samples on cpus ${a.cpus}${a.worstNs === null ? '' : `, by up to ${a.worstNs.toFixed(1)} ns`}, beyond the pair's offset bound.`,
          'Fence it where order matters: LFENCE;RDTSC or RDTSCP, as the kernel\'s rdtsc_ordered() does (arch/x86/include/asm/msr.h).',
        )
      : said(
          `A plain RDTSC was not seen reading ahead of an earlier load in ${a.samples.toLocaleString('en-US')} samples on cpus ${a.cpus}; the manuals do not promise that order (Intel SDM Vol. 2B, RDTSC), so fence it where order matters.`,
        ),
  TSC_ONE_CPU: (a) => said(`Only cpu ${a.cpu} was measured: nothing to compare its rate and offset with.`),
  TSC_SELF_TEST_FOUND: (a) =>
    said(`[OK]   self-test: ${ppm(a.plantedPpm, 0)} planted on cpu ${a.cpu}, measured ${ppm(a.ppm)} (±${a.halfWidthPpm.toFixed(3)}), on that CPU alone.`),
  TSC_SELF_TEST_MISSED: (a) =>
    said(
      `[FAIL] self-test: ${ppm(a.plantedPpm, 0)} planted on cpu ${a.cpu}, measured ${a.ppm === null ? 'nothing' : `${ppm(a.ppm)} (±${(a.halfWidthPpm ?? 0).toFixed(3)})`}.`,
      'The rate measurement does not find a known error: its figures cannot be trusted on this machine.',
    ),
  TSC_SELF_TEST_STRAY: (a) =>
    said(`[FAIL] self-test: cpu ${a.cpu}, not planted, measured ${ppm(a.ppm)} (the plant was ${ppm(a.plantedPpm, 0)}).`, 'The plant leaked onto another CPU: the thread was not where it was pinned.'),
};

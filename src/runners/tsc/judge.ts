// judge.ts: given the samples and the machine's facts, may a program read
// the TSC here, at what rate, and what does each claim say beside it? Pure:
// the rates fitted (./fit.ts), the claims compared, the verdict's evidence
// gathered, findings as data. ./run.ts gathers the evidence.
import { finding } from '../../findings/codes.js';
import { TSC_RATE_FLOOR_PPM } from '../../findings/tsc-thresholds.js';
import type { NativeTimex } from '../../native/binding.js';
import type { TscAuxFacts } from '../../probes/tsc-aux.js';
import type { TscClaim } from '../../probes/tsc-claims.js';
import type { FindingT, TscWithheldT } from '../../results/common.js';
import type { TscClaimT, TscCpuRateT, TscDaemonT, TscPpmT, TscRateT, TscResultT, TscFenceT, TscSelfTestT, TscVerdictT } from '../../results/tsc.js';
import type { TscOffsetT } from '../../results/warp.js';
import { claimAgrees, fitRate, pooledRate, ratesDiffer, ratioPpm, type RateFit } from './fit.js';
import type { CpuSamples } from './sample.js';

const rateOf = (f: RateFit): TscRateT => ({
  hz: f.hz,
  halfWidthHz: f.halfWidthHz,
  samples: f.samples,
  spanNs: f.spanNs,
  bracketMinCycles: f.bracketMinCycles,
  bracketMaxCycles: f.bracketMaxCycles,
  reducedChi2: f.reducedChi2,
});

/** One CPU's rates against the three clocks, and MONOTONIC against RAW. */
export function fitCpu(s: CpuSamples): TscCpuRateT {
  const raw = rateOf(fitRate(s.samples.monotonic_raw));
  const mono = rateOf(fitRate(s.samples.monotonic));
  return { cpu: s.cpu, read: s.read, monotonicRaw: raw, monotonic: mono, realtime: rateOf(fitRate(s.samples.realtime)), correction: ratioPpm(raw, mono), planted: s.planted };
}

export interface TscEvidence {
  rates: TscCpuRateT[];
  claims: TscClaim[];
  flags: { invariantTsc: boolean; constant_tsc: boolean; nonstop_tsc: boolean };
  clocksources: { available: readonly string[]; current: string | null };
  withheld: TscWithheldT | null;
  /** vCPU 0's PVCLOCK_TSC_STABLE_BIT; null where the page cannot be read. */
  pvclockStable: boolean | null;
  tscAux: TscAuxFacts | null;
  /** TSC_AUX_NOT_CPU and INSTRUCTION_HIDDEN_EXECUTES, as info and check say them (../tsc-aux.ts). */
  auxFindings: readonly FindingT[];
  /** null: not measured. */
  offsets: TscOffsetT[] | null;
  /** null: not run. */
  fence: TscFenceT | null;
  timex: NativeTimex | null;
  selfTest: { cpu: number; ppm: number } | null;
}

/** The fence's record where the litmus did not run (one CPU, a replay, --no-fence). */
export const fenceNotRun = (cpus: readonly number[] = []): TscFenceT => ({ measured: false, needed: null, cpus: [...cpus], samples: 0, violations: 0, beyondBound: 0, worstNs: null, boundNs: null });

export type TscJudgement = Pick<TscResultT, 'claims' | 'pooled' | 'daemon' | 'verdict' | 'selfTest' | 'findings'>;

/** The claims a program may take its frequency from, the most finely stated
 * first; CPUID 0x16 never (a nominal base frequency, not the TSC's). */
function chooseSource(claims: readonly TscClaimT[]): TscClaimT | null {
  return [...claims].filter((c) => c.agrees === true && c.source !== 'cpuid-0x16').sort((a, b) => a.resolutionHz - b.resolutionHz)[0] ?? null;
}

function pooledPpm(values: readonly TscPpmT[]): TscPpmT | null {
  if (values.length === 0) return null;
  const p = pooledRate(values.map((v) => ({ hz: v.ppm, halfWidthHz: v.halfWidthPpm })));
  return { ppm: p.hz, halfWidthPpm: p.halfWidthHz };
}

function judgeDaemon(rates: readonly TscCpuRateT[], timex: NativeTimex | null): TscDaemonT {
  const correction = pooledPpm(rates.map((r) => r.correction));
  const adjtimexPpm = timex ? timex.freqPpm16 / 65536 : null;
  // 0.01 ppm: adjtimex's freq is a 16-bit fraction of a ppm, and the kernel
  // applies it through the clocksource's integer mult (kernel/time/timekeeping.c).
  const agrees = correction && adjtimexPpm !== null ? Math.abs(correction.ppm - adjtimexPpm) <= correction.halfWidthPpm + 0.01 : null;
  return { correction, adjtimexPpm, adjtimexState: timex?.state ?? null, agrees };
}

function judgeSelfTest(all: readonly TscCpuRateT[], planted: { cpu: number; ppm: number }, findings: FindingT[]): TscSelfTestT {
  const target = all.find((r) => r.cpu === planted.cpu);
  const others = all.filter((r) => r.cpu !== planted.cpu);
  const base = { cpu: planted.cpu, plantedPpm: planted.ppm };
  if (!target || others.length === 0 || !target.planted) {
    findings.push(finding('TSC_SELF_TEST_MISSED', 'fail', { ...base, ppm: null, halfWidthPpm: null }));
    return { ...base, measured: null, others: [], passed: false };
  }
  const reference = pooledRate(others.map((r) => r.monotonicRaw));
  const measured = ratioPpm(target.monotonicRaw, reference);
  const otherPpm = others.map((o) => ({ cpu: o.cpu, ...ratioPpm(o.monotonicRaw, pooledRate(others.map((r) => r.monotonicRaw))), planted: o.planted }));
  const stray = otherPpm.find((o) => o.planted || Math.abs(o.ppm) > Math.abs(planted.ppm) / 2);
  const found = Math.abs(measured.ppm - planted.ppm) <= measured.halfWidthPpm;
  if (stray) findings.push(finding('TSC_SELF_TEST_STRAY', 'fail', { cpu: stray.cpu, ppm: stray.ppm, plantedPpm: planted.ppm }));
  if (!found) findings.push(finding('TSC_SELF_TEST_MISSED', 'fail', { ...base, ...measured }));
  if (found && !stray) findings.push(finding('TSC_SELF_TEST_FOUND', 'info', { ...base, ...measured }));
  return { ...base, measured, others: otherPpm, passed: found && !stray };
}

export function judgeTscRate(e: TscEvidence): TscJudgement {
  const findings: FindingT[] = [];
  // The planted CPU's rate is the self-test's, not the machine's.
  const rates = e.rates.filter((r) => !r.planted);
  const pooled = rates.length > 0 ? pooledRate(rates.map((r) => r.monotonicRaw)) : null;
  const claims: TscClaimT[] = e.claims.map((c) => ({
    ...c,
    ppm: pooled ? ratioPpm({ hz: c.hz, halfWidthHz: 0 }, pooled).ppm : null,
    agrees: pooled ? claimAgrees(c, pooled) : null,
  }));
  if (rates.length === 1 && !e.selfTest) findings.push(finding('TSC_ONE_CPU', 'info', { cpu: rates[0]?.cpu ?? 0 }));

  // Rates that differ: every pair, each beyond both intervals and the floor.
  let differ = false;
  for (let i = 0; i < rates.length; i++) {
    for (let j = i + 1; j < rates.length; j++) {
      const a = rates[i] as TscCpuRateT;
      const b = rates[j] as TscCpuRateT;
      if (!ratesDiffer(b.monotonicRaw, a.monotonicRaw, TSC_RATE_FLOOR_PPM)) continue;
      differ = true;
      findings.push(finding('TSC_RATES_DIFFER', 'fail', { cpuA: a.cpu, cpuB: b.cpu, ...ratioPpm(b.monotonicRaw, a.monotonicRaw), floorPpm: TSC_RATE_FLOOR_PPM }));
    }
  }
  if (pooled) {
    for (const c of claims) {
      if (c.agrees !== false) continue;
      const r = ratioPpm({ hz: c.hz, halfWidthHz: 0 }, pooled);
      findings.push(finding('TSC_CLAIM_DISAGREES', c.source === 'cpuid-0x16' ? 'info' : 'warn', { source: c.source, claimMhz: c.hz / 1e6, measuredMhz: pooled.hz / 1e6, ...r }));
    }
  }

  const chosen = chooseSource(claims);
  const invariant = e.flags.invariantTsc || (e.flags.constant_tsc && e.flags.nonstop_tsc);
  if (!invariant) findings.push(finding('TSC_NOT_INVARIANT', 'fail', { cpuid: e.flags.invariantTsc, constantTsc: e.flags.constant_tsc, nonstopTsc: e.flags.nonstop_tsc }));

  const current = e.clocksources.current;
  const usesTsc = current === 'tsc';
  const derivesFromTsc = usesTsc || (current === 'kvm-clock' && e.pvclockStable === true);
  const offered = e.clocksources.available.includes('tsc');
  const measuredBad = e.withheld?.measured ?? null;
  if (!usesTsc) {
    findings.push(
      finding('TSC_KERNEL_NOT_USING', measuredBad ? 'warn' : 'info', {
        clocksource: current,
        offered,
        kind: e.withheld?.kind ?? null,
        reason: e.withheld?.reason ?? null,
        option: e.withheld?.option ?? null,
        measured: measuredBad === true,
        derives: derivesFromTsc,
      }),
    );
  }

  const aux = e.tscAux?.rdtscp ?? null;
  findings.push(...e.auxFindings);

  const hz = chosen?.hz ?? pooled?.hz ?? null;
  const toNs = (cycles: number): number | null => (hz ? (cycles * 1e9) / hz : null);
  const pairs = e.offsets ?? [];
  const largest = pairs.reduce<TscOffsetT | null>((m, p) => (m === null || Math.abs(p.offsetCycles) > Math.abs(m.offsetCycles) ? p : m), null);
  let beyondBound: boolean | null = e.offsets === null || pairs.length === 0 ? null : false;
  for (const p of pairs) {
    if (Math.abs(p.offsetCycles) <= p.errorCycles) continue;
    beyondBound = true;
    findings.push(finding('TSC_OFFSET_BEYOND_BOUND', 'fail', { cpuA: p.cpuA, cpuB: p.cpuB, offsetCycles: p.offsetCycles, errorCycles: p.errorCycles, offsetNs: toNs(p.offsetCycles) }));
  }

  const fence: TscFenceT = e.fence ?? fenceNotRun();
  if (fence.measured) {
    findings.push(finding('TSC_FENCE', fence.needed ? 'warn' : 'info', { needed: fence.needed === true, cpus: fence.cpus.join(','), samples: fence.samples, beyondBound: fence.beyondBound, worstNs: fence.worstNs }));
  }

  const daemon = judgeDaemon(rates, e.timex);
  if (daemon.correction && Math.abs(daemon.correction.ppm) > daemon.correction.halfWidthPpm) {
    findings.push(finding('TSC_DAEMON_CORRECTION', 'info', { ...daemon.correction, adjtimexPpm: daemon.adjtimexPpm, agrees: daemon.agrees }));
  }

  const why = [differ ? 'rates' : null, beyondBound ? 'offsets' : null, invariant ? null : 'invariant'].filter((w): w is string => w !== null);
  const usable = pooled !== null && why.length === 0;
  if (usable && pooled) {
    findings.unshift(
      finding('TSC_USABLE', 'info', {
        mhz: (hz ?? pooled.hz) / 1e6,
        halfWidthPpm: ((chosen ? chosen.resolutionHz / 2 : pooled.halfWidthHz) / pooled.hz) * 1e6,
        source: chosen?.source ?? 'measured',
        cpus: rates.map((r) => r.cpu).join(','),
      }),
    );
  } else if (why.length > 0) {
    findings.unshift(finding('TSC_NOT_USABLE', 'fail', { why: why.join(',') }));
  }

  const verdict: TscVerdictT = {
    usable,
    frequencyHz: hz,
    halfWidthHz: chosen ? chosen.resolutionHz / 2 : (pooled?.halfWidthHz ?? null),
    source: chosen?.source ?? (pooled ? 'measured' : null),
    everyCpuSameRate: rates.length < 2 ? null : !differ,
    invariant: { cpuid: e.flags.invariantTsc, constantTsc: e.flags.constant_tsc, nonstopTsc: e.flags.nonstop_tsc, invariant },
    kernel: {
      clocksource: current,
      usesTsc,
      derivesFromTsc,
      offered,
      withheldKind: e.withheld?.kind ?? null,
      withheldReason: e.withheld?.reason ?? null,
      withheldOption: e.withheld?.option ?? null,
      measured: measuredBad,
    },
    tscAux: { offered: aux?.offered ?? null, executes: aux?.executes ?? null, namesCpu: aux?.namesCpu ?? null },
    offsets: { measured: e.offsets !== null, pairs, largest, largestNs: largest ? toNs(largest.offsetCycles) : null, beyondBound },
    fence,
  };
  const selfTest = e.selfTest ? judgeSelfTest(e.rates, e.selfTest, findings) : null;
  return { claims, pooled, daemon, verdict, selfTest, findings };
}

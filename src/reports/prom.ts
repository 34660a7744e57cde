// prom.ts: what a result says to Prometheus. One table of metric families
// (name, help, labels), the samples a result gives, and the text exposition
// format that node_exporter's textfile collector reads, rendered by
// prom-client's Registry (its escaping, its HELP and TYPE lines). Pure: the
// file is written by ./files.ts. Every family is documented in docs/metrics.md.
import type * as PromClient from 'prom-client';
import { findMethod } from '../methods.js';
import { packageRequire } from '../paths.js';
import { ReportResult, type ReportResultT } from '../results/report.js';
import type { Verdict } from '../results/verdict.js';
import type { BenchResultT } from '../results/bench.js';
import type { CheckResultT } from '../results/check.js';
import type { CompareResultT } from '../results/compare.js';
import type { PvclockResultT } from '../results/pvclock.js';
import type { TscResultT } from '../results/tsc.js';
import type { TscOffsetT, WarpResultT } from '../results/warp.js';

// The two classes alone: prom-client's index also loads its push gateway
// (http, https) and cluster aggregator, 40 ms of CPU a run on a fleet's timer.
// Required (not imported) from the package's node_modules at first use, so the
// CLI bundle leaves prom-client out and a run without --prom never loads it.
let promClient: { Registry: typeof PromClient.Registry; Gauge: typeof PromClient.Gauge } | undefined;
function prom(): { Registry: typeof PromClient.Registry; Gauge: typeof PromClient.Gauge } {
  promClient ??= {
    Registry: packageRequire('prom-client/lib/registry') as typeof PromClient.Registry,
    Gauge: packageRequire('prom-client/lib/gauge') as typeof PromClient.Gauge,
  };
  return promClient;
}

interface Family {
  help: string;
  /** Label names: each with a bounded set of values (never a time or a pid). */
  labels: readonly string[];
}

const CMD = ['command'] as const;
const READ = ['command', 'method', 'clocksource'] as const;
const WARP = ['command', 'method', 'contract', 'clocksource'] as const;
const PAIR = ['cpu_a', 'cpu_b'] as const;

/** Every metric clocklab writes. All are gauges: each file is one run's state. */
export const PROM_FAMILIES = {
  clocklab_build_info: { help: "clocklab's version; always 1.", labels: ['version'] },
  clocklab_last_run_timestamp_seconds: { help: 'When the run that wrote these metrics ended, in seconds since the epoch.', labels: CMD },
  clocklab_run_duration_seconds: { help: 'Wall time of that run, in seconds.', labels: CMD },
  clocklab_verdict_ok: { help: "1 when the run's verdict passed (exit 0), 0 when it failed (exit 1).", labels: CMD },
  clocklab_clocksource_info: { help: 'The current clocksource when the run started; always 1.', labels: ['command', 'clocksource'] },
  clocklab_steal_ratio: { help: 'Steal time during the run over the wall time of the CPUs measured (0-1).', labels: CMD },
  clocklab_steal_seconds: { help: 'Steal time during the run, summed over all CPUs, in seconds.', labels: CMD },

  clocklab_check_verdict: { help: "check's overall verdict: 1 for the one that holds, 0 for the others.", labels: ['verdict'] },
  clocklab_check_ok: { help: 'check: 1 when the check passed or did not apply (skipped), 0 on a warning or a failure.', labels: ['check'] },
  clocklab_check_status: { help: "check: 1 for the check's status (ok, warn, fail, skipped), 0 for the others.", labels: ['check', 'status'] },
  clocklab_check_duration_seconds: { help: 'check: wall time of each check, in seconds.', labels: ['check'] },
  clocklab_check_profile_info: { help: 'check: the profile run (full, or light for a periodic timer); always 1.', labels: ['profile'] },
  clocklab_clocksource_recommended_info: { help: 'The clocksource check or compare recommends; always 1.', labels: ['command', 'clocksource'] },

  clocklab_read_cost_seconds: {
    help: 'Cost of one read, in seconds: the median of the runs (bench, compare), the fastest run (check).',
    labels: READ,
  },
  clocklab_read_cost_spread_ratio: { help: 'Spread of the per-run cost of one read: (max - min) / median.', labels: READ },

  clocklab_warp_reads: { help: 'Reads the warp check made of this method, each on its turn, on all CPUs.', labels: WARP },
  clocklab_warps: { help: 'Reads lower than the value stored just before (time going backwards across CPUs).', labels: WARP },
  clocklab_warp_largest_seconds: { help: 'The largest warp, in seconds (TSC reads at the TSC frequency); 0 without one.', labels: WARP },
  clocklab_warp_ok: { help: "1 when the method held or warped only as its contract allows, 0 when a monotonic read went backwards.", labels: WARP },
  clocklab_warp_handoffs: { help: 'Cross-CPU hand-offs: reads whose previous value another CPU stored.', labels: WARP },
  clocklab_warp_detection_limit_seconds: {
    help: 'The smallest backward step the run could have seen for this method (one more than the smallest cross-CPU forward step), in seconds.',
    labels: WARP,
  },
  clocklab_warp_self_test_ok: { help: 'warp --self-test: 1 when the checker found the planted skew, 0 when not.', labels: [] },

  clocklab_tsc_offset_cycles: { help: "TSC of cpu_b minus TSC of cpu_a at the same instant, in TSC cycles.", labels: PAIR },
  clocklab_tsc_offset_error_cycles: { help: 'Error bound of that offset (half the narrowest bracket), in TSC cycles.', labels: PAIR },
  clocklab_tsc_offset_bound_cycles: { help: 'How far apart the two TSCs may be: |offset| + error, in TSC cycles.', labels: PAIR },

  clocklab_tsc_usable: { help: 'tsc: 1 when a program may read the TSC and convert with one frequency on every CPU measured, 0 when not.', labels: CMD },
  clocklab_tsc_frequency_hertz: { help: 'The TSC frequency to convert with, and where it comes from (a claim that agrees with the measurement, or measured).', labels: ['command', 'source'] },
  clocklab_tsc_frequency_halfwidth_ppm: { help: 'Half the 95% interval of that frequency, in ppm.', labels: ['command', 'source'] },
  clocklab_tsc_rate_hertz: { help: "TSC cycles per second of the clock (monotonic_raw, monotonic, realtime) on this CPU, measured.", labels: ['command', 'cpu', 'clock'] },
  clocklab_tsc_rate_halfwidth_ppm: { help: 'Half the 95% interval of that rate, in ppm.', labels: ['command', 'cpu', 'clock'] },
  clocklab_tsc_claim_hertz: { help: 'A claimed TSC frequency (the kernel log, CPUID 0x15 or 0x16, the hypervisor leaf, pvclock).', labels: ['source'] },
  clocklab_tsc_claim_offset_ppm: { help: 'That claim off the measured CLOCK_MONOTONIC_RAW rate, in ppm.', labels: ['source'] },
  clocklab_tsc_daemon_correction_ppm: { help: "CLOCK_MONOTONIC against CLOCK_MONOTONIC_RAW, in ppm: the time daemon's correction, measured.", labels: [] },
  clocklab_tsc_adjtimex_frequency_ppm: { help: "adjtimex(2)'s frequency offset, in ppm.", labels: [] },
  clocklab_tsc_fence_needed: { help: "1 when a plain RDTSC was seen reading ahead of an earlier load beyond the CPUs' offset bound, 0 when not seen.", labels: [] },
  clocklab_tsc_self_test_ok: { help: 'tsc --self-test: 1 when the planted rate was found on its CPU alone, 0 when not.', labels: [] },

  clocklab_pvclock_stable_bit: { help: "1 when vCPU 0's pvclock record has PVCLOCK_TSC_STABLE_BIT, 0 when not.", labels: CMD },
  clocklab_pvclock_vcpus: { help: 'pvclock records (vCPUs) read.', labels: CMD },
  clocklab_pvclock_records_agree: { help: "1 when every vCPU's pvclock record has the same parameters and gives the same time.", labels: CMD },
  clocklab_pvclock_vcpu_disagreement_seconds: { help: 'Largest difference between the vCPUs\' pvclock times at one TSC value, in seconds.', labels: CMD },
  clocklab_pvclock_torn_reads: { help: 'pvclock records seen changing under one unchanged even version, during the watch.', labels: CMD },
  clocklab_pvclock_watch_seconds: { help: 'How long the pvclock records were watched for torn reads, in seconds.', labels: CMD },

  clocklab_timesync_synchronised: { help: "1 when the kernel says the clock is synchronised (adjtimex: not TIME_ERROR, STA_UNSYNC clear), 0 when not.", labels: [] },
  clocklab_timesync_max_error_seconds: { help: "The kernel's maximum error bound of the clock (adjtimex maxerror), in seconds.", labels: [] },
  clocklab_timesync_estimated_error_seconds: { help: "The kernel's estimated error of the clock (adjtimex esterror), in seconds.", labels: [] },
  clocklab_timesync_offset_seconds: { help: "The offset of the time daemon's last update (adjtimex offset), in seconds.", labels: [] },
  clocklab_timesync_daemon_info: { help: 'A daemon keeping the clock in step (chrony, ntpd, systemd-timesyncd, ptp4l, phc2sys; none); always 1.', labels: ['daemon'] },
  clocklab_timesync_ptp_kvm: { help: '1 when the hypervisor offers its clock as a PTP device (ptp_kvm), 0 when not.', labels: [] },
} as const satisfies Record<string, Family>;

export type PromFamily = keyof typeof PROM_FAMILIES;
type LabelsOf<N extends PromFamily> = Record<(typeof PROM_FAMILIES)[N]['labels'][number], string>;

/** One sample: a family, its labels (exactly the family's), a value. */
export type PromSample = { [N in PromFamily]: { name: N; labels: LabelsOf<N>; value: number } }[PromFamily];

/** What the CLI knows about the run beyond its result. */
export interface PromRun {
  version: string;
  /** When the run ended, ms since the epoch. */
  endedAtMs: number;
  durationSeconds: number;
}

/** Collects samples, typed by family. */
class Samples {
  readonly list: PromSample[] = [];
  add<N extends PromFamily>(name: N, labels: LabelsOf<N>, value: number | boolean | null | undefined): void {
    if (value === null || value === undefined) return;
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (Number.isFinite(v)) this.list.push({ name, labels, value: v } as PromSample);
  }
}

const CHECK_STATUSES = ['ok', 'warn', 'fail', 'skipped'] as const;
const CHECK_VERDICTS = ['healthy', 'warnings', 'unhealthy'] as const;
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const contractOf = (method: string): string => findMethod(method)?.contract ?? 'unknown';

function benchSamples(s: Samples, command: string, clocksource: string, b: BenchResultT): void {
  for (const m of b.methods) {
    if (m.status !== 'measured') continue;
    const labels = { command, method: m.method, clocksource };
    s.add('clocklab_read_cost_seconds', labels, m.summary.medianNsPerLoop / 1e9);
    s.add('clocklab_read_cost_spread_ratio', labels, m.summary.spreadPercent / 100);
  }
}

/** The CPUs' TSC offsets, as warp --offsets and tsc measure them alike. */
function offsetSamples(s: Samples, pairs: readonly TscOffsetT[]): void {
  for (const o of pairs) {
    const labels = { cpu_a: String(o.cpuA), cpu_b: String(o.cpuB) };
    s.add('clocklab_tsc_offset_cycles', labels, o.offsetCycles);
    s.add('clocklab_tsc_offset_error_cycles', labels, o.errorCycles);
    s.add('clocklab_tsc_offset_bound_cycles', labels, Math.abs(o.offsetCycles) + o.errorCycles);
  }
}

function warpSamples(s: Samples, command: string, clocksource: string, w: WarpResultT): void {
  for (const m of w.methods) {
    if (m.status !== 'measured') continue;
    const labels = { command, method: m.method, contract: m.contract, clocksource };
    s.add('clocklab_warp_reads', labels, m.reads);
    s.add('clocklab_warps', labels, m.warps);
    s.add('clocklab_warp_largest_seconds', labels, m.largest ? m.largest.amountNs / 1e9 : 0);
    s.add('clocklab_warp_ok', labels, m.verdict !== 'failed');
    s.add('clocklab_warp_handoffs', labels, m.handoffs);
    s.add('clocklab_warp_detection_limit_seconds', labels, m.detection ? m.detection.smallestStepNs / 1e9 : null);
  }
  offsetSamples(s, w.offsets ?? []);
  if (w.selfTest) s.add('clocklab_warp_self_test_ok', {}, w.selfTest.passed);
}

function pvclockSamples(s: Samples, p: PvclockResultT): void {
  const labels = { command: 'pvclock' };
  s.add('clocklab_pvclock_stable_bit', labels, p.vdso.stableBit);
  s.add('clocklab_pvclock_vcpus', labels, p.records.length);
  s.add('clocklab_pvclock_records_agree', labels, p.agreement.sameParameters && p.agreement.maxNsDifference === 0);
  s.add('clocklab_pvclock_vcpu_disagreement_seconds', labels, p.agreement.maxNsDifference / 1e9);
  if (p.watch) {
    s.add('clocklab_pvclock_torn_reads', labels, p.watch.counts.reduce((a, c) => a + c.tornReads, 0));
    s.add('clocklab_pvclock_watch_seconds', labels, p.watch.seconds);
  }
}

function tscSamples(s: Samples, t: TscResultT): void {
  const command = 'tsc';
  const v = t.verdict;
  if (t.rates.length > 0) s.add('clocklab_tsc_usable', { command }, v.usable);
  if (v.frequencyHz !== null && v.source !== null) {
    s.add('clocklab_tsc_frequency_hertz', { command, source: v.source }, v.frequencyHz);
    s.add('clocklab_tsc_frequency_halfwidth_ppm', { command, source: v.source }, v.halfWidthHz === null ? null : (v.halfWidthHz / v.frequencyHz) * 1e6);
  }
  for (const r of t.rates) {
    if (r.planted) continue;
    for (const [clock, rate] of [['monotonic_raw', r.monotonicRaw], ['monotonic', r.monotonic], ['realtime', r.realtime]] as const) {
      const labels = { command, cpu: String(r.cpu), clock };
      s.add('clocklab_tsc_rate_hertz', labels, rate.hz);
      s.add('clocklab_tsc_rate_halfwidth_ppm', labels, (rate.halfWidthHz / rate.hz) * 1e6);
    }
  }
  for (const c of t.claims) {
    s.add('clocklab_tsc_claim_hertz', { source: c.source }, c.hz);
    s.add('clocklab_tsc_claim_offset_ppm', { source: c.source }, c.ppm);
  }
  s.add('clocklab_tsc_daemon_correction_ppm', {}, t.daemon.correction?.ppm);
  s.add('clocklab_tsc_adjtimex_frequency_ppm', {}, t.daemon.adjtimexPpm);
  offsetSamples(s, v.offsets.pairs);
  if (v.fence.measured) s.add('clocklab_tsc_fence_needed', {}, v.fence.needed);
  if (t.selfTest) s.add('clocklab_tsc_self_test_ok', {}, t.selfTest.passed);
}

/** check keeps its figures as each check's evidence (src/runners/check/judge.ts). */
function checkSamples(s: Samples, clocksource: string, c: CheckResultT): void {
  for (const v of CHECK_VERDICTS) s.add('clocklab_check_verdict', { verdict: v }, c.verdict === v);
  s.add('clocklab_check_profile_info', { profile: c.options.light ? 'light' : 'full' }, 1);
  for (const item of c.checks) {
    const check = item.name;
    s.add('clocklab_check_ok', { check }, item.status === 'ok' || item.status === 'skipped');
    for (const st of CHECK_STATUSES) s.add('clocklab_check_status', { check, status: st }, item.status === st);
    s.add('clocklab_check_duration_seconds', { check }, item.elapsedMs / 1000);
    const e = item.evidence;
    if (check === 'vdso') {
      for (const [method, key] of [['monotonic', 'monotonicNs'], ['realtime', 'realtimeNs'], ['sys_monotonic', 'sysMonotonicNs']] as const) {
        const ns = num(e[key]);
        s.add('clocklab_read_cost_seconds', { command: 'check', method, clocksource }, ns === null ? null : ns / 1e9);
      }
    } else if (check === 'warp') {
      for (const [key, value] of Object.entries(e)) {
        const m = /^(.+)Warps$/.exec(key);
        if (!m?.[1] || typeof value !== 'number') continue;
        const labels = { command: 'check', method: m[1], contract: contractOf(m[1]), clocksource };
        s.add('clocklab_warps', labels, value);
        s.add('clocklab_warp_reads', labels, num(e[`${m[1]}Reads`]));
      }
    } else if (check === 'pvclock' && item.status !== 'skipped') {
      const labels = { command: 'check' };
      s.add('clocklab_pvclock_stable_bit', labels, bool(e['stableBit']));
      s.add('clocklab_pvclock_vcpus', labels, num(e['vcpus']));
      const agree = bool(e['recordsAgree']);
      const diff = num(e['maxNsDifference']);
      s.add('clocklab_pvclock_records_agree', labels, agree === null || diff === null ? null : agree && diff === 0);
      s.add('clocklab_pvclock_vcpu_disagreement_seconds', labels, diff === null ? null : diff / 1e9);
      s.add('clocklab_pvclock_torn_reads', labels, num(e['tornReads']));
      s.add('clocklab_pvclock_watch_seconds', labels, num(e['watchSeconds']));
    } else if (check === 'clocksource') {
      const rec = e['recommended'];
      if (typeof rec === 'string') s.add('clocklab_clocksource_recommended_info', { command: 'check', clocksource: rec }, 1);
    } else if (check === 'timesync' && item.status !== 'skipped') {
      s.add('clocklab_timesync_synchronised', {}, bool(e['synchronised']));
      const us = (k: string): number | null => {
        const v = num(e[k]);
        return v === null ? null : v / 1e6;
      };
      s.add('clocklab_timesync_max_error_seconds', {}, us('maxErrorUs'));
      s.add('clocklab_timesync_estimated_error_seconds', {}, us('estErrorUs'));
      const off = num(e['offsetNs']);
      s.add('clocklab_timesync_offset_seconds', {}, off === null ? null : off / 1e9);
      const daemons = typeof e['daemons'] === 'string' ? e['daemons'].split(',') : ['none'];
      for (const daemon of daemons) s.add('clocklab_timesync_daemon_info', { daemon }, 1);
      s.add('clocklab_timesync_ptp_kvm', {}, e['ptpKvm'] !== null && e['ptpKvm'] !== undefined);
    }
  }
}

function compareSamples(s: Samples, c: CompareResultT): void {
  for (const row of c.comparison) {
    for (const [clocksource, ns] of Object.entries(row.nsPerLoop)) {
      const labels = { command: 'compare', method: row.method, clocksource };
      s.add('clocklab_read_cost_seconds', labels, ns === null ? null : ns / 1e9);
      const spread = row.spreadPercent[clocksource];
      s.add('clocklab_read_cost_spread_ratio', labels, spread === null || spread === undefined ? null : spread / 100);
    }
  }
  // Warp counts summed over the rounds of each clocksource.
  const sums = new Map<string, { method: string; contract: string; clocksource: string; reads: number; warps: number; largestNs: number; ok: boolean }>();
  for (const run of c.runs) {
    for (const m of run.warp?.methods ?? []) {
      if (m.status !== 'measured') continue;
      const key = `${m.method}\u0000${run.clocksource}`;
      const t = sums.get(key) ?? { method: m.method, contract: m.contract, clocksource: run.clocksource, reads: 0, warps: 0, largestNs: 0, ok: true };
      t.reads += m.reads;
      t.warps += m.warps;
      t.largestNs = Math.max(t.largestNs, m.largest?.amountNs ?? 0);
      t.ok &&= m.verdict !== 'failed';
      sums.set(key, t);
    }
  }
  for (const t of sums.values()) {
    const labels = { command: 'compare', method: t.method, contract: t.contract, clocksource: t.clocksource };
    s.add('clocklab_warp_reads', labels, t.reads);
    s.add('clocklab_warps', labels, t.warps);
    s.add('clocklab_warp_largest_seconds', labels, t.largestNs / 1e9);
    s.add('clocklab_warp_ok', labels, t.ok);
  }
  const rec = c.recommendation.clocksource;
  if (rec !== null && c.recommendation.level !== 'none') s.add('clocklab_clocksource_recommended_info', { command: 'compare', clocksource: rec }, 1);
}

type ResultOfCommand<C extends ReportResultT['command']> = Extract<ReportResultT, { command: C }>;

/** Each command's own samples, keyed by the report union's commands: a
 * result the compiler knows does not build until it has its entry here. */
const BY_COMMAND: { [C in ReportResultT['command']]: (s: Samples, r: ResultOfCommand<C>, clocksource: string) => void } = {
  info: () => undefined,
  order: () => undefined,
  bench: (s, r, clocksource) => benchSamples(s, r.command, clocksource, r),
  warp: (s, r, clocksource) => warpSamples(s, r.command, clocksource, r),
  pvclock: (s, r) => pvclockSamples(s, r),
  check: (s, r, clocksource) => checkSamples(s, clocksource, r),
  compare: (s, r) => compareSamples(s, r),
  tsc: (s, r) => tscSamples(s, r),
};

/** Seconds to the microsecond: the wall clock measured no finer, and a
 * scrape shows 0.072599 rather than 0.07259944000000002. */
const microseconds = (seconds: number): number => Math.round(seconds * 1e6) / 1e6;

/** The samples of one result: the run's own, then the command's. */
export function promSamples(result: ReportResultT, verdict: Verdict, run: PromRun): PromSample[] {
  const s = new Samples();
  const command = result.command;
  const clocksource = result.machine.clocksources.current ?? 'unknown';
  s.add('clocklab_build_info', { version: run.version }, 1);
  s.add('clocklab_last_run_timestamp_seconds', { command }, run.endedAtMs / 1000);
  s.add('clocklab_run_duration_seconds', { command }, microseconds(run.durationSeconds));
  s.add('clocklab_verdict_ok', { command }, verdict.passed);
  s.add('clocklab_clocksource_info', { command, clocksource }, 1);
  if ('disturbance' in result) {
    s.add('clocklab_steal_ratio', { command }, result.disturbance.stealPercent / 100);
    s.add('clocklab_steal_seconds', { command }, result.disturbance.stealNs / 1e9);
  }
  // BY_COMMAND[c] takes the result of command c: a correlation of two unions
  // tsc cannot follow, named once here.
  (BY_COMMAND[result.command] as (s: Samples, r: ReportResultT, clocksource: string) => void)(s, result, clocksource);
  return s.list;
}

/** The samples in the text exposition format (version 0.0.4), through
 * prom-client's Registry: only the families with a sample appear. */
export async function renderProm(samples: readonly PromSample[]): Promise<string> {
  const { Registry, Gauge } = prom();
  const registry = new Registry();
  const gauges = new Map<PromFamily, PromClient.Gauge>();
  for (const { name, labels, value } of samples) {
    let g = gauges.get(name);
    if (!g) {
      const f: Family = PROM_FAMILIES[name];
      g = new Gauge({ name, help: f.help, labelNames: [...f.labels], registers: [registry] });
      gauges.set(name, g);
    }
    g.set(labels as Record<string, string>, value);
  }
  return registry.metrics();
}

/** A result as Prometheus text: parsed against the report union (a result
 * that does not match gets the run's own metrics only). */
export async function promText(result: unknown, verdict: Verdict, run: PromRun): Promise<string> {
  const parsed = ReportResult.safeParse(result);
  if (parsed.success) return renderProm(promSamples(parsed.data, verdict, run));
  const command = typeof result === 'object' && result !== null && typeof (result as { command?: unknown }).command === 'string' ? (result as { command: string }).command : 'unknown';
  const s = new Samples();
  s.add('clocklab_build_info', { version: run.version }, 1);
  s.add('clocklab_last_run_timestamp_seconds', { command }, run.endedAtMs / 1000);
  s.add('clocklab_run_duration_seconds', { command }, microseconds(run.durationSeconds));
  s.add('clocklab_verdict_ok', { command }, verdict.passed);
  return renderProm(s.list);
}

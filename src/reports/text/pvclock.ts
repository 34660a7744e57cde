// pvclock.ts: `clocklab pvclock` for a person at a terminal, and the
// sentences for the pvclock finding codes.
import type { PvclockRecordFieldsT, PvclockResultT } from '../../results/pvclock.js';
import { definePhrases } from '../findings.js';
import { bad, disturbanceLine, ok, pc, renderFindings, table, tag } from './style.js';

definePhrases({
  PVCLOCK_RECORDS_DISAGREE: (a) => ({
    text: `The vCPUs' pvclock records disagree (fields: ${String(a['fields'])}); one TSC value gives up to ${String(a['maxNsDifference'])} ns difference.`,
    advice: 'A reader that uses only vCPU 0 (the vDSO) is then not exact on the other vCPUs; expect the stable bit to be clear.',
  }),
  PVCLOCK_STABLE_BIT_CLEAR: () => ({
    text: "vCPU 0's record lacks PVCLOCK_TSC_STABLE_BIT: the vDSO will not read the page and falls back to the clock_gettime syscall.",
    advice: 'The host is not in KVM master-clock mode (host clocksource not tsc, or vCPU TSCs unmatched).',
  }),
  PVCLOCK_GUEST_STOPPED: () => ({ text: 'A record carries PVCLOCK_GUEST_STOPPED: the host paused this guest and the guest has not cleared it yet.', advice: null }),
  PVCLOCK_PAGE_NOT_IN_USE: (a) => ({
    text: `The vDSO does not read this page now (clocksource ${String(a['clocksource'])}, stable bit ${a['stableBit'] ? 'set' : 'clear'}); it is still mapped because kvm-clock was used since boot.`,
    advice: null,
  }),
  PVCLOCK_LAYOUT_UNVERIFIED: (a) => ({
    text: `The page was found by a layout taken from kernel history: ${String(a['detail'])}.`,
    advice: 'vCPU 0 held a plausible record there; check the figures against dmesg "tsc: Detected".',
  }),
  PVCLOCK_TORN_READ: (a) => ({
    text: `${String(a['tornReads'])} torn read(s) in ${String(a['seconds'])} s: a record changed while its version stayed the same.`,
    advice: 'A seqlock reader cannot detect this; report the host kernel and hypervisor (kernel-facts §4: the pre-2015 KVM update bug).',
  }),
  PVCLOCK_ODD_READS: (a) => ({ text: `${String(a['oddReads'])} read(s) saw an odd version: the host was updating the record, and the seqlock made the reader retry.`, advice: null }),
});

const hz = (h: number): string => `${(h / 1e6).toFixed(6)} MHz`;

function describeChange(a: PvclockRecordFieldsT, b: PvclockRecordFieldsT): string {
  const keys = ['tscTimestamp', 'systemTimeNs', 'mul', 'shift', 'flags'] as const;
  return keys
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${a[k]} -> ${b[k]}`)
    .join(', ');
}

export function renderPvclockText(r: PvclockResultT): string {
  const out: string[] = [];
  const kv = (k: string, v: string): void => {
    out.push(`${k.padEnd(20)} ${v}`);
  };
  kv('pvclock page', `${r.page.address}, ${r.page.detail}`);
  kv(
    'vDSO uses the page',
    r.vdso.pageInUse
      ? ok('yes') + ' (clocksource kvm-clock, stable bit set)'
      : `no (clocksource ${r.vdso.currentClocksource ?? 'unknown'}, stable bit ${r.vdso.stableBit ? 'set' : 'clear'})`,
  );
  const a = r.agreement;
  kv(
    'records agree',
    (a.sameParameters ? ok('yes') + ': same tsc_timestamp, system_time, mul, shift, flags' : bad('no') + `: ${a.differingFields.join(', ')} differ`) +
      `; one TSC (${a.commonTsc}) gives at most ${a.maxNsDifference} ns between vCPUs`,
  );
  out.push('');
  out.push(
    table(
      ['vCPU', 'version', 'tsc_timestamp', 'system_time ns', 'mul', 'shift', 'flags', 'TSC frequency'],
      r.records.map((x) => [x.vcpu, x.version, x.tscTimestamp, x.systemTimeNs, x.mul, x.shift, x.flagNames.join(' ') || '-', hz(x.tscHz)]),
      ['right', 'right', 'right', 'right', 'right', 'right', 'left', 'right'],
    ),
  );
  if (r.clocks.length > 0) {
    out.push('');
    out.push(
      table(
        ['method', 'against', 'offset (pvclock - clock)', 'rate difference', 'window', 'bracket'],
        r.clocks.map((c) => [
          c.method,
          c.clock.toUpperCase().replace('MONOTONIC', 'CLOCK_MONOTONIC'),
          `${(c.offsetNs / 1e6).toFixed(6)} ms`,
          `${c.rateDiffPpm >= 0 ? '+' : ''}${c.rateDiffPpm.toFixed(3)} ppm`,
          `${(c.windowNs / 1e6).toFixed(0)} ms`,
          `${c.bracketNs} ns`,
        ]),
        ['left', 'left', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  const w = r.watch;
  if (w) {
    out.push('');
    out.push(`watched every record for ${w.seconds} s:`);
    out.push(
      table(
        ['vCPU', 'polls', 'version changes', 'odd reads', 'torn reads', 'versions'],
        w.counts.map((c) => [c.vcpu, c.polls, c.versionChanges, c.oddReads, c.tornReads, c.firstVersion === c.lastVersion ? `${c.firstVersion}` : `${c.firstVersion} -> ${c.lastVersion}`]),
        ['right', 'right', 'right', 'right', 'right', 'left'],
      ),
    );
    const totalTorn = w.counts.reduce((s, c) => s + c.tornReads, 0);
    if (totalTorn === 0) out.push(`${tag('ok')} no torn reads`);
    for (const t of w.torn) {
      out.push(`${tag('fail')} vCPU ${t.vcpu} at ${t.atSeconds.toFixed(6)} s (version ${t.version}): ${describeChange(t.before, t.after)}`);
    }
    if (totalTorn > w.torn.length) out.push(pc.dim(`       (${totalTorn - w.torn.length} more not listed)`));
  }
  out.push('', disturbanceLine(r.disturbance));
  if (r.findings.length > 0) out.push('', renderFindings(r.findings));
  return out.join('\n') + '\n';
}

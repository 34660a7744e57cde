// pvclock.ts: `clocklab pvclock` for a person at a terminal.
import type { PvclockRecordFieldsT, PvclockResultT } from '../../results/pvclock.js';
import { bad, disturbanceLine, ok, pc, renderFindings, table, tag } from './style.js';

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

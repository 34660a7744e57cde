// warp.ts: `clocklab warp` for a person at a terminal: one line per method
// that can be pasted into a bug report, a table, the offsets, the findings.
import type { WarpMethodResultT, WarpResultT } from '../../results/warp.js';
import { disturbanceLine, pc, renderFindings, table, tag } from './style.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ns = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n < 1000 ? n.toFixed(1) : int(n)) : '?');

type Measured = Extract<WarpMethodResultT, { status: 'measured' }>;

function amount(r: Measured): string {
  if (!r.largest) return '-';
  return r.unit === 'cycles' ? `${r.largest.amount} cycles (${ns(r.largest.amountNs)} ns)` : `${ns(r.largest.amountNs)} ns`;
}

/** The line a person pastes: `[FAIL] rdtscp  cpu 1 -> cpu 0: 1843 cycles backwards (before ..., after ...)`. */
export function warpLine(r: WarpMethodResultT, width: number): string {
  const name = r.method.padEnd(width);
  if (r.status !== 'measured') return `${tag('skip')} ${name}  ${r.reason}`;
  const kind = r.contract === 'self-test' ? 'info' : r.verdict === 'held' ? 'ok' : r.verdict === 'failed' ? 'fail' : 'warn';
  const perSec = `${int(r.readsPerSecond)} reads/s`;
  if (!r.largest) return `${tag(kind)} ${name}  no warp in ${int(r.reads)} reads on ${r.readsPerCpu.length} CPU${r.readsPerCpu.length === 1 ? '' : 's'} over ${r.durationSeconds.toFixed(1)} s (${perSec})`;
  const l = r.largest;
  const back = r.unit === 'cycles' ? `${l.amount} cycles (${ns(l.amountNs)} ns)` : `${ns(l.amountNs)} ns`;
  return (
    `${tag(kind)} ${name}  cpu ${l.fromCpu} -> cpu ${l.toCpu}: ${back} backwards (before ${l.before}, after ${l.after}); ` +
    `${int(r.warps)} warps in ${int(r.reads)} reads`
  );
}

export function renderWarpText(r: WarpResultT): string {
  const out: string[] = [];
  const o = r.options;
  const scope = `${o.cpus.length} CPU${o.cpus.length === 1 ? '' : 's'} (${o.cpus.join(',')}), ${o.durationSeconds} s per method`;
  out.push(pc.bold(o.selfTest ? `clocklab warp --self-test: ${scope}` : `clocklab warp: ${scope}`));
  const width = Math.max(...r.methods.map((m) => m.method.length), 8);
  for (const m of r.methods) out.push(warpLine(m, width));
  const measured = r.methods.filter((m): m is Measured => m.status === 'measured');
  if (measured.length > 0) {
    out.push('');
    out.push(
      table(
        ['method', 'contract', 'reads', 'reads/s', 'reads per CPU', 'warps', 'largest warp', 'CPU pair', 'verdict'],
        measured.map((m) => [
          m.method,
          m.contract,
          int(m.reads),
          int(m.readsPerSecond),
          m.readsPerCpu.map((c) => `${c.cpu}: ${int(c.reads)}`).join(', '),
          int(m.warps),
          amount(m),
          m.largest ? `${m.largest.fromCpu} -> ${m.largest.toCpu}` : '-',
          m.verdict === 'held' ? pc.green('held') : m.verdict === 'failed' ? pc.red('FAILED') : pc.yellow('finding'),
        ]),
        ['left', 'left', 'right', 'right', 'left', 'right', 'right', 'left', 'left'],
      ),
    );
  }
  if (r.offsets) {
    out.push('');
    if (r.offsets.length === 0) {
      out.push('TSC offsets: none (one CPU has no pair)');
    } else {
      out.push('TSC offsets (ping-pong over one cache line; B minus A at the same instant):');
      out.push(
        table(
          ['CPU A', 'CPU B', 'offset (cycles)', 'error (± cycles)', 'round trips'],
          r.offsets.map((x) => [x.cpuA, x.cpuB, x.offsetCycles.toFixed(1), x.errorCycles.toFixed(1), int(x.samples)]),
          ['right', 'right', 'right', 'right', 'right'],
        ),
      );
    }
  }
  if (r.selfTest) {
    const s = r.selfTest;
    out.push('');
    out.push(`self-test: CPU ${s.skewCpu}'s skewed_rdtscp reads were lowered by ${s.skewCycles} cycles; the checker must find warps into CPU ${s.skewCpu} of about that size.`);
    out.push(`${tag(s.passed ? 'ok' : 'fail')} self-test  ${s.reason}`);
  }
  out.push('', disturbanceLine(r.disturbance));
  if (r.findings.length > 0) out.push('', renderFindings(r.findings));
  return out.join('\n') + '\n';
}

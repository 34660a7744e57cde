// run.ts: does `clocklab warp` find at least as many backward steps as
// Google's time_test, on the same CPUs for the same time, and what did the
// baton cost the ordered reads?
//
// Rounds alternate the two checkers (which goes first swaps every round, so
// background load hits both alike); every round is printed:
// - plain rdtsc: warps per second, the worst warp (cycles), reads and, for
//   clocklab, cross-CPU hand-offs per second and warps per hand-off;
// - the ordered reads (LFENCE;RDTSC, and RDTSCP for clocklab): reads per
//   second, and with --baseline the same from another clocklab build (e.g.
//   today's main), for the throughput target (at most 10% lost).
// Target: clocklab >= the peer in the median round, per second and in the
// worst warp. The peer is built from its own directory into a temporary one,
// never into the project.
//
//   npm run build && node --import tsx bench/warp-sensitivity/run.ts \
//     [-- --seconds 10 --rounds 5 --cpus 0,1 --peer ../shared/peers/time_test --baseline /tmp/main/dist/cli.js]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    cpus: { type: 'string', default: '0,1' },
    peer: { type: 'string', default: resolve(root, '../shared/peers/time_test') },
    baseline: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!(seconds > 0) || !(rounds >= 1)) throw new Error('--seconds and --rounds must be positive');
const cpus = values.cpus;
const cli = join(root, 'dist/cli.js');
if (!existsSync(cli)) throw new Error('run `npm run build` first');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const statLine = (): number[] => execFileSync('head', ['-1', '/proc/stat'], { encoding: 'utf8' }).trim().split(/\s+/).slice(1).map(Number);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface Peer {
  loopsPerSecond: number;
  warps: number;
  worst: number;
}
interface Ours {
  readsPerSecond: number;
  /** At most this many cross-CPU hand-offs per second: each needs a read by
   * the CPU that reads less, and two CPUs alternate (for a build that does
   * not count them, such as the lock-based one). */
  handoffBound: number;
  handoffsPerSecond: number;
  warps: number;
  worst: number;
  handoffs: number;
}

const dir = mkdtempSync(join(tmpdir(), 'clocklab-bench-sensitivity-'));
try {
  // ORIGIN in the peer's directory says how it builds.
  const exe = join(dir, 'time_test_stat');
  const src = ['time_test_stat.c', 'cpuset.c', 'threads.c', 'logging.c'].map((f) => join(values.peer, f));
  execFileSync('gcc', ['-O2', '-pthread', '-o', exe, ...src], { stdio: 'inherit' });

  const peer = (test: 'tsc' | 'tsc_lfence'): Peer => {
    const r = spawnSync(exe, ['-d', String(seconds), '-c', cpus, test], { encoding: 'utf8' });
    const m = /STAT test=\S+ loops=(\d+) warps=(\d+) worst=(-?\d+) elapsed_us=(\d+) loops_per_s=(\d+)/.exec(r.stdout);
    if (!m) throw new Error(`time_test printed no STAT line: ${r.stdout}${r.stderr}`);
    return { loopsPerSecond: Number(m[5]), warps: Number(m[2]), worst: Math.abs(Number(m[3])) };
  };
  const ours = (bin: string, methods: string): Ours[] => {
    const r = spawnSync(process.execPath, [bin, 'warp', '--json', '--methods', methods, '--duration', String(seconds), '--cpus', cpus], { encoding: 'utf8' });
    const json = JSON.parse(r.stdout) as {
      methods: Array<{
        status: string;
        durationSeconds?: number;
        readsPerSecond?: number;
        readsPerCpu?: Array<{ reads: number }>;
        handoffsPerSecond?: number;
        handoffs?: number;
        warps?: number;
        largest?: { amount: string } | null;
      }>;
    };
    return json.methods.map((m) => ({
      readsPerSecond: m.readsPerSecond ?? 0,
      handoffBound: (2 * Math.min(...(m.readsPerCpu ?? []).map((c) => c.reads))) / (m.durationSeconds ?? seconds),
      handoffsPerSecond: m.handoffsPerSecond ?? Number.NaN,
      handoffs: m.handoffs ?? Number.NaN,
      warps: m.warps ?? 0,
      worst: m.largest ? Number(m.largest.amount) : 0,
    }));
  };

  console.log(`warp sensitivity: ${rounds} rounds, ${seconds} s per checker and method, CPUs ${cpus}; peer ${exe}${values.baseline ? `; baseline ${values.baseline}` : ''}`);
  const rows: Array<{ peerTsc: Peer; oursTsc: Ours; peerLfence: Peer; oursLfence: Ours; oursRdtscp: Ours; base: Ours[] | null }> = [];
  for (let round = 1; round <= rounds; round++) {
    const s0 = statLine();
    const load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
    // Who goes first swaps every round.
    const peerFirst = round % 2 === 1;
    let peerTsc: Peer, oursTsc: Ours[], peerLfence: Peer, oursOrdered: Ours[];
    if (peerFirst) {
      peerTsc = peer('tsc');
      oursTsc = ours(cli, 'rdtsc');
      peerLfence = peer('tsc_lfence');
      oursOrdered = ours(cli, 'lfence_rdtsc,rdtscp');
    } else {
      oursTsc = ours(cli, 'rdtsc');
      peerTsc = peer('tsc');
      oursOrdered = ours(cli, 'lfence_rdtsc,rdtscp');
      peerLfence = peer('tsc_lfence');
    }
    const base = values.baseline ? ours(values.baseline, 'lfence_rdtsc,rdtscp') : null;
    const s1 = statLine();
    const stealMs = ((s1[7] ?? 0) - (s0[7] ?? 0)) * 10;
    const row = { peerTsc, oursTsc: oursTsc[0] as Ours, peerLfence, oursLfence: oursOrdered[0] as Ours, oursRdtscp: oursOrdered[1] as Ours, base };
    rows.push(row);
    const o = row.oursTsc;
    console.log(
      `round ${round} (${peerFirst ? 'peer first' : 'clocklab first'}; load ${load}; steal ${stealMs} ms)\n` +
        `  rdtsc        peer     ${fmt(peerTsc.warps / seconds)} warps/s, worst ${fmt(peerTsc.worst)} cycles, ${fmt(peerTsc.loopsPerSecond)} reads/s\n` +
        `  rdtsc        clocklab ${fmt(o.warps / seconds)} warps/s, worst ${fmt(o.worst)} cycles, ${fmt(o.readsPerSecond)} reads/s, ${fmt(o.handoffsPerSecond)} hand-offs/s, ${(o.warps / Math.max(1, o.handoffs)).toExponential(2)} warps per hand-off\n` +
        `  lfence_rdtsc peer     ${fmt(peerLfence.loopsPerSecond)} reads/s; clocklab ${fmt(row.oursLfence.readsPerSecond)} reads/s (${fmt(row.oursLfence.handoffsPerSecond)} hand-offs/s)` +
        `${base ? `; baseline ${fmt(base[0]?.readsPerSecond ?? 0)} reads/s (at most ${fmt(base[0]?.handoffBound ?? 0)} hand-offs/s)` : ''}\n` +
        `  rdtscp       clocklab ${fmt(row.oursRdtscp.readsPerSecond)} reads/s (${fmt(row.oursRdtscp.handoffsPerSecond)} hand-offs/s)${base ? `; baseline ${fmt(base[1]?.readsPerSecond ?? 0)} reads/s (at most ${fmt(base[1]?.handoffBound ?? 0)} hand-offs/s)` : ''}`,
    );
  }
  const med = (f: (r: (typeof rows)[number]) => number): number => median(rows.map(f));
  console.log(
    `median: rdtsc warps/s peer ${fmt(med((r) => r.peerTsc.warps / seconds))}, clocklab ${fmt(med((r) => r.oursTsc.warps / seconds))}; ` +
      `worst peer ${fmt(med((r) => r.peerTsc.worst))}, clocklab ${fmt(med((r) => r.oursTsc.worst))} cycles; ` +
      `lfence_rdtsc reads/s peer ${fmt(med((r) => r.peerLfence.loopsPerSecond))}, clocklab ${fmt(med((r) => r.oursLfence.readsPerSecond))}` +
      (values.baseline
        ? `, baseline ${fmt(med((r) => r.base?.[0]?.readsPerSecond ?? 0))}; rdtscp reads/s clocklab ${fmt(med((r) => r.oursRdtscp.readsPerSecond))}, baseline ${fmt(med((r) => r.base?.[1]?.readsPerSecond ?? 0))}; ` +
          `hand-offs/s lfence_rdtsc clocklab ${fmt(med((r) => r.oursLfence.handoffsPerSecond))}, baseline at most ${fmt(med((r) => r.base?.[0]?.handoffBound ?? 0))}`
        : ''),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

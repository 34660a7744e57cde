// check-light.ts: what does one `clocklab check --light --prom FILE` cost a
// machine that runs it every few minutes? Wall time and CPU seconds of the
// whole process, node's own start-up, its worker threads and any child it
// forks included, as a systemd timer would pay them.
//
//   npm run bench:check-light [-- RUNS]
//
// Each run is a fresh `node <bin>`, the file package.json's `bin` names (the
// CLI bundle; run `npm run build` first). CPU is read from /proc/self/stat's
// cutime + cstime (the CPU of reaped children, threads included: proc(5))
// before and after each run, so it is counted by the kernel, not by the
// process itself; the tick is USER_HZ (getconf CLK_TCK), so one run's figure
// is +-1 tick and the mean (all runs' CPU over the count) is printed beside
// the median. For comparison, the same count of `node -e 0` (node's own
// start-up) and `clocklab --version` (start-up plus loading the CLI) runs.
// Steal during the runs is printed: figures from a run with much steal are
// not worth quoting. Target: under 0.3 CPU-seconds a run (the median).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSteal } from '../src/probes/procstat.js';

const runs = Number(process.argv[2] ?? 20);
const TARGET_CPU_SECONDS = 0.3;
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { clocklab: string } }).bin.clocklab;
const cli = join(root, bin);
const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Children's CPU so far, in seconds (fields 16 and 17 of /proc/self/stat). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: cutime is field 16, cstime 17.
  return (Number(fields[13]) + Number(fields[14])) / hz;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

interface Runs {
  wall: number[];
  cpu: number[];
}

/** `runs` fresh processes of `node ...args`; each one's wall and CPU seconds. */
function measure(args: string[], okStatus: readonly number[], quiet: boolean): Runs {
  const out: Runs = { wall: [], cpu: [] };
  for (let i = 0; i < runs; i++) {
    const c0 = childrenCpuSeconds();
    const w0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const w = Number(process.hrtime.bigint() - w0) / 1e9;
    const c = childrenCpuSeconds() - c0;
    if (!okStatus.includes(r.status ?? -1)) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    out.wall.push(w);
    out.cpu.push(c);
    if (!quiet) console.log(`run ${String(i + 1).padStart(2)}  ${w.toFixed(3)} s wall  ${c.toFixed(2)} CPU-s  (exit ${r.status})`);
  }
  return out;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const line = (r: Runs): string =>
  `median ${median(r.wall).toFixed(3)} s wall, ${median(r.cpu).toFixed(2)} CPU-s (min ${Math.min(...r.cpu).toFixed(2)}, max ${Math.max(...r.cpu).toFixed(2)}, mean ${(sum(r.cpu) / r.cpu.length).toFixed(3)})`;

const dir = mkdtempSync(join(tmpdir(), 'clocklab-light-'));
const prom = join(dir, 'clocklab.prom');
const steal0 = readSteal().get('all') ?? 0;
const t0 = process.hrtime.bigint();
let light: Runs;
let bare: Runs;
let version: Runs;
try {
  light = measure([cli, 'check', '--light', '--prom', prom], [0, 1], false);
  bare = measure(['-e', '0'], [0], true);
  version = measure([cli, '--version'], [0], true);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const wallAll = Number(process.hrtime.bigint() - t0) / 1e9;
const stealPct = (100 * ((readSteal().get('all') ?? 0) - steal0)) / 1e9 / wallAll;
const med = median(light.cpu);
console.log(`node -e 0, ${runs} runs: ${line(bare)}`);
console.log(`clocklab --version (${bin}), ${runs} runs: ${line(version)}`);
console.log(
  `check --light --prom, ${runs} runs (node ${process.version}, ${hz} ticks/s): ${line(light)}; ` +
    `target under ${TARGET_CPU_SECONDS} CPU-s: ${med < TARGET_CPU_SECONDS ? 'met' : 'not met'}; steal ${stealPct.toFixed(2)}% of one CPU during the runs`,
);

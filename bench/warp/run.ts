// run.ts: how fast does `clocklab warp` run its reads, against a plain
// C checker of the same design run in the same run (bench/warp/warp.c), and
// beside the single-thread cost of the same read?
//
// Both checkers run LFENCE;RDTSC passing a baton between two CPUs, interleaved
// round by round so background load hits both alike; the figure is the
// median over rounds. The baton serialises the reads, so the wall time over
// all reads is the time of one read (hand-over included).
// Target: clocklab within 10% of the C checker.
//
//   npm run bench:warp [-- --seconds 0.3 --rounds 20 --cpus 0,1]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as WarpModule from '../../src/runners/warp.js';
import type * as MethodsModule from '../../src/methods.js';
import type * as NativeMethodModule from '../../src/probes/native-method.js';
import type * as BindingModule from '../../src/native/binding.js';

// The runner starts compiled workers, so it is loaded from dist/ (the npm
// script builds first); the types come from src/.
const dist = (p: string): string => new URL(`../../dist/${p}`, import.meta.url).href;
const { runWarp } = (await import(dist('runners/warp.js'))) as typeof WarpModule;
const { findMethod } = (await import(dist('methods.js'))) as typeof MethodsModule;
const { nativeIndex } = (await import(dist('probes/native-method.js'))) as typeof NativeMethodModule;
const { loadBinding } = (await import(dist('native/binding.js'))) as typeof BindingModule;

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '0.3' }, rounds: { type: 'string', default: '20' }, cpus: { type: 'string', default: '0,1' } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const cpus = values.cpus.split(',').map(Number);
if (cpus.length !== 2 || cpus.some((c) => !Number.isInteger(c))) throw new Error('--cpus takes two CPUs, e.g. 0,1');
const [cpuA, cpuB] = cpus as [number, number];

const binding = loadBinding();
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const steal = (): number => {
  const line = execFileSync('head', ['-1', '/proc/stat'], { encoding: 'utf8' }).trim().split(/\s+/);
  return Number(line[8] ?? 0) * 10; // USER_HZ 100: ticks -> ms
};

const dir = mkdtempSync(join(tmpdir(), 'clocklab-bench-warp-'));
try {
  const exe = join(dir, 'warp');
  const src = fileURLToPath(new URL('./warp.c', import.meta.url));
  // -O3 as node-gyp's Release build of the addon (common.gypi).
  execFileSync('cc', ['-O3', '-pthread', '-o', exe, src], { stdio: 'inherit' });

  const method = findMethod('lfence_rdtsc');
  if (!method) throw new Error('no lfence_rdtsc');
  const cNs: number[] = [];
  const jsNs: number[] = [];
  const cRate: number[] = [];
  const jsRate: number[] = [];
  const steal0 = steal();
  const runC = (): number => {
    const c = JSON.parse(execFileSync(exe, [String(cpuA), String(cpuB), String(seconds)], { encoding: 'utf8' })) as { reads: number[] };
    return (c.reads[0] ?? 0) + (c.reads[1] ?? 0);
  };
  const runJs = async (): Promise<number> => {
    const r = await runWarp({ methods: [method], cpus: [cpuA, cpuB], durationSeconds: seconds, offsets: false, selfTest: null, binding });
    const m = r.methods[0];
    if (m?.status !== 'measured') throw new Error('clocklab warp did not measure');
    return m.reads;
  };
  for (let i = 0; i < rounds; i++) {
    // A B B A ...: a drift in background load hits both alike.
    let cReads: number;
    let jsReads: number;
    if (i % 2 === 0) {
      cReads = runC();
      jsReads = await runJs();
    } else {
      jsReads = await runJs();
      cReads = runC();
    }
    cRate.push(cReads / seconds);
    jsRate.push(jsReads / seconds);
    cNs.push((seconds * 1e9) / cReads);
    jsNs.push((seconds * 1e9) / jsReads);
    process.stdout.write(
      `round ${i + 1}: C ${(cReads / seconds / 1e6).toFixed(2)} M reads/s (${((seconds * 1e9) / cReads).toFixed(1)} ns/read), ` +
        `clocklab ${(jsReads / seconds / 1e6).toFixed(2)} M reads/s (${((seconds * 1e9) / jsReads).toFixed(1)} ns/read)\n`,
    );
  }
  const stealMs = steal() - steal0;

  // The single-thread cost of the same read, from the addon's native loop.
  // Pinned to CPU A for the loop, then back, so the next warp run may
  // still use both CPUs.
  const single = (id: string): number => {
    const affinity = binding.getAffinity();
    binding.pinToCpu(cpuA);
    try {
      const idx = nativeIndex(binding, id);
      const n = 2_000_000;
      return median([0, 1, 2].map(() => binding.timedLoop(idx, n).elapsedNs / n));
    } finally {
      binding.setAffinity(affinity);
    }
  };
  const ratio = median(jsNs) / median(cNs);
  const paired = median(jsNs.map((x, i) => x / (cNs[i] ?? x)));
  const best = Math.min(...jsNs) / Math.min(...cNs);
  process.stdout.write(
    `\nwarp check, LFENCE;RDTSC passing a baton on CPUs ${cpuA},${cpuB}, ${seconds} s x ${rounds} rounds (median):\n` +
      `  plain C (bench/warp/warp.c)  ${(median(cRate) / 1e6).toFixed(2)} M reads/s  ${median(cNs).toFixed(1)} ns per read\n` +
      `  clocklab warp                ${(median(jsRate) / 1e6).toFixed(2)} M reads/s  ${median(jsNs).toFixed(1)} ns per read\n` +
      `  ratio clocklab / C           ${ratio.toFixed(3)}  (target within 10%: ${Math.abs(ratio - 1) <= 0.1 ? 'met' : 'NOT met'})\n` +
      `  same-round ratio, median     ${paired.toFixed(3)};  fastest round each: ${Math.min(...cNs).toFixed(1)} vs ${Math.min(...jsNs).toFixed(1)} ns, ratio ${best.toFixed(3)}\n` +
      `  (the rounds scatter widely when other work shares the CPUs: a preempted thread holds the baton from the other,\n` +
      `   which waits for it; compare ratios only on a quiet machine)\n` +
      `  single-thread lfence_rdtsc   ${single('lfence_rdtsc').toFixed(1)} ns/loop (binding.timedLoop, no lock)\n` +
      `  steal during the rounds      ${stealMs} ms\n`,
  );

  // Every warp-checked default method at 2 CPUs, beside its single-thread cost.
  process.stdout.write(`\nper method, 2 CPUs, ${seconds} s each:\n`);
  for (const id of ['rdtsc', 'rdtscp', 'lfence_rdtsc', 'mfence_rdtsc', 'monotonic', 'monotonic_raw', 'boottime', 'realtime']) {
    const m = findMethod(id);
    if (!m) continue;
    const r = await runWarp({ methods: [m], cpus: [cpuA, cpuB], durationSeconds: seconds, offsets: false, selfTest: null, binding, skipUnavailable: true });
    const x = r.methods[0];
    if (x?.status === 'unsupported') process.stdout.write(`  ${id.padEnd(14)} skipped: ${x.reason}\n`);
    if (x?.status !== 'measured') continue;
    process.stdout.write(
      `  ${id.padEnd(14)} ${(x.reads / seconds / 1e6).toFixed(2).padStart(6)} M reads/s  ${((seconds * 1e9) / x.reads).toFixed(1).padStart(6)} ns per read   ` +
        `single-thread ${single(id).toFixed(1).padStart(5)} ns/loop\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// run.ts: do clocklab's native loops measure what a plain C program measures?
//
// Compiles bench/fidelity/timing.c with the addon's optimisation level, then
// for each method runs the C program and clocklab's native loop alternately
// on the same pinned CPU, and prints both ns/loop and their ratio.
// Target: every ratio within 1.00 +/- 0.03.
//
// On a shared 2-CPU guest other processes (and the sibling vCPU) only ever
// add time, and a run that is preempted gains a whole time slice, so runs are
// short (200000 loops: a few ms, about one scheduler tick at HZ=250) and many
// (61 each, alternated), and the figure compared is each side's fastest run;
// the median of the ratios of adjacent pairs is printed beside it.
//
//   npm run bench:fidelity -- [--loops N] [--reps R] [--cpu C]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findMethod } from '../../src/methods.js';
import { methodAvailability } from '../../src/probes/availability.js';
import { nativeIndex } from '../../src/probes/native-method.js';
import { loadBinding } from '../../src/native/binding.js';
import { packageRoot } from '../../src/paths.js';
import { median } from '../../src/stats/interval.js';

const METHODS = ['rdtsc', 'rdtscp', 'lfence_rdtsc', 'mfence_rdtsc', 'monotonic', 'realtime', 'gettimeofday'];
const TOLERANCE = 0.03;

const { values } = parseArgs({
  options: {
    loops: { type: 'string', default: '200000' },
    reps: { type: 'string', default: '61' },
    cpu: { type: 'string' },
    methods: { type: 'string', default: METHODS.join(',') },
  },
});
const loops = Number(values.loops);
const reps = Number(values.reps);
const binding = loadBinding();
const cpu = values.cpu !== undefined ? Number(values.cpu) : binding.getcpu().cpu;

/** The -O level node-gyp compiled the addon with (build/clocklab.target.mk). */
function addonOptLevel(): string {
  const mk = join(packageRoot(), 'build', 'clocklab.target.mk');
  if (!existsSync(mk)) return '-O3';
  const release = /CFLAGS_Release :=([\s\S]*?)\n\n/.exec(readFileSync(mk, 'utf8'))?.[1] ?? '';
  return /(-O[0-3s])/.exec(release)?.[1] ?? '-O3';
}

const dir = mkdtempSync(join(tmpdir(), 'clocklab-fidelity-'));
const exe = join(dir, 'timing');
const opt = addonOptLevel();
const cc = spawnSync('cc', [opt, '-Wall', '-o', exe, join(packageRoot(), 'bench', 'fidelity', 'timing.c')], { encoding: 'utf8' });
if (cc.status !== 0) {
  process.stderr.write(`fidelity: cc failed:\n${cc.stderr}`);
  process.exit(1);
}

const LINE = /^(\d+) loops in (\d+\.\d{5})s = (\d+\.\d{2}) nsec \/ loop$/;

function cRun(method: string): number {
  const r = spawnSync(exe, [method, String(loops), String(cpu)], { encoding: 'utf8' });
  const m = LINE.exec(r.stdout.trim());
  if (r.status !== 0 || !m) throw new Error(`timing ${method}: exit ${r.status}: ${r.stdout}${r.stderr}`);
  return (Number(m[2]) * 1e9) / loops;
}

function clocklabRun(index: number): number {
  return binding.timedLoop(index, loops).elapsedNs / loops;
}

const previous = binding.getAffinity();
binding.pinToCpu(cpu);
console.log(`fidelity: ${loops} loops, ${reps} alternated runs each, CPU ${cpu}, timing.c built with cc ${opt}; ns/loop is each side's fastest run`);
const rows: Array<[string, number, number, number, number]> = [];
try {
  // Neither side runs what this CPU lacks (rdtscp where CPUID hides it): the
  // C program would execute it unchecked.
  const runnable = values.methods.split(',').filter((m) => {
    const spec = findMethod(m);
    const a = spec ? methodAvailability(binding, spec) : { available: false as const, reason: `unknown method '${m}'` };
    if (!a.available) console.log(`[SKIP] ${m}: ${a.reason}`);
    return a.available;
  });
  const methods = runnable.map((m) => ({ method: m, index: nativeIndex(binding, m), c: [] as number[], k: [] as number[] }));
  for (const m of methods) binding.timedLoop(m.index, Math.ceil(loops / 10)); // warm-up, as timing.c does its own
  // Round after round over every method, so a slow phase of the host (a busy
  // sibling vCPU lasts seconds) is spread over all methods, and within a
  // round C and clocklab alternate which goes first.
  for (let i = 0; i < reps; i++) {
    for (const m of methods) {
      if (i % 2 === 0) {
        m.c.push(cRun(m.method));
        m.k.push(clocklabRun(m.index));
      } else {
        m.k.push(clocklabRun(m.index));
        m.c.push(cRun(m.method));
      }
    }
  }
  for (const { method, c, k } of methods) {
    const pairs = c.map((x, i) => (k[i] ?? NaN) / x);
    rows.push([method, Math.min(...c), Math.min(...k), Math.min(...k) / Math.min(...c), median(pairs)]);
  }
} finally {
  binding.setAffinity(previous);
  rmSync(dir, { recursive: true, force: true });
}

const w = Math.max(...rows.map((r) => r[0].length));
console.log(`${'method'.padEnd(w)}  ${'C ns/loop'.padStart(10)}  ${'clocklab'.padStart(10)}  ratio  (median pair ratio)`);
let misses = 0;
for (const [m, c, k, ratio, pairRatio] of rows) {
  const ok = Math.abs(ratio - 1) <= TOLERANCE;
  if (!ok) misses++;
  console.log(`${m.padEnd(w)}  ${c.toFixed(2).padStart(10)}  ${k.toFixed(2).padStart(10)}  ${ratio.toFixed(3)}  (${pairRatio.toFixed(3)})  ${ok ? '[OK]' : '[MISS]'}`);
}
console.log(misses === 0 ? `every ratio within 1.00 +/- ${TOLERANCE}` : `${misses} ratio(s) outside 1.00 +/- ${TOLERANCE}`);
process.exitCode = misses === 0 ? 0 : 1;

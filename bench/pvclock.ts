// pvclock.ts: what does a read cost with each of the two pvclock
// algorithms of the 2014 discussion (the vDSO's reader and the rdtscp-based
// proposal), next to clock_gettime(CLOCK_MONOTONIC) through the vDSO, timed
// by the same native loop (binding.timedLoop) in one run?
//
//   npm run bench:pvclock [-- LOOPS ROUNDS]
//
// Rounds interleave the methods so a noisy neighbour on the shared CPUs hits
// all of them alike; the summary is the median and min per method, and the
// ratio to monotonic's median. Steal time during the run is printed: figures
// from a run with much steal are not worth quoting. A method this machine
// cannot run (pvclock_rdtscp where RDTSCP is hidden or its TSC_AUX is not the
// CPU, both without a readable page) is listed as skipped, with why.
import { METHODS } from '../src/methods.js';
import { methodAvailability } from '../src/probes/availability.js';
import { nativeIndex } from '../src/probes/native-method.js';
import { loadBinding } from '../src/native/binding.js';
import { readClocksources } from '../src/probes/clocksource.js';
import { readSteal } from '../src/probes/procstat.js';

const loops = Number(process.argv[2] ?? 10_000_000);
const rounds = Number(process.argv[3] ?? 5);
const binding = loadBinding();
const ids: string[] = [];
for (const id of ['pvclock_vdso', 'pvclock_rdtscp', 'monotonic']) {
  const spec = METHODS.find((m) => m.id === id);
  const a = spec ? methodAvailability(binding, spec) : null;
  if (a?.available) ids.push(id);
  else console.log(`[SKIP] ${id.padEnd(15)} ${a && !a.available ? a.reason : 'not a method'}`);
}
if (!ids.includes('pvclock_vdso') && !ids.includes('pvclock_rdtscp')) {
  console.log('neither pvclock method runs here: nothing to compare');
  process.exit(3);
}
binding.pinToCpu(0);
const index: Record<string, number> = Object.fromEntries(ids.map((id) => [id, nativeIndex(binding, id)]));
const samples: Record<string, number[]> = Object.fromEntries(ids.map((id) => [id, []]));

console.log(`clocksource ${readClocksources().current}, pinned to CPU 0, ${loops} loops x ${rounds} rounds`);
const steal0 = readSteal().get('all') ?? 0;
const t0 = process.hrtime.bigint();
for (const id of ids) binding.timedLoop(index[id] ?? 0, Math.min(loops, 1_000_000)); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const id of ids) {
    const t = binding.timedLoop(index[id] ?? 0, loops);
    const ns = t.elapsedNs / loops;
    samples[id]?.push(ns);
    console.log(`[OK]   ${id.padEnd(15)} ${loops} loops in ${(t.elapsedNs / 1e9).toFixed(5)}s = ${ns.toFixed(2)} nsec / loop`);
  }
}
const wallNs = Number(process.hrtime.bigint() - t0);
const stealNs = (readSteal().get('all') ?? 0) - steal0;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const mono = median(samples['monotonic'] ?? []);
console.log('');
console.log(`${'method'.padEnd(15)} ${'median ns'.padStart(10)} ${'min ns'.padStart(8)} ${'vs monotonic'.padStart(13)}`);
for (const id of ids) {
  const xs = samples[id] ?? [];
  const med = median(xs);
  console.log(`${id.padEnd(15)} ${med.toFixed(2).padStart(10)} ${Math.min(...xs).toFixed(2).padStart(8)} ${(med / mono).toFixed(2).padStart(12)}x`);
}
console.log(`steal during the run: ${(stealNs / 1e6).toFixed(1)} ms over ${(wallNs / 1e9).toFixed(1)} s (all CPUs)`);

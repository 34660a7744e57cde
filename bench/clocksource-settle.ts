// clocksource-settle.ts: after a write to current_clocksource, are the first
// reads through the vDSO slower than steady state, and for how long? Decides
// whether compare must wait after a switch (kernel/time/timekeeping.c:
// timekeeping_notify() switches under stop_machine() before write() returns,
// so the expectation is no wait beyond cold caches).
//
// Root only; switches back and forth through src/clocksource/switcher.ts and
// always ends on the clocksource it started on. Prints figures, asserts
// nothing: `sudo node --import tsx bench/clocksource-settle.ts [reps]`.
import { setTimeout as sleep } from 'node:timers/promises';
import { ClocksourceSwitcher } from '../src/clocksource/switcher.js';
import { defaultContext, readAvailable } from '../src/clocksource/sysfs.js';
import { nativeIndex } from '../src/probes/native-method.js';
import { loadBinding } from '../src/native/binding.js';

const reps = Number(process.argv[2] ?? 10);
const FIRST = 8; // single reads timed right after the switch
const binding = loadBinding();
const ctx = defaultContext();
const available = readAvailable(ctx);
const sw = ClocksourceSwitcher.open(available, ctx);
const methods = ['monotonic', 'realtime'];

function timeSingles(index: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(binding.timedLoop(index, 1).elapsedNs);
  return out;
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const fmt = (x: number): string => x.toFixed(0).padStart(6);

try {
  binding.pinToCpu(0);
  console.log(`original clocksource ${sw.original}; ${reps} switches to each; single reads timed with timedLoop(method, 1) (ns, incl. the two timing reads)`);
  for (const target of available) {
    for (const m of methods) {
      const idx = nativeIndex(binding, m);
      const firsts: number[][] = Array.from({ length: FIRST }, () => []);
      const first1000: number[] = [];
      const steady1000: number[] = [];
      const steady: number[] = [];
      const writes: number[] = [];
      for (let r = 0; r < reps; r++) {
        // Start from the other clocksource so every rep is a real switch.
        const other = available.find((a) => a !== target) ?? target;
        sw.switchTo(other);
        await sleep(20);
        const ev = sw.switchTo(target);
        if (ev) writes.push(ev.writeMs);
        const singles = timeSingles(idx, FIRST);
        singles.forEach((v, i) => firsts[i]?.push(v));
        first1000.push(binding.timedLoop(idx, 1000).elapsedNs / 1000);
        await sleep(100);
        steady.push(...timeSingles(idx, FIRST));
        steady1000.push(binding.timedLoop(idx, 1000).elapsedNs / 1000);
      }
      sw.switchTo(sw.original);
      console.log(
        `${target.padEnd(10)} ${m.padEnd(10)} write ${median(writes).toFixed(2)} ms median;` +
          ` read #1..#${FIRST} median ns: ${firsts.map((f) => fmt(median(f))).join('')}` +
          ` | steady single ${fmt(median(steady))}` +
          ` | first 1000 loop ${median(first1000).toFixed(1)} ns/read, steady 1000 loop ${median(steady1000).toFixed(1)} ns/read`,
      );
      console.log(`${''.padEnd(21)} read #1 max over reps ${fmt(Math.max(...(firsts[0] ?? [])))} ns, steady max ${fmt(Math.max(...steady))} ns`);
    }
  }
} finally {
  sw.close();
  console.log(`ended on ${sw.current()}`);
}

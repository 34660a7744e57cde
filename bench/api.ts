// api.ts: what does one call of each single-read primitive cost from JS,
// against process.hrtime.bigint(), performance.now() and the npm `rdtsc`
// package, all in one run on one pinned CPU?
//
// tinybench times each task; one task iteration is a batch of BATCH calls so
// the timer's own cost (tens of ns a read) is spread over the batch, and the
// figure is the median batch time / BATCH. Targets (issue 4): clocklab's
// rdtsc() no dearer than npm rdtsc(), its monotonic read no dearer than
// process.hrtime.bigint().
//
//   npm run bench:api -- [--time MS]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import * as clocklab from '../src/index.js';
import { loadBinding } from '../src/native/binding.js';

const { values } = parseArgs({ options: { time: { type: 'string', default: '400' }, cpu: { type: 'string' } } });
const BATCH = 1000;
const require = createRequire(import.meta.url);
const npmRdtsc = (require('rdtsc') as { rdtsc: () => bigint }).rdtsc;
const binding = loadBinding();

let sink: unknown;
const batch = (fn: () => unknown) => () => {
  let last: unknown;
  for (let i = 0; i < BATCH; i++) last = fn();
  sink = last;
};

const tasks: Array<[string, () => unknown]> = [
  ['process.hrtime.bigint()', () => process.hrtime.bigint()],
  ['performance.now()', () => performance.now()],
  ['npm rdtsc()', () => npmRdtsc()],
  ['clocklab rdtsc()', () => clocklab.rdtsc()],
  ['clocklab rdtscp()', () => clocklab.rdtscp()],
  ['clocklab lfenceRdtsc()', () => clocklab.lfenceRdtsc()],
  ['clocklab mfenceRdtsc()', () => clocklab.mfenceRdtsc()],
  ['clocklab rdpid()', () => clocklab.rdpid()],
  ['clocklab getcpu()', () => clocklab.getcpu()],
  ["clocklab clockGettime('monotonic')", () => clocklab.clockGettime('monotonic')],
  ['clocklab clockGettime(1)', () => clocklab.clockGettime(1)],
  ["clocklab clockGettime('realtime')", () => clocklab.clockGettime('realtime')],
  ['clocklab gettimeofday()', () => clocklab.gettimeofday()],
  ['binding.rdtsc() (no TS wrapper)', () => binding.rdtsc()],
  ['binding.clockGettime(1) (no TS wrapper)', () => binding.clockGettime(1)],
];

const cpu = values.cpu !== undefined ? Number(values.cpu) : binding.getcpu().cpu;
const previous = binding.getAffinity();
binding.pinToCpu(cpu);
const bench = new Bench({ time: Number(values.time), warmupTime: 100 });
for (const [name, fn] of tasks) bench.add(name, batch(fn));
try {
  await bench.run();
} finally {
  binding.setAffinity(previous);
}
void sink;

const perCall = new Map<string, number>();
for (const t of bench.tasks) {
  const r = t.result;
  if (r.state !== 'completed') throw new Error(`${t.name}: ${r.state}`);
  perCall.set(t.name, (r.latency.p50 ?? r.latency.mean) * 1e6 / BATCH);
}
const w = Math.max(...[...perCall.keys()].map((k) => k.length));
console.log(`one call from JS, median of batches of ${BATCH}, CPU ${cpu}, Node ${process.version}`);
for (const [name, ns] of perCall) console.log(`${name.padEnd(w)}  ${ns.toFixed(1).padStart(7)} ns`);
const get = (k: string): number => perCall.get(k) ?? NaN;
const check = (what: string, ours: number, theirs: number, them: string): void => {
  console.log(`${ours <= theirs ? '[OK]  ' : '[MISS]'} ${what}: ${ours.toFixed(1)} ns against ${them} ${theirs.toFixed(1)} ns`);
};
check('clocklab rdtsc()', get('clocklab rdtsc()'), get('npm rdtsc()'), 'npm rdtsc()');
check("clocklab clockGettime('monotonic')", get("clocklab clockGettime('monotonic')"), get('process.hrtime.bigint()'), 'process.hrtime.bigint()');

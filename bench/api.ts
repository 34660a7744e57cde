// api.ts: what does one call of each single-read primitive cost from JS,
// against process.hrtime.bigint(), performance.now() and the npm `rdtsc`
// package, all in one run on one pinned CPU?
//
// tinybench times each task; one task iteration is a batch of BATCH calls so
// the timer's own cost (tens of ns a read) is spread over the batch, and the
// figure is the median batch time / BATCH, best of several rounds. Targets (issue 4): clocklab's
// rdtsc() no dearer than npm rdtsc(), its monotonic read no dearer than
// process.hrtime.bigint().
//
//   npm run bench:api -- [--time MS] [--rounds N] [--cpu C]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import * as clocklab from '../src/index.js';
import { loadBinding } from '../src/native/binding.js';

const { values } = parseArgs({ options: { time: { type: 'string', default: '150' }, rounds: { type: 'string', default: '5' }, cpu: { type: 'string' } } });
const BATCH = 1000;
const require = createRequire(import.meta.url);
const npmRdtsc = (require('rdtsc') as { rdtsc: () => bigint }).rdtsc;
const binding = loadBinding();

// Each task spells out its own loop: a shared `for (...) fn()` helper would
// give V8 one call site for all tasks, megamorphic, and no task's call would
// be inlined (that alone added 20-25 ns to clockGettime here).
let sink: unknown;
const features = binding.features();
const all: Array<[string, () => void]> = [
  ['process.hrtime.bigint()', () => { for (let i = 0; i < BATCH; i++) sink = process.hrtime.bigint(); }],
  ['performance.now()', () => { for (let i = 0; i < BATCH; i++) sink = performance.now(); }],
  ['npm rdtsc()', () => { for (let i = 0; i < BATCH; i++) sink = npmRdtsc(); }],
  ['clocklab rdtsc()', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.rdtsc(); }],
  ['clocklab rdtscp()', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.rdtscp(); }],
  ['clocklab lfenceRdtsc()', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.lfenceRdtsc(); }],
  ['clocklab mfenceRdtsc()', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.mfenceRdtsc(); }],
  ['clocklab rdpid()', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.rdpid(); }],
  ['clocklab getcpu()', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.getcpu(); }],
  ["clocklab clockGettime('monotonic')", () => { for (let i = 0; i < BATCH; i++) sink = clocklab.clockGettime('monotonic'); }],
  ['clocklab clockGettime(1)', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.clockGettime(1); }],
  ["clocklab clockGettime('realtime')", () => { for (let i = 0; i < BATCH; i++) sink = clocklab.clockGettime('realtime'); }],
  ['clocklab gettimeofday()', () => { for (let i = 0; i < BATCH; i++) sink = clocklab.gettimeofday(); }],
  ['binding.rdtsc() (no TS wrapper)', () => { for (let i = 0; i < BATCH; i++) sink = binding.rdtsc(); }],
  ['binding.clockGettime(1) (no TS wrapper)', () => { for (let i = 0; i < BATCH; i++) sink = binding.clockGettime(1); }],
];
// The reads CPUID hides are not timed (they throw, by design, rather than
// execute): rdtscp() and rdpid() where this CPU does not offer them.
const hidden = new Map([
  ['clocklab rdtscp()', features.rdtscp ? null : 'RDTSCP: CPUID.80000001H:EDX[27] is clear'],
  ['clocklab rdpid()', features.rdpid ? null : 'RDPID: CPUID.(EAX=07H,ECX=0):ECX[22] is clear'],
]);
const tasks = all.filter(([name]) => {
  const why = hidden.get(name) ?? null;
  if (why !== null) console.log(`[SKIP] ${name}: ${why}`);
  return why === null;
});

const cpu = values.cpu !== undefined ? Number(values.cpu) : binding.getcpu().cpu;
const rounds = Number(values.rounds);
const previous = binding.getAffinity();
binding.pinToCpu(cpu);
// Several rounds over every task, keeping each task's best median: on this
// shared 2-CPU guest a busy sibling vCPU can double every figure for seconds,
// and tinybench runs tasks one after another, so one round would hand the
// slow phase to whichever tasks ran then.
const perCall = new Map<string, number>();
try {
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: Number(values.time), warmupTime: 50 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    for (const t of bench.tasks) {
      const r = t.result;
      if (r.state !== 'completed') throw new Error(`${t.name}: ${r.state}`);
      const ns = ((r.latency.p50 ?? r.latency.mean) * 1e6) / BATCH;
      perCall.set(t.name, Math.min(perCall.get(t.name) ?? Infinity, ns));
    }
  }
} finally {
  binding.setAffinity(previous);
}
void sink;

const w = Math.max(...[...perCall.keys()].map((k) => k.length));
console.log(`one call from JS: median of batches of ${BATCH}, best of ${rounds} rounds, CPU ${cpu}, Node ${process.version}`);
for (const [name, ns] of perCall) console.log(`${name.padEnd(w)}  ${ns.toFixed(1).padStart(7)} ns`);
const get = (k: string): number => perCall.get(k) ?? NaN;
const check = (what: string, ours: number, theirs: number, them: string): void => {
  console.log(`${ours <= theirs ? '[OK]  ' : '[MISS]'} ${what}: ${ours.toFixed(1)} ns against ${them} ${theirs.toFixed(1)} ns`);
};
check('clocklab rdtsc()', get('clocklab rdtsc()'), get('npm rdtsc()'), 'npm rdtsc()');
check("clocklab clockGettime('monotonic')", get("clocklab clockGettime('monotonic')"), get('process.hrtime.bigint()'), 'process.hrtime.bigint()');

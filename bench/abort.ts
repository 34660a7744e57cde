// abort.ts: how long does each long run take to stop once asked, and how long
// does a default `clocklab check` take? The tests check that an abort or a
// Ctrl-C stops a run, rejects with the reason and leaves no worker; the time
// it takes depends on the machine and its load, so it is printed here, not
// asserted there.
//
//   npm run bench:abort [-- --rounds N]
//
// Each figure is over N rounds: the time from controller.abort() (or SIGINT)
// to the rejection (or the exit), median and largest.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

type Api = typeof import('../src/index.js');
// Warp workers start from dist/ (packaging-notes §2.4): the built library.
const api = (await import(new URL('../dist/index.js', import.meta.url).href)) as Api;
// The executable package.json's `bin` names (the CLI bundle).
const CLI = new URL(`../${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { clocklab: string } }).bin.clocklab}`, import.meta.url).pathname;

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts `start(signal)`, aborts after `afterMs`, returns ms from the abort to the rejection. */
async function stopMs(afterMs: number, start: (signal: AbortSignal) => Promise<unknown>): Promise<number> {
  const controller = new AbortController();
  const run = start(controller.signal).then(
    () => {
      throw new Error('the run finished before the abort');
    },
    () => undefined,
  );
  await sleep(afterMs);
  const t0 = performance.now();
  controller.abort(new Error('enough'));
  await run;
  return performance.now() - t0;
}

/** ms from SIGINT to the CLI's exit, `afterMs` into the run. */
function sigintMs(args: string[], afterMs: number): Promise<number> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  return new Promise((resolve, reject) => {
    let t0 = 0;
    child.once('exit', (code) => (code === 130 ? resolve(performance.now() - t0) : reject(new Error(`exit ${String(code)}, not 130`))));
    setTimeout(() => {
      t0 = performance.now();
      child.kill('SIGINT');
    }, afterMs);
  });
}

const hasPage = api.info().pvclock?.state === 'readable';
const cases: Array<[string, () => Promise<number>]> = [
  ['warp() abort -> rejection (workers ended)', () => stopMs(500, (signal) => api.warp({ methods: ['monotonic'], durationSeconds: 600, signal }))],
  ['bench() abort -> rejection', () => stopMs(300, (signal) => api.bench({ methods: ['monotonic'], loops: 10_000, durationSeconds: 600, signal }))],
  ['compare({currentOnly}) abort -> rejection', () => stopMs(300, (signal) => api.compare({ currentOnly: true, methods: ['monotonic'], loops: 1_000_000, runs: 1000, signal }))],
  ...(hasPage ? [['pvclock() watch abort -> rejection', () => stopMs(700, (signal) => api.pvclock({ windowMs: 10, watchSeconds: 600, signal }))] as [string, () => Promise<number>]] : []),
  [
    // The README's example: started and aborted 200 ms later, worker start included.
    'warp() start -> abort at 200 ms -> rejection',
    async () => {
      const t0 = performance.now();
      await stopMs(200, (signal) => api.warp({ durationSeconds: 60, signal }));
      return performance.now() - t0;
    },
  ],
  ['clocklab warp: SIGINT -> exit 130', () => sigintMs(['warp', '--methods', 'monotonic', '--duration', '600'], 1500)],
  [
    'check() with the defaults, start to end',
    async () => {
      const t0 = performance.now();
      await api.check();
      return performance.now() - t0;
    },
  ],
];

console.log(`${rounds} rounds each, Node ${process.version}, ${api.info().machine.onlineCpus.length} CPUs, clocksource ${api.info().machine.clocksources.current}`);
if (!hasPage) console.log('[SKIP] pvclock watch: no readable pvclock page here');
const w = Math.max(...cases.map(([name]) => name.length));
for (const [name, measure] of cases) {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) ms.push(await measure());
  ms.sort((a, b) => a - b);
  const median = ms.length % 2 ? ms[ms.length >> 1]! : (ms[ms.length / 2 - 1]! + ms[ms.length / 2]!) / 2;
  console.log(`${name.padEnd(w)}  median ${median.toFixed(1).padStart(7)} ms  max ${ms[ms.length - 1]!.toFixed(1).padStart(7)} ms`);
}

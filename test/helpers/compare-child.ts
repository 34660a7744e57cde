// compare-child.ts: a compare run in a child process the tests can signal:
// the real switcher and compare runner, with the fake bench pausing between
// loops. Prints `MEASURING <clocksource> <pid>` on stderr as each clocksource's
// bench starts, then the result's summary as JSON on stdout.
// Usage: node --import tsx test/helpers/compare-child.ts [pauseMs] [clocksources] [crash]
// With `crash`, an error is thrown from a timer, outside any try, once the
// child has switched away: an uncaught exception.
import { findMethod } from '../../src/methods.js';
import { runCompare } from '../../src/runners/compare.js';
import { fakeBench } from './fake-runners.js';

const pauseMs = Number(process.argv[2] ?? 50);
const list = process.argv[3] && process.argv[3] !== 'all' ? process.argv[3].split(',') : undefined;
const crash = process.argv[4] === 'crash';
let started = 0;
try {
  const r = await runCompare({
    clocksources: list ?? null,
    currentOnly: false,
    methods: ['monotonic', 'realtime'].flatMap((id) => findMethod(id) ?? []),
    loops: 1000,
    runs: 40,
    rounds: 1,
    cpu: 0,
    warp: null,
    runBench: fakeBench({
      pauseMs,
      onStart: (cs) => {
        process.stderr.write(`MEASURING ${cs} ${process.pid}\n`);
        if (crash && ++started === 2) setTimeout(() => { throw new Error('crash outside any try'); }, 30);
      },
    }),
  });
  process.stdout.write(JSON.stringify({ restored: r.restored, runs: r.runs.map((x) => x.clocksourceDuring), switches: r.switches.length }) + '\n');
} catch (err) {
  process.stderr.write(`ERROR ${(err as Error).name}: ${(err as Error).message}\n`);
  process.exitCode = (err as Error).name === 'UnsupportedError' ? 3 : (err as Error).name === 'UsageError' ? 2 : 1;
}

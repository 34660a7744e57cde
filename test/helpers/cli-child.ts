// cli-child.ts: the real `clocklab` command line (main(): startup recovery,
// the switcher, messages, exit codes) in a child process, with compare's
// bench replaced by the pausing stand-in, so a test can act while a
// clocksource is being measured. Prints `MEASURING <clocksource> <pid>` on
// stderr as each bench starts.
// Usage: node --import tsx test/helpers/cli-child.ts <pauseMs> <clocklab args...>
import { main } from '../../src/cli/main.js';
import { fakeBench } from './fake-runners.js';

const pauseMs = Number(process.argv[2] ?? 50);
const onStart = (cs: string | null): void => void process.stderr.write(`MEASURING ${cs} ${process.pid}\n`);
process.exitCode = await main([process.argv[0] ?? 'node', 'clocklab', ...process.argv.slice(3)], {
  progress: false,
  color: false,
  inject: { compare: { runBench: fakeBench({ pauseMs, onStart }) } },
});

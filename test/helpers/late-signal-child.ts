// late-signal-child.ts: a SIGTERM that reaches the process while the
// switcher's final restore runs. Switches to the clocksource given, signals
// itself, then closes the switcher at once, so the signal is pending exactly
// when the listeners are taken down. Prints CLOSED after close() returns and
// ALIVE if the process is still running a moment later.
// Usage: node --import tsx test/helpers/late-signal-child.ts <stateDir> <original> <other>
import { ClocksourceSwitcher } from '../../src/clocksource/switcher.js';
import { defaultContext } from '../../src/clocksource/sysfs.js';

const [stateDir = '', original = '', other = ''] = process.argv.slice(2);
const sw = ClocksourceSwitcher.open([original, other], defaultContext({ stateDir }));
sw.switchTo(other);
process.kill(process.pid, 'SIGTERM');
sw.close();
process.stdout.write('CLOSED\n');
setTimeout(() => process.stdout.write('ALIVE\n'), 200);

// global-setup.ts: the suite leaves the machine as it found it. Records the
// clocksource before any test and fails the run if it differs at the end.
import { readClocksources } from '../src/probes/clocksource.js';

export default function setup(): () => void {
  const before = readClocksources().current;
  return () => {
    const after = readClocksources().current;
    if (after !== before) {
      throw new Error(`the test suite left the clocksource at '${after}'; it started at '${before}'`);
    }
  };
}

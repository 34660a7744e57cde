// compare.ts: the sentences for compare's finding codes (the compare report
// itself is model/compare.ts, drawn by ../text.ts).
import { definePhrases } from '../findings.js';

definePhrases({
  COMPARE_NOT_RESTORED: (a) => ({
    text: `The clocksource is '${String(a['now'])}' after the run; it was '${String(a['original'])}'.`,
    advice: 'Run `sudo clocklab restore`, or write the original name to current_clocksource.',
  }),
  COMPARE_STEAL: (a) => ({
    text: `Steal time was ${String(a['stealPercent'])}% while ${String(a['clocksource'])} was measured.`,
    advice: 'The host took CPU time from this guest during the run; rerun when the host is quieter.',
  }),
});

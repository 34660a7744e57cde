// standin-env.ts: setup of the `standin` project (vitest.config.ts). Before
// any test of a file runs, proves that this worker sees the stand-in
// clocksource0 at the real path: its marker holds this worker's token, and
// /proc/self/mountinfo shows a mount there. A worker that was meant to be on
// the stand-in and is not fails the file rather than switch the real machine.
// (Where no stand-in could be made, the pool says why in
// CLOCKLAB_STANDIN_UNMET and no test switches: test/helpers/needs.ts.)
import { CLOCKSOURCE_DIR } from '../src/probes/clocksource.js';
import { clocksourceMounts, onStandIn, STANDIN_ENV, STANDIN_UNMET_ENV } from './helpers/standin.js';

if (process.env[STANDIN_UNMET_ENV] === undefined) {
  if (!onStandIn()) throw new Error(`the stand-in is not mounted on ${CLOCKSOURCE_DIR} (${STANDIN_ENV}=${process.env[STANDIN_ENV] ?? 'unset'}); refusing to run`);
  if (!clocksourceMounts().some((l) => l.split(' ')[4] === CLOCKSOURCE_DIR)) throw new Error(`no mount on ${CLOCKSOURCE_DIR} in /proc/self/mountinfo; refusing to run`);
}

// restore.ts (cli): `clocklab restore`: one sentence on what it did.
import { defineCli } from '../command.js';

export const restoreCli = defineCli({
  name: 'restore',
  description: 'put back the clocksource a killed `clocklab compare` left switched (from its journal in /run/clocklab or $CLOCKLAB_STATE_DIR)',
  flags: [],
  output: 'text',
  text: (r) => `${r.message}\n`,
});

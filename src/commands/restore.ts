// restore.ts (command): did a killed run leave the clocksource switched? Puts
// back what its journal recorded (src/clocksource/recovery.ts) and nothing
// else. Nothing to restore is success; a journal that cannot be applied, or
// a run that is switching now, is the machine's state (UnsupportedError).
import { z } from 'zod';
import { recoverJournal } from '../clocksource/recovery.js';
import { defaultContext, type SwitchContext } from '../clocksource/sysfs.js';
import { describeRecovery } from '../findings/recovery.js';
import { UnsupportedError } from '../errors.js';
import { defineCommand, passed, type RunDeps } from './command.js';

export const restoreOptions = z.strictObject({});

/** What restore did, in one sentence. */
export interface RestoreOutcome {
  /** Whether a journal was found and dealt with. */
  acted: boolean;
  message: string;
}

export interface RestoreDeps extends RunDeps {
  switchContext?: Partial<SwitchContext>;
}

export const restore = defineCommand({
  name: 'restore',
  summary: 'put back a clocksource a killed run left switched',
  options: restoreOptions,
  run(_o, deps: RestoreDeps = {}): RestoreOutcome {
    const r = recoverJournal(defaultContext(deps.switchContext));
    switch (r.kind) {
      case 'none':
        return { acted: false, message: 'nothing to restore: no clocksource journal' };
      case 'busy':
        throw new UnsupportedError(`a clocklab run (pid ${r.pid ?? 'unknown'}) is switching the clocksource now; it restores on exit, so there is nothing to do`);
      case 'cannot':
        throw new UnsupportedError(describeRecovery(r) ?? 'cannot restore');
      default:
        return { acted: true, message: describeRecovery(r) ?? '' };
    }
  },
  verdict: passed,
});

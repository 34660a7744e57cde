// restore.ts: `clocklab restore`: did a killed run leave the clocksource
// switched? Puts back what its journal recorded (src/clocksource/switch.ts)
// and does nothing else. Nothing to do is success.
import type { Command } from 'commander';
import { describeRecovery, recoverJournal } from '../../clocksource/switch.js';
import { UnsupportedError } from '../../errors.js';

export function registerRestore(program: Command): void {
  program
    .command('restore')
      .summary('put back a clocksource a killed run left switched')
    .description('put back the clocksource a killed `clocklab compare` left switched (from its journal in /run/clocklab or $CLOCKLAB_STATE_DIR)')
    .action(() => {
      const r = recoverJournal();
      switch (r.kind) {
        case 'none':
          process.stdout.write('nothing to restore: no clocksource journal\n');
          return;
        case 'busy':
          throw new UnsupportedError(
            `a clocklab run (pid ${r.pid ?? 'unknown'}) is switching the clocksource now; it restores on exit, so there is nothing to do`,
          );
        case 'cannot':
          throw new UnsupportedError(describeRecovery(r) ?? 'cannot restore');
        default:
          process.stdout.write(`${describeRecovery(r) ?? ''}\n`);
      }
    });
}

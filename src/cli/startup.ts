// startup.ts: before any command runs, is there a clocksource switch a killed
// run left behind? Undo it and say so on stderr (src/clocksource/recovery.ts).
// Never stops the command: what cannot be undone is reported and left.
import { recoverJournal } from '../clocksource/recovery.js';
import { describeRecovery } from '../findings/recovery.js';
import { AddonUnavailable, UsageError } from '../errors.js';
import { note } from './output.js';

/** `command` reads the state folder itself (compare): a bad folder is its
 * error to report, once. */
export function recoverAtStartup(command: string): void {
  try {
    const message = describeRecovery(recoverJournal());
    if (message !== null) note(message);
  } catch (err) {
    if (err instanceof UsageError && command === 'compare') return;
    // The command that needs the addon says so itself, with how to build it.
    if (err instanceof AddonUnavailable) return;
    note(`could not check for a clocksource left switched by a killed run: ${(err as Error).message}`);
  }
}

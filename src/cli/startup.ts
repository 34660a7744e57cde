// startup.ts: before any command runs, is there a clocksource switch a killed
// run left behind? Undo it and say so on stderr (src/clocksource/switch.ts).
// Never stops the command: what cannot be undone is reported and left.
import { describeRecovery, recoverJournal } from '../clocksource/switch.js';
import { note } from './output.js';

export function recoverAtStartup(): void {
  try {
    const message = describeRecovery(recoverJournal());
    if (message !== null) note(message);
  } catch (err) {
    note(`could not check for a clocksource left switched by a killed run: ${(err as Error).message}`);
  }
}

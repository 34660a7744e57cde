// recovery.ts: what does clocklab tell the person about a journal a killed run
// left behind (src/clocksource/recovery.ts finds and undoes it)?
import type { JournalT } from '../clocksource/journal.js';
import type { Recovery } from '../clocksource/recovery.js';

/** One line for the person at the terminal, or null when there is nothing to say. */
export function describeRecovery(r: Recovery): string | null {
  const run = (j: JournalT): string => `a clocklab run (pid ${j.pid}, started ${j.startedAt})`;
  const who = (j: JournalT): string =>
    j.failed !== undefined
      ? `${run(j)} died of an error with the clocksource switched (it could not restore it: ${j.failed})`
      : `${run(j)} was killed while the clocksource was switched`;
  switch (r.kind) {
    case 'none':
    case 'busy':
      return null;
    case 'restored':
      return `${who(r.journal)}; restored the clocksource from '${r.from}' to '${r.journal.original}'`;
    case 'already':
      // Killed before it switched, or the clocksource was put back since.
      return `${run(r.journal)} ended without removing its journal; the clocksource is on '${r.journal.original}' as it recorded, journal removed`;
    case 'stale':
      return `discarded a stale clocksource journal from another boot (boot id ${r.journal.bootId}, now ${r.bootId}; pid ${r.journal.pid}, started ${r.journal.startedAt}); the reboot already reset the clocksource, nothing was applied`;
    case 'corrupt':
      return `discarded an unreadable clocksource journal: ${JSON.stringify(r.raw.slice(0, 200))}`;
    case 'cannot':
      return `${who(r.journal)}, away from '${r.journal.original}', and it cannot be restored now: ${r.reason}`;
  }
}

/** Why a journal's clocksource cannot be put back: the kernel no longer offers it. */
export function cannotPutBack(original: string, available: readonly string[], current: string, journalPath: string): string {
  return (
    `'${original}' is not among the available clocksources (${available.join(', ')}), so it cannot be put back. ` +
    `The machine stays on '${current}'; to accept that and let clocklab switch again, remove ${journalPath}`
  );
}

/** Why recovery stopped short: this user cannot remove the journal. */
export function stateDirNotWritable(stateDir: string): string {
  return `${stateDir} is not writable by this user; run \`sudo clocklab restore\``;
}

// native-method.ts: where in the addon is a method, and is it ready to read?
// The registry (src/methods.ts) is data; this finds a method's index in the
// addon's own table and runs the preparer for what that table says the read
// needs first (a page: native/methods.h kind_table), before any read.
import { UnsupportedError } from '../errors.js';
import type { Binding, NativePage } from '../native/binding.js';
import { openPvclockPage, pvclockUnavailableMessage } from './pvclock.js';
import { realSource, type Source } from './source.js';

/** Why the pvclock methods cannot run here, or null when they can. Opens
 * (probes, then sets) the page for the addon's readers on the way. */
export function pvclockUnmet(binding: Binding, source: Source = realSource): string | null {
  if (binding.pvclockPageAddress() !== 0n) return null;
  const page = openPvclockPage(binding, source);
  return page.state === 'readable' ? null : `needs the pvclock page (${pvclockUnavailableMessage(page, null)})`;
}

/** The preparer of each page a native read may need: sets it up, and says
 * why it cannot (a sentence after the method's id) or null. A page the
 * addon adds is a compile error here until it has one. */
const PREPARERS: Record<NativePage, (binding: Binding) => string | null> = {
  pvclock: (binding) => pvclockUnmet(binding),
};

/** The index of a method in the native table, or throws if the addon lacks
 * it (or when what its read needs cannot be set up, e.g. no page to read). */
export function nativeIndex(binding: Binding, id: string): number {
  const i = binding.methodTable.findIndex((m) => m.name === id);
  if (i < 0) throw new Error(`method '${id}' is missing from the native addon (rebuild it)`);
  const page = binding.methodTable[i]?.page ?? null;
  if (page !== null) {
    const why = PREPARERS[page](binding);
    if (why !== null) throw new UnsupportedError(`${id} ${why}`);
  }
  return i;
}

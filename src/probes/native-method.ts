// native-method.ts: where in the addon is a method, and is it ready to read?
// The registry (src/methods.ts) is data; this finds a method's index in the
// addon's own table and, for the pvclock readers, opens the page they read.
import { UnsupportedError } from '../errors.js';
import { findMethod } from '../methods.js';
import type { Binding } from '../native/binding.js';
import { openPvclockPage, pvclockUnavailableMessage } from './pvclock.js';
import { realSource, type Source } from './source.js';

/** Why the pvclock methods cannot run here, or null when they can. Opens
 * (probes, then sets) the page for the addon's readers on the way. */
export function pvclockUnmet(binding: Binding, source: Source = realSource): string | null {
  if (binding.pvclockPageAddress() !== 0n) return null;
  const page = openPvclockPage(binding, source);
  return page.state === 'readable' ? null : `needs the pvclock page (${pvclockUnavailableMessage(page, null)})`;
}

/** The index of a method in the native table, or throws if the addon lacks
 * it (or, for a pvclock reader, when there is no page to read). */
export function nativeIndex(binding: Binding, id: string): number {
  const i = binding.methodTable.findIndex((m) => m.name === id);
  if (i < 0) throw new Error(`method '${id}' is missing from the native addon (rebuild it)`);
  // The pvclock readers need the page set before their first read.
  if (findMethod(id)?.requires.includes('pvclock')) {
    const why = pvclockUnmet(binding);
    if (why !== null) throw new UnsupportedError(`${id} ${why}`);
  }
  return i;
}

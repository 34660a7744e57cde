// source.ts: where probes read the machine's files from. Probes never open a
// path themselves; they ask a Source, so a test can hand them a cpuinfo
// without constant_tsc (or any other file) and the real parsing and checking
// code runs on it.
import { readFileSync } from 'node:fs';

export interface Source {
  /** The file's text, or null when it does not exist or cannot be read. */
  read(path: string): string | null;
}

export const realSource: Source = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
};

/** A Source that answers the given paths from memory (null: "absent") and
 * every other path from `base`. */
export function overlaySource(files: Record<string, string | null>, base: Source = realSource): Source {
  return {
    read(path) {
      return Object.hasOwn(files, path) ? (files[path] ?? null) : base.read(path);
    },
  };
}

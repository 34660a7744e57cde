// clocksource.ts: which clocksources the kernel offers and which it uses
// (/sys/devices/system/clocksource/clocksource0, kernel/time/clocksource.c).
// Read only: every write lives in src/clocksource/sysfs.ts.
import { realSource, type Source } from './source.js';

export const CLOCKSOURCE_DIR = '/sys/devices/system/clocksource/clocksource0';

export interface ClocksourceState {
  available: string[];
  current: string | null;
}

export function readClocksources(source: Source = realSource): ClocksourceState {
  const available = (source.read(`${CLOCKSOURCE_DIR}/available_clocksource`) ?? '')
    .split(/\s+/)
    .filter((s) => s !== '');
  const current = source.read(`${CLOCKSOURCE_DIR}/current_clocksource`)?.trim() || null;
  return { available, current };
}

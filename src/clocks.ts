// clocks.ts: which POSIX clocks does Linux define, by name and by id?
// The C++ table (native/clocks.cc) must agree; test/clocks.test.ts checks it.

/** Clock ids from include/uapi/linux/time.h (10, CLOCK_SGI_CYCLE, is gone). */
export const CLOCKS = {
  realtime: 0,
  monotonic: 1,
  process_cputime: 2,
  thread_cputime: 3,
  monotonic_raw: 4,
  realtime_coarse: 5,
  monotonic_coarse: 6,
  boottime: 7,
  realtime_alarm: 8,
  boottime_alarm: 9,
  tai: 11,
} as const;

export type ClockName = keyof typeof CLOCKS;

export const CLOCK_NAMES = Object.keys(CLOCKS) as ClockName[];

/** The largest clock id Linux has ever defined (CLOCK_TAI). */
export const MAX_CLOCK_ID = 11;

export function isClockName(name: string): name is ClockName {
  return Object.hasOwn(CLOCKS, name);
}

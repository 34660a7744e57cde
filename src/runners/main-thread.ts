// main-thread.ts: one pinned run on the main thread at a time. bench pins
// the calling thread and awaits between its runs, so two benches started
// together in one process (the library's callers, compare's rounds beside a
// caller's own bench) would interleave: the second would record the first's
// pin as the affinity to put back, and leave the thread on one CPU for good.
// A run waits here for the one before it to have restored the affinity.

let tail: Promise<void> = Promise.resolve();

/** Resolves when every earlier holder has released; call the returned
 * function (once, in a finally) to let the next one in. */
export async function holdMainThread(): Promise<() => void> {
  const before = tail;
  let release!: () => void;
  tail = new Promise<void>((resolve) => {
    release = resolve;
  });
  await before;
  return release;
}

// progress.ts: the one shape in which every runner says how far it is, so the
// CLI draws one kind of bar and a library caller writes one callback.

/** Where a run is: `done` of `total` in `unit`, and what it is doing now. */
export interface Progress {
  /** Work finished so far, in `unit`. */
  done: number;
  /** Work in all, in `unit`. */
  total: number;
  /** What `done` and `total` count: timed runs, seconds of measuring, or steps. */
  unit: 'runs' | 'seconds' | 'steps';
  /** What is happening now, e.g. `monotonic run 3/10`, `kvm-clock: warp`. */
  label: string;
}

/** What every runner takes besides its options. */
export interface RunnerContext {
  /** Checked between steps: an abort ends the run with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

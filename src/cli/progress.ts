// progress.ts: a progress bar on stderr, only when stderr is a terminal;
// piped or redirected runs stay quiet. Runners report progress through a
// callback; this is the CLI's consumer of it.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the position (0..total) and the label shown beside the bar. */
  update(value: number, label: string): void;
  stop(): void;
}

let progressOutput = process.stderr.isTTY === true;

/** Set once per CLI invocation by main(), before any command runs. */
export function setProgressOutput(on: boolean): void {
  progressOutput = on;
}

export function createProgress(total: number, enabled = progressOutput): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{bar} {percentage}% {label}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return {
    update(value, label) {
      bar.update(value, { label });
    },
    stop() {
      bar.stop();
    },
  };
}

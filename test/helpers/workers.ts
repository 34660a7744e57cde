// workers.ts: which worker_threads a test's code started, and how many still
// run. Node's 'worker_threads' diagnostics channel fires once per new Worker;
// counting OS threads instead also counts libuv's and V8's own, which come
// and go with the process's other work.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Worker } from 'node:worker_threads';

export interface WorkerWatch {
  started: () => number;
  alive: () => number;
  stop: () => void;
}

/** Watches every worker_thread started from now until `stop()`. */
export function watchWorkers(): WorkerWatch {
  let started = 0;
  let exited = 0;
  const onWorker = (message: unknown): void => {
    started++;
    (message as { worker: Worker }).worker.once('exit', () => exited++);
  };
  subscribe('worker_threads', onWorker);
  return { started: () => started, alive: () => started - exited, stop: () => unsubscribe('worker_threads', onWorker) };
}

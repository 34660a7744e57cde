// warp-worker.ts: one worker_thread of the warp check, pinned to one CPU for
// its whole life. It pins itself before saying it is ready, then runs the
// native jobs the runner posts (the warp kernel, one side of the offset
// ping-pong, one side of an order litmus test). Every job blocks in native code until its own deadline, a stop
// or an abort flag in the shared state, so no JS runs per iteration.
//
// Compiled to dist/runners/warp-worker.js, bundled to dist/bin/warp-worker.js
// for the CLI bundle, and started by ./warp-pool.ts (../paths.ts says which).
import { parentPort, workerData } from 'node:worker_threads';
import { loadBinding } from '../native/binding.js';
import type { WorkerJob, WorkerReply } from './warp-pool.js';

const { cpu } = workerData as { cpu: number };
const port = parentPort;
if (!port) throw new Error('warp-worker.js must run as a worker_thread');

const binding = loadBinding();
// Pin before anything else: every read this thread makes must come from `cpu`.
binding.pinToCpu(cpu);
const here = binding.getcpu().cpu;
if (here !== cpu) throw new Error(`pinned to CPU ${cpu} but running on CPU ${here}`);

const reply = (r: WorkerReply): void => port.postMessage(r);

port.on('message', (job: WorkerJob) => {
  if (job.kind === 'warp') {
    binding.warpRun(job.state, job.methodIndex, job.slot, job.slots, job.durationMs);
  } else if (job.kind === 'ping') {
    binding.warpPing(job.state, job.methodIndex, job.pinger, job.samples, job.budgetMs);
  } else {
    binding.orderRun(job.state, job.methodIndex, job.pattern, job.observer, job.wrongOrder, job.durationMs);
  }
  reply({ kind: 'done', id: job.id });
});
reply({ kind: 'ready', cpu });

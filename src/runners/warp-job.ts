// warp-job.ts: what does one participant of a warp, ping-pong or order run do
// with its job? The same native call on a pool worker (./warp-worker.ts) and
// on the calling thread when the pool runs one CPU's part there
// (./warp-pool.ts, `mainThread`).
import type { Binding } from '../native/binding.js';
import type { WorkerJob } from './warp-pool.js';

/** Pins the calling thread to `cpu` and checks it landed there. */
export function pinThread(binding: Binding, cpu: number): void {
  binding.pinToCpu(cpu);
  const here = binding.getcpu().cpu;
  if (here !== cpu) throw new Error(`pinned to CPU ${cpu} but running on CPU ${here}`);
}

/** Runs one job; blocks in native code until its deadline, a stop or an abort. */
export function runJob(binding: Binding, job: WorkerJob): void {
  if (job.kind === 'warp') {
    binding.warpRun(job.state, job.methodIndex, job.slot, job.slots, job.durationMs);
  } else if (job.kind === 'ping') {
    binding.warpPing(job.state, job.methodIndex, job.pinger, job.samples, job.budgetMs);
  } else {
    binding.orderRun(job.state, job.methodIndex, job.pattern, job.observer, job.wrongOrder, job.durationMs);
  }
}

// warp-pool.ts: how are the worker threads of a warp check started, given
// work, and all ended, whatever happens?
//
// One worker_thread per CPU, each pinned to its CPU before it reports ready.
// A job is a blocking native call on every worker at once; the workers share
// one SharedArrayBuffer. When any worker throws, or the caller aborts, the
// abort word of the shared state is set so every other worker's native loop
// returns within microseconds; close() then terminates and awaits them all.
//
// For a short warp run (check --light's 10 ms) the pool can start no worker
// at all (`nativeThreads`): each run goes to the addon, which starts one
// pinned native thread per CPU and joins them (binding.warpRunThreads). A
// Node worker costs ~40 ms of CPU to start and end, four times that run. The
// calling thread then blocks for the run, so a signal is seen only after it.
import { Worker } from 'node:worker_threads';
import type { Binding } from '../native/binding.js';
import { warpWorkerUrl } from '../paths.js';

export type WorkerJob =
  | { kind: 'warp'; id: number; state: BigInt64Array; methodIndex: number; slot: number; slots: number; durationMs: number }
  | { kind: 'ping'; id: number; state: BigInt64Array; methodIndex: number; pinger: boolean; samples: number; budgetMs: number }
  | { kind: 'order'; id: number; state: BigInt64Array; methodIndex: number; pattern: number; observer: boolean; wrongOrder: boolean; durationMs: number };

export type WorkerReply = { kind: 'ready'; cpu: number } | { kind: 'done'; id: number };

/** A job for one CPU, without the id the pool assigns. */
export type JobSpec = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'id'> : never) : never;

export interface PoolOptions {
  /** The worker entry (a test's own, to see a worker fail). */
  workerUrl?: URL;
  /** No workers: warp runs go to the addon's own threads through this
   * binding; ping and order jobs are refused. */
  nativeThreads?: Binding;
}

interface Member {
  cpu: number;
  worker: Worker;
  exited: Promise<number>;
  /** Set when the worker failed; the pool is then unusable. */
  error: Error | null;
}

/** A shared state: the SAB view and where its aligned words start. */
export class WarpState {
  readonly view: BigInt64Array;
  readonly base: number;
  constructor(private readonly binding: Binding) {
    this.view = new BigInt64Array(new SharedArrayBuffer(binding.WARP_STATE_BYTES));
    this.base = binding.warpBaseIndex(this.view);
  }
  word(offset: number): bigint {
    return Atomics.load(this.view, this.base + offset);
  }
  /** Sets a word before a run (an input such as the order test's bound). */
  set(offset: number, value: bigint): void {
    Atomics.store(this.view, this.base + offset, value);
  }
  abort(): void {
    Atomics.store(this.view, this.base + this.binding.warpLayout.abort, 1n);
  }
  slotReads(slot: number): number {
    const l = this.binding.warpLayout;
    return Number(this.word(l.slots + slot * l.slotWords + l.slotReads));
  }
  slotHandoffs(slot: number): number {
    const l = this.binding.warpLayout;
    return Number(this.word(l.slots + slot * l.slotWords + l.slotHandoffs));
  }
  pair(from: number, to: number): { warps: number; largest: bigint; handoffs: number; minGap: bigint | null } {
    const l = this.binding.warpLayout;
    const at = l.pairs + (from * l.maxSlots + to) * l.pairWords;
    const minGap = this.word(at + l.pairMinGap);
    return {
      warps: Number(this.word(at + l.pairWarps)),
      largest: BigInt.asUintN(64, this.word(at + l.pairLargest)),
      handoffs: Number(this.word(at + l.pairHandoffs)),
      minGap: minGap < 0n ? null : minGap,
    };
  }
  /** Slot's hand-off steps by power of two (bucket b: [2^b, 2^(b+1))). */
  gapBuckets(slot: number): number[] {
    const l = this.binding.warpLayout;
    return Array.from({ length: l.gapBuckets }, (_v, b) => Number(this.word(l.gaps + slot * l.gapBuckets + b)));
  }
}

export class WarpPool {
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly members: Member[],
    private readonly native: { cpus: readonly number[]; binding: Binding } | null,
  ) {}

  /** The worker threads currently alive (for tests: none after close()). */
  get alive(): number {
    return this.members.filter((m) => m.worker.threadId !== -1).length;
  }

  get cpus(): number[] {
    return this.native ? [...this.native.cpus] : this.members.map((m) => m.cpu);
  }

  /** Starts one pinned worker per CPU and waits until all are pinned (none
   * with `nativeThreads`). */
  static async start(cpus: readonly number[], options: PoolOptions = {}): Promise<WarpPool> {
    if (options.nativeThreads) return new WarpPool([], { cpus: [...cpus], binding: options.nativeThreads });
    const workerUrl = options.workerUrl ?? warpWorkerUrl();
    const members: Member[] = cpus.map((cpu) => {
      const worker = new Worker(workerUrl, { workerData: { cpu } });
      const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
      const m: Member = { cpu, worker, exited, error: null };
      worker.on('error', (err) => {
        m.error = err instanceof Error ? err : new Error(String(err));
      });
      return m;
    });
    const pool = new WarpPool(members, null);
    try {
      await Promise.all(
        members.map(
          (m) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = (r: WorkerReply): void => {
                if (r.kind === 'ready') {
                  m.worker.off('message', onMessage);
                  resolve();
                }
              };
              m.worker.on('message', onMessage);
              m.worker.once('error', (err) => reject(new Error(`worker for CPU ${m.cpu}: ${err.message}`)));
              m.worker.once('exit', (code) => reject(new Error(`worker for CPU ${m.cpu} exited (${code}) before it was ready`)));
            }),
        ),
      );
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /**
   * Posts one job per CPU and waits until every worker has finished it. If a
   * worker throws or exits, or `signal` aborts, the state's abort word is set
   * so the others return promptly; the first error is rethrown after all have
   * stopped.
   */
  async run(jobs: ReadonlyArray<{ cpu: number; job: JobSpec }>, state: WarpState, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new Error('the warp pool is closed');
    if (this.native) return this.runNative(jobs, state, signal);
    const id = this.nextId++;
    let firstError: unknown = null;
    const onAbort = (): void => {
      firstError ??= signal?.reason ?? new Error('aborted');
      state.abort();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(
        jobs.map(({ cpu, job }) => {
          const m = this.members.find((x) => x.cpu === cpu);
          if (!m) throw new Error(`no worker for CPU ${cpu}`);
          return new Promise<void>((resolve) => {
            const finish = (err: unknown): void => {
              m.worker.off('message', onMessage);
              m.worker.off('error', onError);
              m.worker.off('exit', onExit);
              if (err !== null) {
                firstError ??= err;
                state.abort();
              }
              resolve();
            };
            const onMessage = (r: WorkerReply): void => {
              if (r.kind === 'done' && r.id === id) finish(null);
            };
            const onError = (err: Error): void => finish(new Error(`worker for CPU ${cpu}: ${err.message}`, { cause: err }));
            const onExit = (code: number): void => finish(m.error ?? new Error(`worker for CPU ${cpu} exited (${code})`));
            m.worker.on('message', onMessage);
            m.worker.once('error', onError);
            m.worker.once('exit', onExit);
            if (m.error || m.worker.threadId === -1) {
              finish(m.error ?? new Error(`worker for CPU ${cpu} is gone`));
              return;
            }
            m.worker.postMessage({ ...job, id } as WorkerJob);
          });
        }),
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (firstError !== null) throw firstError;
  }

  /** One warp run on the addon's threads: slot i on jobs[i].cpu. */
  private runNative(jobs: ReadonlyArray<{ cpu: number; job: JobSpec }>, state: WarpState, signal?: AbortSignal): void {
    signal?.throwIfAborted();
    const first = jobs[0]?.job;
    if (first?.kind !== 'warp') throw new Error('a pool without workers runs warp jobs only');
    jobs.forEach(({ job }, slot) => {
      if (job.kind !== 'warp' || job.slot !== slot || job.slots !== jobs.length || job.methodIndex !== first.methodIndex || job.durationMs !== first.durationMs) {
        throw new Error('a pool without workers runs one warp job per slot, in slot order, of one method and duration');
      }
    });
    this.native?.binding.warpRunThreads(state.view, first.methodIndex, jobs.map((j) => j.cpu), first.durationMs);
  }

  /** Terminates every worker and waits until all have exited. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.members.map(async (m) => {
        await m.worker.terminate();
        await m.exited;
      }),
    );
  }
}

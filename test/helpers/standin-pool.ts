// standin-pool.ts: vitest's forks pool, but each test file's worker process
// starts inside its own private mount namespace with a fresh stand-in
// clocksource0 (test/helpers/standin.ts) bind-mounted over the real path. The
// test file then runs unchanged: its switcher, its children, its
// `current()` all see the stand-in, and the real machine's clocksource is
// never written. Used by the `standin` project in vitest.config.ts.
//
// The worker is vitest's own forks entry point (PoolOptions.distPath), forked
// with `unshare` as the executable: fork() runs execPath with execArgv before
// the module, so the namespace, the mount and its check come first and node
// is exec'd last with the same pid and the IPC channel (fd 3) inherited.
// Where no stand-in can be mounted the worker is a plain fork, told why in
// CLOCKLAB_STANDIN_UNMET, and every test that needs two clocksources skips
// with that reason (test/helpers/needs.ts) instead of using the real ones.
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { PoolOptions, PoolRunnerInitializer, PoolWorker, WorkerRequest } from 'vitest/node';
import { makeStandIn, standInArgv, standInUnavailable, STANDIN_UNMET_ENV, type StandIn } from './standin.js';
/** vitest's forks pool waits this long after SIGTERM before SIGKILL; so do we. */
const SIGKILL_AFTER_MS = 500;

class StandInWorker implements PoolWorker {
  readonly name = 'standin';
  readonly cacheFs = true;
  private child: ChildProcess | undefined;
  private standIn: StandIn | null = null;
  private readonly entrypoint: string;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;

  constructor(private readonly options: PoolOptions) {
    this.entrypoint = resolve(options.distPath, 'workers/forks.js');
    this.out = options.project.vitest.logger.outputStream;
    this.err = options.project.vitest.logger.errorStream;
  }

  on(event: string, callback: (arg: unknown) => void): void {
    this.proc.on(event, callback);
  }

  off(event: string, callback: (arg: unknown) => void): void {
    this.proc.off(event, callback);
  }

  send(message: WorkerRequest): void {
    this.proc.send(message);
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const why = standInUnavailable();
    const env = { ...this.options.env };
    let execPath = process.execPath;
    let execArgv = this.options.execArgv;
    if (why === null) {
      this.standIn = makeStandIn();
      const [cmd, args] = standInArgv(this.standIn, [process.execPath, ...this.options.execArgv]);
      execPath = cmd;
      execArgv = args;
    } else {
      env[STANDIN_UNMET_ENV] = `no stand-in clocksource0: ${why}`;
    }
    const child = fork(this.entrypoint, [], { env, execPath, execArgv, stdio: 'pipe', serialization: 'advanced' });
    this.child = child;
    child.stdout?.pipe(this.out, { end: false });
    child.stderr?.pipe(this.err, { end: false });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const exited = new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) done();
      else child.once('exit', () => done());
    });
    const kill = setTimeout(() => child.kill('SIGKILL'), SIGKILL_AFTER_MS);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(kill);
    child.stdout?.unpipe(this.out);
    child.stderr?.unpipe(this.err);
    this.child = undefined;
    // The namespace went with its last process; the folder is the host's.
    this.standIn?.remove();
    this.standIn = null;
  }

  private get proc(): ChildProcess {
    if (this.child === undefined) throw new Error('the stand-in worker is not started');
    return this.child;
  }
}

/** The pool for vitest.config.ts's `pool`. */
export function standInPool(): PoolRunnerInitializer {
  return { name: 'standin', createPoolWorker: (options) => new StandInWorker(options) };
}

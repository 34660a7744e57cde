// interrupt.test.ts: is Ctrl-C an interruption, not bad usage? A long warp,
// check or bench sent SIGINT stops at its next check, says it was
// interrupted, and exits 130 (128 + SIGINT, as a shell reports a process the
// signal killed), with nothing left running. Each run is asked for far longer
// than the test's timeout, so ending at all shows the interrupt ended it; how
// fast it ends is bench/abort.ts's to print.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { waitExit } from './helpers/clocksource.js';
import { unmet } from './helpers/needs.js';

/** Starts the CLI, waits until `ready` shows it is measuring, sends SIGINT. */
async function interrupt(args: string[], afterMs: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = waitExit(child);
  await new Promise((r) => setTimeout(r, afterMs));
  child.kill('SIGINT');
  return exit;
}

describe('Ctrl-C', () => {
  it.skipIf(unmet({ cpus: 2 }))('warp: stops mid-run, exit 130', async () => {
    const r = await interrupt(['warp', '--methods', 'monotonic', '--duration', '600'], 1500);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^clocklab: interrupted \(SIGINT\)/m);
    expect(r.stdout).toBe('');
  });

  it('bench: stops after the run in progress, exit 130', async () => {
    const r = await interrupt(['bench', '--methods', 'monotonic', '--loops', '1000000', '--runs', '100000'], 1500);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^clocklab: interrupted \(SIGINT\)/m);
  });

  it('check: exit 130, not 2', async () => {
    const r = await interrupt(['check', '--duration', '600'], 2500);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^clocklab: interrupted \(SIGINT\)/m);
  });
});

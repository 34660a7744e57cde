// `clocklab warp` exits 1 when a method that must be monotonic really goes
// backwards across CPUs. No method of a healthy machine does, so the warp is
// planted: the self-test's own method (skewed_rdtscp, or skewed_lfence_rdtsc where CPUID hides RDTSCP: a TSC read minus a per-CPU
// offset, native/methods.cc) with CPU 1's reads lowered in the addon, named
// on the command line like any method. The registry is extended for this
// file only (the mock is file-wide, hence its own file); the parsing, the
// pinned workers, the native checker, the verdict, the report and the exit
// code are the real ones.
import { describe, expect, it, vi } from 'vitest';
import type * as MainModule from '../src/cli/main.js';
import type * as MethodsModule from '../src/methods.js';
import type * as WarpModule from '../src/runners/warp.js';
import type * as BindingModule from '../src/native/binding.js';
import { PIPED } from './helpers/cli.js';
import { fromDist } from './helpers/dist.js';
import { unmet } from './helpers/needs.js';

/** The internal methods as the CLI's registry sees them in this file. */
const SKEWED: MethodsModule.MethodSpec = {
  id: 'skewed_rdtscp',
  description: 'RDTSCP minus a per-CPU offset set by the self-test',
  requires: ['rdtscp'],
  contract: 'monotonic',
  unit: 'cycles',
  path: 'cpu',
};
const SKEWED_LFENCE: MethodsModule.MethodSpec = {
  id: 'skewed_lfence_rdtsc',
  description: 'LFENCE;RDTSC minus a per-CPU offset set by the self-test (the CPU from getcpu)',
  requires: ['sse2'],
  contract: 'monotonic',
  unit: 'cycles',
  path: 'cpu',
};

// The built registry (warp workers run dist/, so the CLI is dist's too).
vi.mock('../dist/methods.js', async (importOriginal) => {
  const real = await importOriginal<typeof MethodsModule>();
  const METHODS = [...real.METHODS, SKEWED, SKEWED_LFENCE];
  return { ...real, METHODS, findMethod: (id: string) => METHODS.find((m) => m.id === id) };
});

const { main } = await fromDist<typeof MainModule>('cli/main.js');
const { SKEWED_RDTSCP, SKEWED_LFENCE_RDTSC } = await fromDist<typeof WarpModule>('runners/warp.js');
const { loadBinding } = await fromDist<typeof BindingModule>('native/binding.js');

describe('clocklab warp on a real warp', () => {
  it('names the method here as the runner defines it', () => {
    expect(SKEWED).toEqual(SKEWED_RDTSCP);
    expect(SKEWED_LFENCE).toEqual(SKEWED_LFENCE_RDTSC);
  });

  // The ordered read CPUID offers and its skewed twin: RDTSCP, else LFENCE;RDTSC.
  const read = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';
  const skewed = `skewed_${read}`;
  it.skipIf(unmet({ cpus: 2 }))('a monotonic method that went backwards: [FAIL] line, exit 1, the reason on stderr', async () => {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
    const binding = loadBinding();
    binding.setTscSkew(1, 100_000);
    let code: number;
    try {
      code = await main(['node', 'clocklab', 'warp', '--methods', `${read},${skewed}`, '--duration', '0.3', '--cpus', '0,1'], PIPED);
    } finally {
      binding.setTscSkew(1, 0);
      out.mockRestore();
      err.mockRestore();
    }
    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(new RegExp(`^\\[OK\\]\\s+${read}\\s+no warp`, 'm'));
    expect(stdout).toMatch(new RegExp(`^\\[FAIL\\]\\s+${skewed}\\s+cpu 0 -> cpu 1: \\d+ cycles`, 'm'));
    expect(stdout).toMatch(new RegExp(`│ ${skewed}\\s+│ monotonic\\s+│.*│ 0 -> 1\\s+│ FAILED\\s+│`));
    expect(stderr).toMatch(new RegExp(`^clocklab: a method that must be monotonic went backwards: ${skewed}$`, 'm'));
  });
});

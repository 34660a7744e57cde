// Where the addon cannot load, importing the library still works (reports
// can be read and rendered anywhere), and each read throws the loader's own
// actionable error when called. The loader is made to fail at its input;
// the mock is file-wide, hence its own file.
import { describe, expect, it, vi } from 'vitest';

const failure = new Error('clocklab: the native addon could not be loaded (test: no build). Build it from source ...');
vi.mock('../src/native/binding.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/native/binding.js')>();
  return { ...real, loadBinding: () => { throw failure; } };
});

describe('the library without its addon', () => {
  it('imports, and every single read throws the load error', async () => {
    const p = await import('../src/primitives.js');
    const reads: Array<() => unknown> = [
      () => p.rdtsc(), () => p.rdtscp(), () => p.lfenceRdtsc(), () => p.mfenceRdtsc(),
      () => p.getcpu(), () => p.gettimeofday(), () => p.clockGettime('monotonic'), () => p.clockGettime(0),
    ];
    for (const read of reads) expect(read).toThrow(failure);
  });
});

// tsc-rate.ts: does `clocklab tsc` measure the TSC's rate as a plain C
// program does? Builds bench/tsc-rate/rate.c with cc, then in rounds runs it
// and clocklab's runner alternately on the same CPU for the same time (the
// order swapped each round), printing both rates against CLOCK_MONOTONIC_RAW
// and their difference in ppm; then the ppm interval of a 1 s run.
// Target: every round within 0.5 ppm of the C program.
//
//   npm run bench:tsc-rate -- [--rounds N] [--seconds S] [--cpu C]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBinding } from '../src/native/binding.js';
import { packageRoot } from '../src/paths.js';
import { runTscRate } from '../src/runners/tsc/run.js';

const TARGET_PPM = 0.5;
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
    cpu: { type: 'string', default: '0' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const cpu = Number(values.cpu);
if (!(rounds >= 3)) throw new Error('--rounds: at least 3');
const binding = loadBinding();

const dir = mkdtempSync(join(tmpdir(), 'clocklab-tsc-rate-'));
const exe = join(dir, 'rate');
try {
  const cc = spawnSync('cc', ['-O2', '-Wall', '-o', exe, join(packageRoot(), 'bench', 'tsc-rate', 'rate.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc failed:\n${cc.stderr}`);

  const LINE = /^rate (\d+\.\d+) MHz \+- (\d+\.\d+) MHz \((\w+)\)$/;
  const cRate = (): { mhz: number; halfMhz: number; read: string } => {
    const r = spawnSync(exe, [String(cpu), String(seconds)], { encoding: 'utf8' });
    const m = LINE.exec(r.stdout.trim());
    if (r.status !== 0 || !m) throw new Error(`rate.c: exit ${r.status}: ${r.stdout}${r.stderr}`);
    return { mhz: Number(m[1]), halfMhz: Number(m[2]), read: m[3] ?? '' };
  };
  const clocklabRate = async (s: number): Promise<{ mhz: number; halfPpm: number; read: string }> => {
    const r = await runTscRate({ binding, cpus: [cpu], durationSeconds: s, offsets: false, fence: false, selfTest: null });
    const x = r.rates[0];
    if (!x) throw new Error('no rate');
    return { mhz: x.monotonicRaw.hz / 1e6, halfPpm: (x.monotonicRaw.halfWidthHz / x.monotonicRaw.hz) * 1e6, read: x.read };
  };

  console.log(`tsc-rate: CPU ${cpu}, ${seconds} s a side, ${rounds} rounds alternated; rate.c built with cc -O2; TSC against CLOCK_MONOTONIC_RAW`);
  let worst = 0;
  for (let i = 0; i < rounds; i++) {
    const cFirst = i % 2 === 0;
    const c = cFirst ? cRate() : null;
    const k = await clocklabRate(seconds);
    const c2 = c ?? cRate();
    const diff = (k.mhz / c2.mhz - 1) * 1e6;
    worst = Math.max(worst, Math.abs(diff));
    console.log(
      `round ${i + 1} (${cFirst ? 'C first' : 'clocklab first'}): clocklab ${k.mhz.toFixed(6)} MHz ±${k.halfPpm.toFixed(4)} ppm (${k.read}), ` +
        `C ${c2.mhz.toFixed(6)} MHz ±${((c2.halfMhz / c2.mhz) * 1e6).toFixed(4)} ppm (${c2.read}), difference ${diff >= 0 ? '+' : ''}${diff.toFixed(4)} ppm`,
    );
  }
  const one = await clocklabRate(1);
  console.log(`a 1 s run: ${one.mhz.toFixed(6)} MHz ±${one.halfPpm.toFixed(4)} ppm (95%)`);
  const ok = worst <= TARGET_PPM;
  console.log(`${ok ? '[OK]  ' : '[FAIL]'} largest difference ${worst.toFixed(4)} ppm; target ${TARGET_PPM} ppm`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

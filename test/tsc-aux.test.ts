// tsc-aux.test.ts: RDTSCP and RDPID executed in a forked child on every CPU
// (native/tscaux.cc, src/probes/tsc-aux.ts), whatever CPUID says; the capture
// file rdtscp-probe.txt; the facts through the ProbeInputs seam into info,
// methods and check; and what a read that leaves the vDSO costs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMethod, type MethodSpec } from '../src/methods.js';
import { FEATURE_BITS, loadBinding, type Binding } from '../src/native/binding.js';
import { methodAvailability, pvclockRdtscpRefusal } from '../src/probes/availability.js';
import { onlineCpus } from '../src/probes/cpus.js';
import { realInputs, type ProbeInputs } from '../src/probes/machine.js';
import { pvclockUnmet } from '../src/probes/native-method.js';
import { overlaySource } from '../src/probes/source.js';
import { auxCpu, formatTscAuxCapture, parseTscAuxCapture, probeTscAux, type TscAuxFacts } from '../src/probes/tsc-aux.js';
import { formatCpuList } from '../src/cpulist.js';
import { phrase } from '../src/findings/sentences.js';
import { InfoResult } from '../src/results/info.js';
import { infoModel } from '../src/reports/model/info.js';
import { runBench } from '../src/runners/bench.js';
import { runCheck } from '../src/runners/check/index.js';
import { runInfo } from '../src/runners/info.js';
import { runMethods } from '../src/runners/methods.js';
import { syscallCostFinding } from '../src/runners/syscall-cost.js';
import { SYSCALL_COSTLY_RATIO } from '../src/findings/thresholds.js';
import { benchResult, warpResult } from './fixtures/results.js';
import { runCli } from './helpers/cli.js';
import { skipping, unmet } from './helpers/needs.js';

const binding = loadBinding();
const online = onlineCpus();
const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const kernelFlags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
const PVM = join(import.meta.dirname, 'fixtures', 'machines', 'pvm-on-bhyve-amd');
const pvmCapture = readFileSync(join(PVM, 'rdtscp-probe.txt'), 'utf8');
const pvmOnline = readFileSync(join(PVM, 'cpu-online'), 'utf8');

const spec = (id: string): MethodSpec => {
  const m = findMethod(id);
  if (!m) throw new Error(`no method ${id}`);
  return m;
};

afterEach(() => binding.maskFeatures(0));

/** A guest whose CPUID offers both and whose TSC_AUX is not the CPU (5 on CPU 0, 7 on CPU 1). */
const LYING_OFFERED = [
  '# clocklab tsc-aux: RDTSCP and RDPID executed in a forked child, pinned to each CPU, 1 round',
  '# online 0-1',
  '# cpuid rdtscp offered, rdpid offered',
  'cpu 0: rdtscp works: 1000 aux=5',
  'cpu 0: rdpid works: 5',
  'cpu 1: rdtscp works: 1001 aux=7',
  'cpu 1: rdpid works: 7',
  '',
].join('\n');

/** Probe inputs of this machine with a two-CPU replay's TSC_AUX facts. */
function withFacts(facts: TscAuxFacts): ProbeInputs {
  const base = realInputs(binding);
  const source = overlaySource({ '/sys/devices/system/cpu/online': `${formatCpuList(facts.cpus)}\n` }, base.source);
  return { ...base, source, tscAux: () => facts };
}

describe('the TSC_AUX probe on this machine', () => {
  it.skipIf(unmet({ x86: true }))('runs both instructions in a child on every CPU, three rounds, and judges each read by where it ran', () => {
    const features = binding.features();
    const facts = probeTscAux(binding, online, 3);
    expect(facts.cpus).toEqual(online);
    for (const i of ['rdtscp', 'rdpid'] as const) {
      const f = facts[i];
      // What CPUID says is the addon's answer.
      expect(f.offered, i).toBe(features[i]);
      // A CPU that offers an instruction runs it.
      if (f.offered) expect(f.executes, i).toBe(true);
      if (f.executes) {
        expect(f.signal).toBeNull();
        expect(f.reads).toHaveLength(online.length * 3);
        f.reads.forEach((r, k) => {
          expect(r.pinned).toBe(online[k % online.length]);
          expect(r.round).toBe(Math.floor(k / online.length));
          // Pinned, the child stays put: getcpu agrees before and after.
          expect(r.ranOn).toBe(r.pinned);
          expect(r.namesCpu).toBe(auxCpu(r.aux) === r.ranOn);
          expect(r.tsc === null).toBe(i === 'rdpid');
        });
        const judged = f.reads.map((r) => r.namesCpu);
        expect(f.namesCpu).toBe(judged.every((x) => x) ? 'always' : judged.some((x) => x) ? 'sometimes' : 'never');
        // Where the kernel sees the instruction it wrote TSC_AUX = (node << 12) | cpu
        // on every CPU (setup_getcpu(), arch/x86/kernel/cpu/common.c).
        if (f.offered && kernelFlags.has(i)) expect(f.namesCpu, `${i} TSC_AUX ${f.values.join('/')}`).toBe('always');
      } else {
        // It faulted in the child: SIGILL, and nothing was read.
        expect(f.signal).toBe('SIGILL');
        expect(f.reads).toEqual([]);
        expect(f.faultedOn).toBe(online[0]);
      }
    }
    process.stderr.write(
      `[INFO] tsc-aux: ${(['rdtscp', 'rdpid'] as const).map((i) => `${i} offered=${facts[i].offered} executes=${facts[i].executes} aux=${facts[i].values.join('/')} names=${facts[i].namesCpu}`).join('; ')}\n`,
    );
  });

  it.skipIf(unmet({ x86: true, rdtscp: true }))('where CPUID offers RDTSCP, the child reads the TSC_AUX this process reads on the same CPU', () => {
    const facts = probeTscAux(binding, online, 1);
    const affinity = binding.getAffinity();
    try {
      for (const cpu of online) {
        binding.pinToCpu(cpu);
        const here = binding.rdtscp().aux;
        expect(facts.rdtscp.reads.find((r) => r.pinned === cpu)?.aux, `cpu ${cpu}`).toBe(here);
      }
    } finally {
      binding.setAffinity(affinity);
    }
  });

  it.skipIf(unmet({ x86: true }))('the capture file written from the probe reads back as the same facts', () => {
    const facts = probeTscAux(binding, online, 2);
    const back = parseTscAuxCapture(formatTscAuxCapture(facts));
    expect(back).toEqual({ ...facts, from: 'capture' });
  });

  it.skipIf(unmet({ x86: true }))('costs a few ms: two forks (measured, not limited here)', () => {
    probeTscAux(binding, online, 3);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < 5; i++) probeTscAux(binding, online, 3);
    const c = process.cpuUsage(c0);
    process.stderr.write(
      `[INFO] tsc-aux probe: ${((performance.now() - t0) / 5).toFixed(2)} ms wall, ${((c.user + c.system) / 5000).toFixed(2)} ms CPU in this process (children not counted)\n`,
    );
  });
});

describe('the main process never executes a hidden instruction', () => {
  /** The binding, noting each call that executed RDTSCP or RDPID in this process. */
  function watched(): { b: Binding; executedHere: string[] } {
    const indexOf = (id: string): number => binding.methodTable.findIndex((m) => m.name === id);
    const risky = new Set(['rdtscp', 'rdpid', 'pvclock_rdtscp', 'skewed_rdtscp'].map(indexOf));
    const executedHere: string[] = [];
    const b = new Proxy(binding, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]): unknown => {
          const r: unknown = (v as (...a: unknown[]) => unknown).apply(target, args);
          // Reached only when the call did not throw: the instruction ran here.
          if (prop === 'rdtscp' || prop === 'rdtscpOut' || prop === 'rdpid') executedHere.push(String(prop));
          if ((prop === 'methodRead' || prop === 'timedLoop') && risky.has(args[0] as number)) executedHere.push(`${String(prop)}(${String(args[0])})`);
          return r;
        };
      },
    });
    return { b, executedHere };
  }

  it.skipIf(unmet({ x86: true }))('with RDTSCP and RDPID hidden at the probes input, they run only in the child, and methods refuses them', () => {
    const truth = probeTscAux(binding, online, 1);
    binding.maskFeatures(FEATURE_BITS.rdtscp | FEATURE_BITS.rdpid);
    const w = watched();
    const facts = probeTscAux(w.b, online, 1);
    expect(facts.rdtscp.offered).toBe(false);
    expect(facts.rdpid.offered).toBe(false);
    // The child ran them all the same: it executes them whatever CPUID says.
    expect(facts.rdtscp.executes).toBe(truth.rdtscp.executes);
    expect(facts.rdpid.executes).toBe(truth.rdpid.executes);
    const m = runMethods({ binding: w.b });
    const by = (id: string) => m.methods.find((x) => x.method === id);
    for (const id of ['rdtscp', 'rdpid', 'pvclock_rdtscp']) expect(by(id)?.available, id).toBe(false);
    expect(by('rdtscp')?.cause).toBe('cpu');
    runInfo({ binding: w.b });
    expect(w.executedHere).toEqual([]);
  });
});

describe('where the child cannot be made', () => {
  it.skipIf(unmet({ x86: true }))('info and methods go on, TSC_AUX not known, and refuse nothing for it', () => {
    const failing: Binding = {
      ...binding,
      tscAuxProbe: () => {
        throw Object.assign(new Error('tsc_aux probe: Resource temporarily unavailable'), { code: 'ERR_CLOCKLAB_ERRNO', errno: 11 });
      },
    };
    // Fresh CPUs list, so the per-process cache of the real probe is not what answers.
    const inputs: ProbeInputs = { ...realInputs(binding), tscAux: (cpus) => failing.tscAuxProbe(0, cpus, 1) as never };
    const r = runInfo({ binding: failing, inputs });
    expect(r.tscAux).toBeNull();
    expect(r.findings.map((f) => f.code)).not.toContain('TSC_AUX_NOT_CPU');
    const m = runMethods({ binding: failing, inputs });
    expect(m.methods.find((x) => x.method === 'rdtscp')?.caveat ?? '').not.toMatch(/TSC_AUX/);
  });
});

describe('the capture file, rdtscp-probe.txt', () => {
  it("reads the shared PVM capture's own lines: TSC_AUX 292/310 on a 2-CPU guest names no CPU", () => {
    const facts = parseTscAuxCapture(pvmCapture, { online: [0, 1], offered: { rdtscp: false, rdpid: false } });
    expect(facts.from).toBe('capture');
    expect(facts.cpus).toEqual([0, 1]);
    for (const i of ['rdtscp', 'rdpid'] as const) {
      const f = facts[i];
      expect(f.offered).toBe(false);
      expect(f.executes).toBe(true);
      expect(f.values).toEqual([292, 310]);
      expect(f.reads).toHaveLength(3);
      // The file does not say where each read ran; 292 and 310 are no CPU of a 2-CPU guest.
      expect(f.reads.every((r) => r.pinned === null && r.namesCpu === false)).toBe(true);
      expect(f.namesCpu).toBe('never');
    }
    expect(facts.rdtscp.reads[0]?.tsc).toBe('540174599205381');
    // Without the online CPUs nothing can be judged.
    expect(parseTscAuxCapture(pvmCapture).rdtscp.namesCpu).toBeNull();
  });

  it('reads pins, moves and faults, and refuses a line that is no read', () => {
    const text = [
      '# online 0-3',
      '# cpuid rdtscp offered, rdpid hidden',
      'cpu 0: rdtscp works: 10 aux=0',
      'cpu 1 (ran on 2): rdtscp works: 11 aux=2',
      'cpu 2 (ran on ?): rdtscp works: 12 aux=7',
      'cpu 3: rdtscp works: 13 aux=1',
      'cpu 0: rdpid faults: SIGILL',
      '# pinned to CPU 3',
      'rdtscp works: 14 aux=3',
    ].join('\n');
    const f = parseTscAuxCapture(text);
    expect(f.cpus).toEqual([0, 1, 2, 3]);
    expect(f.rdtscp.reads.map((r) => [r.pinned, r.ranOn, r.namesCpu])).toEqual([
      [0, 0, true],
      [1, 2, true],
      [2, null, false],
      [3, 3, false],
      [3, 3, true],
    ]);
    expect(f.rdtscp.namesCpu).toBe('sometimes');
    expect(f.rdpid).toMatchObject({ offered: false, executes: false, signal: 'SIGILL', faultedOn: 0, reads: [], namesCpu: null });
    expect(() => parseTscAuxCapture('rdtscp maybe\n')).toThrow(/line 1: not a read/);
  });
});

describe('the facts through the ProbeInputs seam', () => {
  const pvm = parseTscAuxCapture(pvmCapture, { online: [0, 1] });

  it.skipIf(unmet({ x86: true }))('info shows the PVM capture: hidden, executes, TSC_AUX 292/310 never the CPU; findings for both', () => {
    // The capture does not say what CPUID offers: the inputs' CPUID does (here this machine's).
    const inputs = withFacts(pvm);
    const r = InfoResult.parse(runInfo({ inputs }));
    const features = { rdtscp: (binding.cpuid(0x80000001, 0).edx >>> 27) & 1, rdpid: (binding.cpuid(7, 0).ecx >>> 22) & 1 };
    expect(r.tscAux?.rdtscp.offered).toBe(features.rdtscp === 1);
    expect(r.tscAux?.rdtscp).toMatchObject({ executes: true, values: [292, 310], namesCpu: 'never' });
    const aux = r.findings.find((f) => f.code === 'TSC_AUX_NOT_CPU');
    expect(aux?.args).toMatchObject({ instructions: 'rdtscp,rdpid', values: '292,310', cpus: '0-1', never: true });
    expect(phrase(aux ?? { code: '', severity: 'info', args: {} }).text).toMatch(/reads 292\/310, never the CPU the thread was pinned to \(CPUs 0-1\)/);
    const hidden = r.findings.some((f) => f.code === 'INSTRUCTION_HIDDEN_EXECUTES');
    expect(hidden).toBe(features.rdtscp === 0 || features.rdpid === 0);
    // The text line, from the report model.
    const model = JSON.stringify(infoModel(r));
    expect(model).toContain("TSC_AUX 292/310, never this guest's CPU number (a reader that picks its pvclock record by it picks the wrong one)");
  });

  it.skipIf(unmet({ x86: true }))('info on the capture says hidden where the capture says so, and a truthful TSC_AUX earns no finding', () => {
    const honest = parseTscAuxCapture(
      ['# online 0-1', '# cpuid rdtscp offered, rdpid offered', 'cpu 0: rdtscp works: 1 aux=0', 'cpu 0: rdpid works: 0', 'cpu 1: rdtscp works: 2 aux=4097', 'cpu 1: rdpid works: 4097'].join('\n'),
    );
    const r = runInfo({ inputs: withFacts(honest) });
    expect(r.tscAux?.rdtscp.namesCpu).toBe('always');
    expect(r.findings.map((f) => f.code)).not.toContain('TSC_AUX_NOT_CPU');
    expect(r.findings.map((f) => f.code)).not.toContain('INSTRUCTION_HIDDEN_EXECUTES');
    expect(JSON.stringify(infoModel(r))).toContain('offered by CPUID, executes (capture); TSC_AUX names the CPU on every read (CPUs 0-1, 1 round)');
  });

  it.skipIf(skipping(pvclockUnmet(binding)))('methods refuses pvclock_rdtscp with the reason, even where CPUID offers RDTSCP; rdtscp says what TSC_AUX is', () => {
    const facts = parseTscAuxCapture(LYING_OFFERED);
    const m = runMethods({ inputs: withFacts(facts) });
    const p = m.methods.find((x) => x.method === 'pvclock_rdtscp');
    expect(p).toMatchObject({ available: false, cause: 'cpu' });
    expect(p?.reason).toMatch(/^it picks its pvclock record by RDTSCP's TSC_AUX, which here reads 5\/7, never the CPU the thread runs on \(CPUs 0-1\)/);
    // Offered: nothing about CPUID hiding it.
    expect(p?.reason).not.toMatch(/hides/);
    expect(m.methods.find((x) => x.method === 'rdtscp')?.caveat).toMatch(/TSC_AUX reads 5\/7, never the CPU it ran on/);
    // The same through the library's door for every command.
    const a = methodAvailability(binding, spec('pvclock_rdtscp'), withFacts(facts));
    expect(a.available).toBe(false);
    // The PVM capture: hidden too, and said so.
    expect(pvclockRdtscpRefusal({ ...pvm, rdtscp: { ...pvm.rdtscp, offered: false } })).toMatch(/292\/310, never .*; CPUID also hides RDTSCP \(CPUID\.80000001H:EDX\[27\] is clear\)$/);
    expect(pvclockRdtscpRefusal(parseTscAuxCapture('# online 0-1\ncpu 0: rdtscp works: 1 aux=0\ncpu 1: rdtscp works: 1 aux=1\n'))).toBeNull();
  });

  it.skipIf(unmet({ x86: true }))('asked by name, pvclock_rdtscp exits 3 wherever it cannot run, with the reason the probe gives', () => {
    const why = pvclockUnmet(binding) ?? pvclockRdtscpRefusal(probeTscAux(binding, online, 3));
    const r = runCli(['bench', '--methods', 'pvclock_rdtscp', '--loops', '2000', '--runs', '1']);
    if (why === null && binding.features().rdtscp) {
      expect(r.code, r.stderr).toBe(0);
    } else {
      expect(r.code, r.stderr).toBe(3);
      if (why !== null && pvclockUnmet(binding) === null) expect(r.stderr).toMatch(/TSC_AUX/);
    }
  });

  it.skipIf(unmet({ x86: true }))("check's tsc check says what TSC_AUX is; where CPUID offers it and it lies, a warning", async () => {
    const timesync = () => ({ timex: { error: 'not read' }, daemons: [], ptpClocks: [] });
    const HONEST = '# online 0-1\n# cpuid rdtscp offered, rdpid offered\ncpu 0: rdtscp works: 1 aux=0\ncpu 0: rdpid works: 0\ncpu 1: rdtscp works: 2 aux=1\ncpu 1: rdpid works: 1\n';
    const run = (capture: string, light = false) => {
      const facts = parseTscAuxCapture(capture);
      const bench = async () => benchResult({ monotonic: 26, realtime: 27, sys_monotonic: 1250 });
      return runCheck({ strict: false, light, inputs: withFacts(facts), collect: { bench, warp: async () => warpResult(), pvclock: () => null, kernelLog: () => null, timesync } });
    };
    const honest = await run(HONEST);
    const lying = await run(LYING_OFFERED);
    const tsc = (r: typeof honest) => r.checks.find((c) => c.name === 'tsc');
    expect(tsc(honest)?.findings.map((f) => f.code)).not.toContain('CHECK_TSC_AUX');
    expect(tsc(honest)?.evidence['rdtscpTscAuxNamesCpu']).toBe('always');
    const detail = tsc(lying)?.findings.find((f) => f.code === 'CHECK_TSC_AUX');
    expect(detail?.severity).toBe('warn');
    expect(phrase(detail ?? { code: '', severity: 'info', args: {} }).text).toBe(
      'TSC_AUX (RDTSCP, RDPID) reads 5/7, never the CPU the thread was pinned to (the rdtscp-based pvclock reader is refused)',
    );
    expect(tsc(lying)?.status).toBe('warn');
    expect(lying.findings.map((f) => f.code)).toContain('TSC_AUX_NOT_CPU');
    // The same run's medians: 1250 ns against 26 ns.
    expect(lying.findings.find((f) => f.code === 'SYSCALL_READ_COSTLY')?.args).toMatchObject({ nsPerLoop: 26, syscallNsPerLoop: 1250 });
    // check --light leaves the probe out (two forks cost more than it may spend).
    const light = await run(LYING_OFFERED, true);
    expect(light.findings.map((f) => f.code)).not.toContain('TSC_AUX_NOT_CPU');
  });
});

describe('a system-call read at 10x the vDSO or more', () => {
  it('is a finding from the same run, not under that ratio', () => {
    const f = syscallCostFinding(benchResult({ monotonic: 26, sys_monotonic: 1250 }).methods);
    expect(f?.code).toBe('SYSCALL_READ_COSTLY');
    expect(f?.args).toMatchObject({ method: 'monotonic', syscallMethod: 'sys_monotonic', ratio: 48.1 });
    expect(phrase(f ?? { code: '', severity: 'info', args: {} }).text).toMatch(/^A clock_gettime system call \(sys_monotonic, 1250\.0 ns\) costs 48x the vDSO's read \(monotonic, 26\.0 ns\)/);
    expect(syscallCostFinding(benchResult({ monotonic: 26, sys_monotonic: 26 * SYSCALL_COSTLY_RATIO - 1 }).methods)).toBeNull();
    // The vDSO fell back: the two cost alike, and another finding says so.
    expect(syscallCostFinding(benchResult({ monotonic: 1200, sys_monotonic: 1250 }).methods)).toBeNull();
    expect(syscallCostFinding(benchResult({ monotonic: 26 }).methods)).toBeNull();
  });

  it('bench says it on this machine exactly when its own medians are that far apart', async () => {
    const r = await runBench({ methods: [spec('monotonic'), spec('sys_monotonic')], loops: 20_000, runs: 3, durationSeconds: null, cpu: online[0] ?? 0, warmup: true, ratioIntervals: false, binding });
    const median = (id: string): number => {
      const m = r.methods.find((x) => x.method === id);
      return m?.status === 'measured' ? m.summary.medianNsPerLoop : NaN;
    };
    const ratio = median('sys_monotonic') / median('monotonic');
    process.stderr.write(`[INFO] syscall cost: sys_monotonic ${median('sys_monotonic').toFixed(1)} ns, monotonic ${median('monotonic').toFixed(1)} ns, ${ratio.toFixed(1)}x\n`);
    expect(r.findings.some((f) => f.code === 'SYSCALL_READ_COSTLY')).toBe(ratio >= SYSCALL_COSTLY_RATIO);
  });
});

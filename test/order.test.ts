// `clocklab order` as a user runs it: the self-test catches the wrong-order
// reader, the ordered reads hold load->read here, plain rdtsc is reported
// either way, bad input exits 2 and one CPU exits 3.
import { describe, expect, it } from 'vitest';
import { OrderResult, type OrderResultT } from '../src/results/order.js';
import { MethodsResult } from '../src/results/methods.js';
import { runCli } from './helpers/cli.js';
import { unmet } from './helpers/needs.js';
import { loadBinding } from '../src/native/binding.js';

/** The ordered TSC read this CPU offers: RDTSCP where CPUID has it, else LFENCE;RDTSC. */
const hasRdtscp = loadBinding().features().rdtscp;
const read = hasRdtscp ? 'rdtscp' : 'lfence_rdtsc';

describe('clocklab order: bad input exits 2 with a clear message', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--patterns', 'load-write'], /unknown pattern 'load-write'; known patterns: load-read, store-read/],
    [['--patterns', ','], /the pattern list \(--patterns\) is empty/],
    [['--methods', 'nope'], /unknown method 'nope'/],
    [['--methods', 'getcpu,sys_monotonic'], /getcpu, sys_monotonic have no order promise to test \(--methods\)/],
    [['--duration', '0'], /--duration must be a number of seconds above 0/],
  ];
  for (const [args, message] of cases) {
    it(`order ${args.join(' ')}`, () => {
      const r = runCli(['order', ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }

  it('one CPU only: a pair needs two CPUs, exit 3', () => {
    const r = runCli(['order', '--cpus', '0', '--methods', 'lfence_rdtsc']);
    expect(r.stderr).toMatch(/a pair needs two CPUs/);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
  });
});

describe.skipIf(unmet({ cpus: 2, x86: true }))('clocklab order on this machine', () => {
  it('--self-test catches the wrong-order reader in both patterns and exits 0', () => {
    const r = runCli(['order', '--self-test', '--json', '--cpus', '0,1']);
    expect(r.stderr).toBe('');
    const result = OrderResult.parse(JSON.parse(r.stdout));
    // The best ordered read CPUID offers, for the self-test and the bound alike.
    expect(result.selfTest?.method).toBe(read);
    expect(result.offsetMethod).toBe(read);
    expect(result.selfTest?.passed, result.selfTest?.reason).toBe(true);
    expect(result.selfTest?.patterns.map((p) => p.pattern)).toEqual(['load-read', 'store-read']);
    for (const p of result.selfTest?.patterns ?? []) expect(p.beyondBound).toBeGreaterThan(0);
    expect(r.code).toBe(0);
  });

  // rdtscp where it runs: named, a method that cannot run is refused (exit 3).
  const methods = ['rdtsc', ...(hasRdtscp ? ['rdtscp'] : []), 'lfence_rdtsc', 'monotonic', 'monotonic_raw', 'realtime'];
  let result: OrderResultT | null = null;
  let code: number | null = null;
  const run = (): OrderResultT => {
    if (!result) {
      const r = runCli(['order', '--json', '--patterns', 'load-read', '--methods', methods.join(','), '--duration', '0.3', '--cpus', '0,1']);
      code = r.code;
      result = OrderResult.parse(JSON.parse(r.stdout));
    }
    return result;
  };

  it('lfence_rdtsc and rdtscp (where CPUID offers it) hold load->read, as the SDM promises', () => {
    for (const id of methods.filter((m) => m === 'rdtscp' || m === 'lfence_rdtsc')) {
      const t = run().tests.find((x) => x.method === id);
      expect(t?.status, id).toBe('measured');
      if (t?.status !== 'measured') continue;
      expect(t.promised).toBe(true);
      expect(t.samples).toBeGreaterThan(0);
      expect(t.verdict, `${id}: ${t.beyondBound} beyond the bound`).toBe('held');
    }
    expect(code).toBe(0);
  });

  it('the vDSO clocks hold load->read', () => {
    for (const id of ['monotonic', 'monotonic_raw', 'realtime']) {
      const t = run().tests.find((x) => x.method === id);
      expect(t?.status).toBe('measured');
      if (t?.status === 'measured') expect(t.verdict, `${id}: ${t.beyondBound} beyond the bound`).toBe('held');
    }
  });

  it("plain rdtsc's outcome is reported either way, with the pair's bound", () => {
    const r = run();
    const t = r.tests.find((x) => x.method === 'rdtsc');
    expect(t?.status).toBe('measured');
    if (t?.status !== 'measured') return;
    expect(t.promised).toBe(false);
    expect(['held', 'allowed']).toContain(t.verdict);
    if (t.verdict === 'allowed') {
      expect(t.worst?.amount).toBeGreaterThan(t.worst?.boundCycles ?? 0);
      expect(r.findings.map((f) => f.code)).toContain('ORDER_ALLOWED');
    }
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0]?.boundCycles).toBeGreaterThanOrEqual(0);
  });

  it('text output: a line per method and pattern, the table beside what the manual promises', () => {
    const r = runCli(['order', '--methods', read, '--patterns', 'load-read', '--duration', '0.2', '--cpus', '0,1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^\\[OK\\]\\s+${read} load->read\\s+held: 0 of [\\d,]+ beyond the offset bound`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`│ ${read}\\s+│ load->read\\s+│ ordered\\s+│`));
    expect(r.stdout).toMatch(/TSC offset bound per CPU pair/);
    expect(r.stdout).toContain(`Ping-pong over one cache line, read with ${read};`);
  });
});

describe('clocklab methods: what the manuals promise', () => {
  it('load->read and store->read columns, with their sources in --json', () => {
    const text = runCli(['methods']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/load->read/);
    const r = MethodsResult.parse(JSON.parse(runCli(['methods', '--json']).stdout));
    const of = (id: string) => r.methods.find((m) => m.method === id);
    expect(of('rdtsc')).toMatchObject({ loadOrdered: false, storeOrdered: false });
    expect(of('rdtscp')).toMatchObject({ loadOrdered: true, storeOrdered: false });
    expect(of('lfence_rdtsc')).toMatchObject({ loadOrdered: true, storeOrdered: false });
    expect(of('mfence_lfence_rdtsc')).toMatchObject({ loadOrdered: true, storeOrdered: true });
    expect(of('monotonic')).toMatchObject({ loadOrdered: true, storeOrdered: false });
    expect(of('sys_monotonic')?.loadOrdered).toBeNull();
    expect(of('rdtscp')?.orderSource).toMatch(/Intel SDM Vol\. 2B, RDTSCP/);
  });
});

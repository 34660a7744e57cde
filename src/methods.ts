// methods.ts: the one registry of ways to read time. bench, warp, compare,
// check, order, the reports and the tests all iterate it; each method is
// declared once, in METHODS below. The native half (native/methods.cc, with
// what each read needs before its first read) is found by name, and
// test/clocks.test.ts checks the two agree. Data only: finding a method in
// the addon and preparing its read is src/probes/native-method.ts, whether
// it runs here src/probes/availability.ts.

/**
 * What a method promises across CPUs:
 * - `monotonic`: must never go backwards; a warp fails the run.
 * - `may-step`: wall-clock time that NTP or settimeofday may step; a warp is reported.
 * - `unordered`: a read the CPU may reorder (plain RDTSC); a warp is a finding.
 * - `per-thread`: CPU time of the calling thread or process; not comparable across CPUs.
 * - `not-time`: not a clock at all (the CPU number); timed, never warp-checked.
 */
export type Contract = 'monotonic' | 'may-step' | 'unordered' | 'per-thread' | 'not-time';

/** What a method needs of the machine beyond an x86 CPU. `pvclock`: the
 * page the read takes its record from (the native table says so too, as the
 * method's `page`; test/clocks.test.ts checks they agree). */
export type Requirement = 'rdtscp' | 'rdpid' | 'sse2' | 'constant_tsc' | 'pvclock';

/** The unit of a method's values. */
export type Unit = 'cycles' | 'ns' | 'cpu';

/** What the manuals (or, for the clocks, the kernel) promise about a read's
 * order against ordinary memory accesses earlier in program order. */
export interface OrderPromise {
  /** load -> read: the read comes after every earlier load (ordered like a load). */
  load: boolean;
  /** store -> read: the read comes after every earlier store is globally visible. */
  store: boolean;
  /** Where the promise (or its absence) is written down. */
  source: string;
}

export interface MethodSpec {
  /** The name users type: `clocklab bench --methods monotonic,rdtscp`. */
  id: string;
  /** One line on what it reads. */
  description: string;
  requires: readonly Requirement[];
  contract: Contract;
  unit: Unit;
  /** Whether the read goes through the vDSO, a system call, or the CPU alone. */
  path: 'cpu' | 'vdso' | 'syscall';
  /** The order promise `clocklab order` tests; absent where it is not asked
   * (system calls, CPU time, CPU numbers). */
  order?: OrderPromise;
}

const SDM_RDTSC = 'Intel SDM Vol. 2B, RDTSC; AMD APM Vol. 3, RDTSC';
/** The promises the `order` command judges by. */
const ORDER_RDTSCP: OrderPromise = {
  load: true,
  store: false,
  source: 'Intel SDM Vol. 2B, RDTSCP: waits for earlier loads to be globally visible, not for earlier stores (MFENCE first for that); AMD APM Vol. 3, RDTSCP',
};
/** The vDSO reads the TSC with rdtsc_ordered() (arch/x86/include/asm/msr.h,
 * now asm/tsc.h): RDTSCP or LFENCE;RDTSC, ordered like a load, nothing for stores. */
const VDSO_ORDER: OrderPromise = { load: true, store: false, source: 'rdtsc_ordered(), arch/x86/include/asm/msr.h: ordered like a load; stores not ordered' };
/** The coarse clocks and the wall clocks of one tick read memory only. */
const LOAD_ORDER: OrderPromise = {
  load: true,
  store: false,
  source: 'Intel SDM Vol. 3A, "Memory Ordering in P6 and More Recent Processor Families": reads are not reordered with other reads, but may be with older writes to other locations',
};

const tsc = (id: string, description: string, requires: Requirement[], contract: Contract, order: OrderPromise): MethodSpec => ({
  id,
  description,
  requires,
  contract,
  unit: 'cycles',
  path: 'cpu',
  order,
});

const clock = (id: string, contract: Contract, path: 'vdso' | 'syscall', description: string): MethodSpec => ({
  id,
  description,
  requires: [],
  contract,
  unit: 'ns',
  path,
  // A clock of the vDSO that is time, not CPU time: the vDSO's TSC read, or
  // memory only (the coarse clocks, time()).
  ...(path === 'vdso' && contract !== 'per-thread' ? { order: id.endsWith('_coarse') || id === 'time' ? LOAD_ORDER : VDSO_ORDER } : {}),
});

const clockContracts: ReadonlyArray<[string, Contract, string]> = [
  ['realtime', 'may-step', 'CLOCK_REALTIME'],
  ['monotonic', 'monotonic', 'CLOCK_MONOTONIC'],
  ['monotonic_raw', 'monotonic', 'CLOCK_MONOTONIC_RAW'],
  ['boottime', 'monotonic', 'CLOCK_BOOTTIME'],
  ['tai', 'may-step', 'CLOCK_TAI'],
  ['realtime_coarse', 'may-step', 'CLOCK_REALTIME_COARSE'],
  ['monotonic_coarse', 'monotonic', 'CLOCK_MONOTONIC_COARSE'],
  ['process_cputime', 'per-thread', 'CLOCK_PROCESS_CPUTIME_ID'],
  ['thread_cputime', 'per-thread', 'CLOCK_THREAD_CPUTIME_ID'],
];

/** The coarse clocks advance once a tick (kernel/time/timekeeping.c keeps
 * them at the last tick's time), which is what makes them cheap. */
const tick = (id: string): string => (id.endsWith('_coarse') ? ', tick resolution' : '');

/** Every method, in the order reports list them. */
export const METHODS: readonly MethodSpec[] = [
  tsc('rdtsc', 'RDTSC, unfenced: may execute before earlier loads', [], 'unordered', {
    load: false,
    store: false,
    source: `${SDM_RDTSC}: not serializing, need not wait for earlier instructions`,
  }),
  tsc('rdtscp', 'RDTSCP: TSC after earlier loads, plus TSC_AUX', ['rdtscp', 'constant_tsc'], 'monotonic', ORDER_RDTSCP),
  tsc('lfence_rdtsc', 'LFENCE;RDTSC', ['sse2', 'constant_tsc'], 'monotonic', {
    load: true,
    store: false,
    source: `${SDM_RDTSC}: LFENCE before it, after earlier loads; stores need MFENCE;LFENCE (AMD: LFENCE dispatch-serializing, DE_CFG[1], arch/x86/kernel/cpu/amd.c)`,
  }),
  tsc('mfence_rdtsc', 'MFENCE;RDTSC', ['sse2', 'constant_tsc'], 'monotonic', {
    load: false,
    store: false,
    source: `${SDM_RDTSC}: MFENCE orders loads and stores, not RDTSC; not among the sequences the SDM gives`,
  }),
  tsc('mfence_lfence_rdtsc', 'MFENCE;LFENCE;RDTSC: TSC after earlier loads and stores', ['sse2', 'constant_tsc'], 'monotonic', {
    load: true,
    store: true,
    source: `${SDM_RDTSC}: MFENCE;LFENCE before it, after earlier loads and stores are globally visible`,
  }),
  { id: 'rdpid', description: 'RDPID: the CPU number from TSC_AUX', requires: ['rdpid'], contract: 'not-time', unit: 'cpu', path: 'cpu' },
  { id: 'getcpu', description: 'getcpu(2) through the vDSO', requires: [], contract: 'not-time', unit: 'cpu', path: 'vdso' },
  ...clockContracts.map(([id, c, what]) => clock(id, c, 'vdso', `clock_gettime(${what})${tick(id)}`)),
  ...clockContracts.map(([id, c, what]) => clock(`sys_${id}`, c, 'syscall', `syscall(SYS_clock_gettime, ${what})${tick(id)}`)),
  clock('gettimeofday', 'may-step', 'vdso', 'gettimeofday(2), microseconds'),
  clock('time', 'may-step', 'vdso', 'time(2), seconds'),
  // The two pvclock readers of the 2014 discussion (native/pvclock.h): the
  // vDSO's reader and the rdtscp-based proposal, run by clocklab itself on the page the vDSO maps: 'cpu' path, no vDSO call involved.
  {
    id: 'pvclock_vdso',
    description: "vCPU 0's pvclock record under the version seqlock with an ordered TSC read, as the vDSO's vread_pvclock()",
    requires: ['pvclock', 'sse2', 'constant_tsc'],
    contract: 'monotonic',
    unit: 'ns',
    path: 'cpu',
    order: { load: true, store: false, source: 'LFENCE;RDTSC as rdtsc_ordered() (arch/x86/include/asm/msr.h); Intel SDM Vol. 2B, RDTSC' },
  },
  {
    id: 'pvclock_rdtscp',
    description: 'RDTSCP gives TSC and CPU together; that CPU\'s pvclock record; retry if the version moved or tsc < tsc_timestamp',
    requires: ['pvclock', 'rdtscp', 'constant_tsc'],
    contract: 'monotonic',
    unit: 'ns',
    path: 'cpu',
    order: { ...ORDER_RDTSCP, source: `RDTSCP as rdtsc_ordered() (arch/x86/include/asm/msr.h); ${ORDER_RDTSCP.source}` },
  },
];

export function findMethod(id: string): MethodSpec | undefined {
  return METHODS.find((m) => m.id === id);
}

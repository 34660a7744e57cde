// tsc-aux.ts: do RDTSCP and RDPID execute here, whatever CPUID says, and does
// the TSC_AUX they return name the CPU the thread runs on?
//
// Linux writes IA32_TSC_AUX = (node << 12) | cpu on each CPU, and only when it
// sees RDTSCP or RDPID (setup_getcpu(), arch/x86/kernel/cpu/common.c;
// vdso_encode_cpunode(), arch/x86/include/asm/segment.h). RDTSCP returns the
// MSR in ECX and RDPID in a register (Intel SDM Vol. 2B, RDTSCP, RDPID), so a
// reader that takes its CPU from either (the vDSO's getcpu where RDPID is
// offered; the rdtscp-based pvclock reader of the 2014 thread) trusts that
// write. A hypervisor may leave the instructions executable while CPUID hides
// them: the guest kernel then never writes TSC_AUX, and it holds whatever a
// lower layer put there (the outer machine's CPU number, on a PVM guest
// nested in bhyve).
//
// The instructions run only in a forked child (native/tscaux.h), pinned to
// each CPU in turn for several rounds, never in this process: a CPU without
// them kills the child with SIGILL, and that is a fact, not a crash.
import { constants } from 'node:os';
import { formatCpuList, parseCpuList } from '../cpulist.js';
import type { Binding, NativeTscAuxProbe } from '../native/binding.js';
import { decodeNativeError } from '../native/errors.js';
import { onlineCpus } from './cpus.js';
import { readCpuidFacts } from './cpuid.js';
import type { ProbeInputs } from './machine.js';

export type TscAuxInstruction = 'rdtscp' | 'rdpid';
export const TSC_AUX_INSTRUCTIONS: readonly TscAuxInstruction[] = ['rdtscp', 'rdpid'];

/** The CPUID bit that offers each (Intel SDM Vol. 2A, CPUID; as native/cpuid.h names them). */
export const TSC_AUX_CPUID_BIT: Record<TscAuxInstruction, string> = {
  rdtscp: 'CPUID.80000001H:EDX[27]',
  rdpid: 'CPUID.(EAX=7,ECX=0):ECX[22]',
};

/** Rounds over every CPU: TSC_AUX was seen to change between runs on a
 * nested guest, so one read per CPU would not do. */
export const TSC_AUX_ROUNDS = 3;

/** TSC_AUX's fields as Linux encodes them: bits 0-11 the CPU, the rest the
 * node (VDSO_CPUNODE_BITS, arch/x86/include/asm/segment.h). */
export const auxCpu = (aux: number): number => aux & 0xfff;
export const auxNode = (aux: number): number => aux >>> 12;

export interface TscAuxRead {
  /** Which pass over the CPUs (0-based). */
  round: number;
  /** The CPU the reading thread was pinned to; null where a capture does not say. */
  pinned: number | null;
  /** The CPU getcpu(2) saw before and after the read, when it was the same;
   * null where unknown (a capture) or the thread moved. */
  ranOn: number | null;
  /** TSC_AUX as the instruction returned it. */
  aux: number;
  /** RDTSCP's TSC, decimal; null for RDPID. */
  tsc: string | null;
  /** Whether TSC_AUX's CPU field is the CPU the read ran on. Where that CPU is
   * unknown: false when the field is no CPU of this machine at all, else null. */
  namesCpu: boolean | null;
}

/** What was found for one instruction. */
export interface TscAuxInstructionFacts {
  instruction: TscAuxInstruction;
  /** Whether CPUID offers it (as the addon reads CPUID, with a test's mask);
   * null where unknown (a capture that does not say). */
  offered: boolean | null;
  /** Whether it executed; null where it was not tried. */
  executes: boolean | null;
  /** The signal that ended the child (SIGILL: the CPU lacks it), else null. */
  signal: string | null;
  /** The CPU the child was pinned to when the signal came. */
  faultedOn: number | null;
  reads: TscAuxRead[];
  /** Distinct TSC_AUX values read, ascending. */
  values: number[];
  /** Over the reads that can be judged: every one named its CPU ('always'),
   * none did ('never'), some did ('sometimes'); null when none can be judged. */
  namesCpu: 'always' | 'never' | 'sometimes' | null;
}

export interface TscAuxFacts {
  /** The CPUs probed (this machine's online CPUs); what a TSC_AUX must name. */
  cpus: number[];
  rounds: number;
  /** 'probe': measured now; 'capture': read from a capture file. */
  from: 'probe' | 'capture';
  rdtscp: TscAuxInstructionFacts;
  rdpid: TscAuxInstructionFacts;
}

/** Whether an instruction executes and returns a TSC_AUX that is not (always)
 * the CPU: what a reader that trusts it gets wrong. */
export function auxMisleads(f: TscAuxInstructionFacts): boolean {
  return f.executes === true && (f.namesCpu === 'never' || f.namesCpu === 'sometimes');
}

/** Whether CPUID hides an instruction that executes anyway. */
export function hiddenButExecutes(f: TscAuxInstructionFacts): boolean {
  return f.offered === false && f.executes === true;
}

const signalName = (n: number): string => Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;

function judgeRead(aux: number, ranOn: number | null, cpus: readonly number[]): boolean | null {
  if (ranOn !== null) return auxCpu(aux) === ranOn;
  return cpus.length > 0 && !cpus.includes(auxCpu(aux)) ? false : null;
}

/** The summary of an instruction's reads (values, namesCpu). */
function summarise(base: Omit<TscAuxInstructionFacts, 'values' | 'namesCpu'>): TscAuxInstructionFacts {
  const judged = base.reads.flatMap((r) => (r.namesCpu === null ? [] : [r.namesCpu]));
  const namesCpu = judged.length === 0 ? null : judged.every((x) => x) ? 'always' : judged.some((x) => x) ? 'sometimes' : 'never';
  const values = [...new Set(base.reads.map((r) => r.aux))].sort((a, b) => a - b);
  return { ...base, values, namesCpu };
}

function fromNative(instruction: TscAuxInstruction, offered: boolean, p: NativeTscAuxProbe, cpus: readonly number[]): TscAuxInstructionFacts {
  const reads = p.reads.map((r, i): TscAuxRead => {
    const pinned = r.pinErrno === 0 ? r.cpu : null;
    const ranOn = r.cpuBefore >= 0 && r.cpuBefore === r.cpuAfter ? r.cpuAfter : null;
    return {
      round: Math.floor(i / cpus.length),
      pinned,
      ranOn,
      aux: r.aux,
      tsc: instruction === 'rdtscp' ? r.tsc.toString() : null,
      namesCpu: judgeRead(r.aux, ranOn, cpus),
    };
  });
  return summarise({
    instruction,
    offered,
    executes: p.signal === 0 || reads.length > 0 ? true : false,
    signal: p.signal === 0 ? null : signalName(p.signal),
    faultedOn: p.faulted?.cpu ?? null,
    reads,
  });
}

/**
 * Executes RDTSCP and RDPID in a forked child each, `rounds` times on every
 * CPU of `cpus`, and judges what came back. CPUID's answer is the addon's
 * (binding.features(), so a test's mask hides an instruction here too); the
 * instructions run in the child whatever it says.
 */
export function probeTscAux(binding: Binding, cpus: readonly number[], rounds: number = TSC_AUX_ROUNDS): TscAuxFacts {
  const features = binding.features();
  const list = [...cpus];
  const rdtscp = fromNative('rdtscp', features.rdtscp, binding.tscAuxProbe(0, list, rounds), list);
  const rdpid = fromNative('rdpid', features.rdpid, binding.tscAuxProbe(1, list, rounds), list);
  return { cpus: list, rounds, from: 'probe', rdtscp, rdpid };
}

/** The native reads of one process, kept: two forks cost ~8 ms of CPU, and
 * info, methods and each method's availability ask the same question. The
 * CPUID answer is taken afresh each time, so a test's mask still applies. */
const probed = new Map<string, { rdtscp: NativeTscAuxProbe; rdpid: NativeTscAuxProbe }>();

/** probeTscAux, probing once per process for a given set of CPUs and rounds. */
export function probeTscAuxOnce(binding: Binding, cpus: readonly number[], rounds: number = TSC_AUX_ROUNDS): TscAuxFacts {
  const list = [...cpus];
  const key = `${list.join(',')}/${rounds}`;
  let p = probed.get(key);
  if (!p) {
    p = { rdtscp: binding.tscAuxProbe(0, list, rounds), rdpid: binding.tscAuxProbe(1, list, rounds) };
    probed.set(key, p);
  }
  const features = binding.features();
  return {
    cpus: list,
    rounds,
    from: 'probe',
    rdtscp: fromNative('rdtscp', features.rdtscp, p.rdtscp, list),
    rdpid: fromNative('rdpid', features.rdpid, p.rdpid, list),
  };
}

/** The values read, for sentences: `292/310`. */
export const auxValues = (f: TscAuxInstructionFacts): string => f.values.join('/');

// --- The capture file, rdtscp-probe.txt -------------------------------------
//
// The layout of ../shared/machines/pvm-on-bhyve-amd/rdtscp-probe.txt, one
// line a read, extended with the CPU the reading thread was pinned to and a
// few `#` header lines:
//
//   # clocklab tsc-aux: RDTSCP and RDPID in a forked child, pinned to each CPU, 3 rounds
//   # online 0-1
//   # cpuid rdtscp hidden, rdpid hidden
//   cpu 0: rdtscp works: 540174599205381 aux=292
//   cpu 0: rdpid works: 292
//   cpu 1 (ran on 0): rdtscp works: 540174642002121 aux=292
//   cpu 0: rdtscp faults: SIGILL
//
// A line without `cpu N:` (the shared capture's own lines) is a read whose
// CPU is unknown, unless a `# pinned to CPU N` line came before it. `(ran on N)` appears only where getcpu saw another CPU than
// the one pinned (`(ran on ?)` where it saw the thread move, or pinning failed).

/** What a capture file does not say and the machine does: its online CPUs
 * (cpu-online) and CPUID's bits (cpuid.txt). Given values win over the file's. */
export interface TscAuxCaptureContext {
  online?: readonly number[];
  offered?: Partial<Record<TscAuxInstruction, boolean>>;
}

/** The facts as rdtscp-probe.txt lines, read by read: for each round, each
 * CPU, RDTSCP's line then RDPID's. */
export function formatTscAuxCapture(facts: TscAuxFacts): string {
  const lines = [
    `# clocklab tsc-aux: RDTSCP and RDPID executed in a forked child, pinned to each CPU, ${facts.rounds} round${facts.rounds === 1 ? '' : 's'}`,
    `# online ${formatCpuList(facts.cpus)}`,
    `# cpuid ${TSC_AUX_INSTRUCTIONS.map((i) => `${i} ${facts[i].offered === null ? 'unknown' : facts[i].offered ? 'offered' : 'hidden'}`).join(', ')}`,
  ];
  const prefix = (r: TscAuxRead): string => {
    if (r.pinned === null && r.ranOn === null) return '';
    if (r.pinned === null) return `cpu ? (ran on ${r.ranOn}): `;
    return r.ranOn === r.pinned ? `cpu ${r.pinned}: ` : `cpu ${r.pinned} (ran on ${r.ranOn ?? '?'}): `;
  };
  const line = (i: TscAuxInstruction, r: TscAuxRead): string =>
    i === 'rdtscp' ? `${prefix(r)}rdtscp works: ${r.tsc ?? 0} aux=${r.aux}` : `${prefix(r)}rdpid works: ${r.aux}`;
  const n = Math.max(facts.rdtscp.reads.length, facts.rdpid.reads.length);
  for (let k = 0; k < n; k++) {
    for (const i of TSC_AUX_INSTRUCTIONS) {
      const r = facts[i].reads[k];
      if (r) lines.push(line(i, r));
    }
  }
  for (const i of TSC_AUX_INSTRUCTIONS) {
    const f = facts[i];
    if (f.signal !== null) lines.push(`${f.faultedOn === null ? '' : `cpu ${f.faultedOn}: `}${i} faults: ${f.signal}`);
    else if (f.executes === null) lines.push(`${i} not tried`);
  }
  return `${lines.join('\n')}\n`;
}

const READ_LINE = /^(?:cpu (\d+|\?)(?: \(ran on (\d+|\?)\))?:\s*)?(rdtscp|rdpid) (works|faults|not tried)(?::\s*(.*))?$/;

/** Reads a capture in the layout above (the shared capture's own lines
 * included). Reads whose CPU the file does not give are judged against the
 * online CPUs: a value that is no CPU of the machine names none. */
export function parseTscAuxCapture(text: string, context: TscAuxCaptureContext = {}): TscAuxFacts {
  let online: number[] | null = context.online ? [...context.online] : null;
  const offered: Record<TscAuxInstruction, boolean | null> = { rdtscp: null, rdpid: null };
  let rounds: number | null = null;
  type Raw = { pinned: number | null; ranOn: number | null; aux: number; tsc: string | null };
  const raw: Record<TscAuxInstruction, Raw[]> = { rdtscp: [], rdpid: [] };
  const fault: Record<TscAuxInstruction, { signal: string; cpu: number | null } | null> = { rdtscp: null, rdpid: null };
  const tried: Record<TscAuxInstruction, boolean> = { rdtscp: false, rdpid: false };
  let pinnedByComment: number | null = null;
  for (const [n, full] of text.split('\n').entries()) {
    const l = full.trim();
    if (l === '') continue;
    if (l.startsWith('#')) {
      const pin = /^#\s*pinned to CPU (\d+)/i.exec(l);
      if (pin?.[1]) pinnedByComment = Number(pin[1]);
      const on = /^#\s*online\s+(\S+)/.exec(l);
      if (on?.[1] && !context.online) online = parseCpuList(on[1]);
      const ro = /(\d+) rounds?\b/.exec(l);
      if (ro?.[1] && /^#\s*clocklab tsc-aux/.test(l)) rounds = Number(ro[1]);
      if (/^#\s*cpuid\b/.test(l)) {
        for (const i of TSC_AUX_INSTRUCTIONS) {
          const m = new RegExp(`\\b${i} (offered|hidden)\\b`).exec(l);
          if (m?.[1]) offered[i] = m[1] === 'offered';
        }
      }
      continue;
    }
    const m = READ_LINE.exec(l);
    if (!m) throw new Error(`rdtscp-probe.txt line ${n + 1}: not a read: '${l}'`);
    const [, pinnedText, ranOnText, instrText, what, rest = ''] = m;
    const instruction = instrText as TscAuxInstruction;
    const pinned = pinnedText === undefined ? pinnedByComment : pinnedText === '?' ? null : Number(pinnedText);
    // A line that names only its CPU ran there (getcpu agreed with the pin).
    const ranOn = ranOnText === undefined ? pinned : ranOnText === '?' ? null : Number(ranOnText);
    if (what === 'not tried') continue;
    tried[instruction] = true;
    if (what === 'faults') {
      fault[instruction] = { signal: rest.trim() || 'a signal', cpu: pinned };
      continue;
    }
    const value = instruction === 'rdtscp' ? /^(\d+)\s+aux=(\d+)$/.exec(rest.trim()) : /^(\d+)$/.exec(rest.trim());
    if (!value?.[1]) throw new Error(`rdtscp-probe.txt line ${n + 1}: no value: '${l}'`);
    raw[instruction].push(
      instruction === 'rdtscp'
        ? { pinned, ranOn, aux: Number(value[2]), tsc: value[1] }
        : { pinned, ranOn, aux: Number(value[1]), tsc: null },
    );
  }
  const cpus = online ?? [];
  const build = (i: TscAuxInstruction): TscAuxInstructionFacts => {
    // Rounds: the how-manieth read of the same CPU (or of an unknown one).
    const seen = new Map<string, number>();
    const reads = raw[i].map((r): TscAuxRead => {
      const key = String(r.pinned);
      const round = seen.get(key) ?? 0;
      seen.set(key, round + 1);
      return { round, pinned: r.pinned, ranOn: r.ranOn, aux: r.aux, tsc: r.tsc, namesCpu: judgeRead(r.aux, r.ranOn, cpus) };
    });
    const f = fault[i];
    return summarise({
      instruction: i,
      offered: context.offered?.[i] ?? offered[i],
      executes: tried[i] ? reads.length > 0 || f === null : null,
      signal: f?.signal ?? null,
      faultedOn: f?.cpu ?? null,
      reads,
    });
  };
  const rdtscp = build('rdtscp');
  const rdpid = build('rdpid');
  const perCpu = Math.max(1, ...[rdtscp, rdpid].flatMap((f) => f.reads.map((r) => r.round + 1)));
  return { cpus, rounds: rounds ?? perCpu, from: 'capture', rdtscp, rdpid };
}

/**
 * The TSC_AUX facts of the machine `inputs` describe, on its online CPUs:
 * through the inputs' seam (a replay's capture), else the probe (once per
 * process). A capture that does not say what CPUID offers takes it from the
 * inputs' CPUID. null where the machine is not x86.
 */
export function tscAuxOf(inputs: ProbeInputs, binding: Binding): TscAuxFacts | null {
  if (!inputs.cpuid) return null;
  // A replay knows only what its capture's file says: never the live probe.
  if (inputs.replay && !inputs.tscAux) return null;
  const cpus = onlineCpus(inputs.source);
  let facts: TscAuxFacts;
  try {
    facts = inputs.tscAux ? inputs.tscAux(cpus) : probeTscAuxOnce(binding, cpus);
  } catch (err) {
    // The child could not be made (fork or mmap failed: a pids cgroup at its
    // limit, no memory): TSC_AUX is then not known, and the command goes on.
    if (decodeNativeError(err)?.kind === 'errno') return null;
    throw err;
  }
  if (facts.rdtscp.offered !== null && facts.rdpid.offered !== null) return facts;
  const c = readCpuidFacts(inputs.cpuid);
  const fill = (f: TscAuxInstructionFacts): TscAuxInstructionFacts => ({ ...f, offered: f.offered ?? c[f.instruction] });
  return { ...facts, rdtscp: fill(facts.rdtscp), rdpid: fill(facts.rdpid) };
}

/**
 * Where CPUID offers RDTSCP: does the TSC_AUX it returns name the CPU this
 * thread is on now? A few reads in this process, unpinned (getcpu(2) before
 * and after each; a read between two different CPUs is not judged): cheap
 * enough for any command, where the full probe's two forks are not. null
 * where CPUID hides RDTSCP (it is never executed here) or the thread kept
 * moving.
 */
export function rdtscpAuxNamesThisCpu(binding: Binding): boolean | null {
  if (!binding.features().rdtscp) return null;
  for (let i = 0; i < 4; i++) {
    const before = binding.getcpu().cpu;
    const r = binding.rdtscp();
    const after = binding.getcpu().cpu;
    if (before === after) return auxCpu(r.aux) === before;
  }
  return null;
}

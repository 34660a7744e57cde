// model/info.ts: `clocklab info` as a report model: the machine, its TSC
// flags and its clocks; facts, no checks.
import { clockDescription } from '../../probes/hypervisor.js';
import { formatCpuList } from '../../cpulist.js';
import type { InfoResultT } from '../../results/info.js';
import { findingsSection, machineFacts, tableOf, yesNo, type Column, type ModelBody, type Section, type Text } from './common.js';

type Flag = { flag: string; set: boolean; from: string };

const FLAG_COLUMNS: ReadonlyArray<Column<Flag>> = [
  { head: 'TSC flag', cell: (f) => f.flag },
  { head: 'set', cell: (f) => yesNo(f.set) },
  { head: 'from', cell: (f) => f.from },
];

type Clock = InfoResultT['clocks'][number];

const CLOCK_COLUMNS: ReadonlyArray<Column<Clock>> = [
  { head: 'clock', cell: (c) => c.name },
  { head: 'id', numeric: true, cell: (c) => String(c.id) },
  { head: 'available', cell: (c) => yesNo(c.available) },
  { head: 'resolution', numeric: true, cell: (c) => (c.resolutionNs === null ? '-' : `${c.resolutionNs} ns`) },
];

type Disagreement = InfoResultT['flagDisagreements'][number];

const DISAGREEMENT_COLUMNS: ReadonlyArray<Column<Disagreement>> = [
  { head: 'flag', cell: (d) => d.flag },
  { head: 'CPUID', cell: (d) => (d.cpuid ? 'present' : 'absent') },
  { head: '/proc/cpuinfo', cell: (d) => (d.cpuinfo ? 'present' : 'absent') },
];

const hex = (n: number): string => `0x${n.toString(16)}`;

type TscAux = NonNullable<InfoResultT['tscAux']>;

/** What the TSC_AUX probe found of one instruction, one line: what CPUID
 * says, whether it executed, and whether TSC_AUX named the CPU. */
export function tscAuxLine(t: TscAux, f: TscAux['rdtscp']): string {
  const cpuid = f.offered === null ? 'CPUID unknown' : f.offered ? 'offered by CPUID' : 'hidden by CPUID';
  if (f.executes === null) return `${cpuid}; not tried`;
  const where = f.faultedOn === null ? '' : ` on CPU ${f.faultedOn}`;
  if (!f.executes) return `${cpuid}; faults (${f.signal ?? 'a signal'}${where}${f.offered ? ', though CPUID offers it' : ', as CPUID says'})`;
  const cpus = `CPUs ${formatCpuList(t.cpus)}, ${t.rounds} round${t.rounds === 1 ? '' : 's'}`;
  const values = f.values.join('/');
  const judged = f.reads.filter((r) => r.namesCpu !== null);
  const aux =
    f.namesCpu === 'always'
      ? `TSC_AUX names the CPU on every read (${cpus})`
      : f.namesCpu === 'never'
        ? `TSC_AUX ${values}, never this guest's CPU number${f.instruction === 'rdtscp' ? ' (a reader that picks its pvclock record by it picks the wrong one)' : ''}`
        : f.namesCpu === 'sometimes'
          ? `TSC_AUX ${values}: not the CPU it ran on in ${judged.filter((r) => r.namesCpu === false).length} of ${judged.length} reads (${cpus})`
          : `TSC_AUX ${values} (the CPU of each read unknown)`;
  return `${cpuid}, executes${t.from === 'capture' ? ' (capture)' : ''}; ${aux}${f.executes && where ? `; faults${where} (${f.signal ?? 'a signal'})` : ''}`;
}

export function infoModel(r: InfoResultT): ModelBody {
  const m = r.machine;
  const { identity, clocksource } = machineFacts(m);
  const facts: Array<[string, Text]> = [...identity];
  const kvm = m.hypervisor?.kvmFeatures;
  if (m.hypervisor && kvm) {
    const bits = ['CLOCKSOURCE', 'CLOCKSOURCE2', 'CLOCKSOURCE_STABLE_BIT'];
    facts.push(['KVM clock features', bits.flatMap((b, i) => [i === 0 ? '' : '  ', `${b} `, yesNo(kvm.includes(b))])]);
    facts.push(['KVM features', `${hex(m.hypervisor.kvmFeaturesEax ?? 0)}: ${kvm.join(' ')}`]);
  }
  const f = r.tscFrequency;
  facts.push(['TSC frequency', f ? `${(f.hz / 1e6).toFixed(3)} MHz (${f.source}: ${f.detail})` : 'unknown']);
  const p = r.pvclock;
  if (p) {
    facts.push(['pvclock page', p.state === 'readable' ? `${p.address}, ${p.detail}; ${p.vcpus} vCPU record(s), stable bit ${p.stableBit ? 'set' : 'clear'}` : `${p.state}: ${p.detail}`]);
  }
  facts.push(clocksource);
  const v = m.kernelView;
  if (v) {
    const cs = m.clocksources.current;
    const what = clockDescription(cs);
    if (cs && what) facts.push(["kernel's clock", `${cs}: ${what}${v.hypervisor.clockFrom ? ` of ${v.hypervisor.clockFrom}` : ''}`]);
    const w = v.tsc.withheld;
    facts.push(['tsc offered', v.tsc.offered && !w ? 'yes' : `no: ${w ? (w.kind === 'boot-parameter' && w.option ? `boot parameter ${w.option}` : (w.reason ?? w.kind)) : 'unknown'}${w?.timeS != null ? ` (kernel log at ${w.timeS.toFixed(3)} s)` : ''}`]);
    facts.push(['clock options', v.cmdlineRead ? v.clockOptions.options.join(' ') || 'none' : '/proc/cmdline not readable']);
    if (v.tsc.detectedMhz !== null) facts.push(['TSC (kernel)', `${v.tsc.detectedMhz.toFixed(3)} MHz detected${v.tsc.refinedMhz !== null ? `, ${v.tsc.refinedMhz.toFixed(3)} MHz refined` : ''}`]);
    if (v.switches.length > 0) facts.push(['switches (log)', v.switches.map((x) => `${x.clocksource}${x.timeS !== null ? ` at ${x.timeS.toFixed(3)} s` : ''}`).join(', ')]);
    const fork = v.forks.at(-1);
    if (fork) facts.push(['VM fork', `${v.forks.length === 1 ? 'once' : `${v.forks.length} times`}, last at ${fork.timeS === null ? 'an unknown time' : `${fork.timeS.toFixed(3)} s`} (crng reseeded due to virtual machine fork)`]);
    if (!v.kernelLogRead) facts.push(['kernel log', 'not readable (dmesg_restrict: run as root)']);
  }
  const aux = r.tscAux;
  if (aux) facts.push(['RDTSCP', tscAuxLine(aux, aux.rdtscp)], ['RDPID', tscAuxLine(aux, aux.rdpid)]);
  facts.push(['steal since boot', `${r.stealSeconds.toFixed(2)} s`]);

  const t = m.tscFlags;
  const cpuinfo = (flag: keyof typeof t): Flag => ({ flag, set: t[flag], from: '/proc/cpuinfo' });
  const flags: Flag[] = [
    ...(['constant_tsc', 'nonstop_tsc', 'tsc_reliable', 'tsc_known_freq', 'tsc_adjust', 'rdtscp', 'rdpid'] as const).map(cpuinfo),
    { flag: 'invariant TSC', set: t.invariantTsc, from: 'CPUID 0x80000007 EDX[8]' },
  ];
  const sections: Section[] = [
    { title: 'Machine', blocks: [{ kind: 'facts', facts }] },
    { title: 'TSC flags', blocks: [{ kind: 'table', table: tableOf(FLAG_COLUMNS, flags) }] },
    { title: 'Clocks', blocks: [{ kind: 'table', table: tableOf(CLOCK_COLUMNS, r.clocks) }] },
  ];
  if (r.flagDisagreements.length > 0) {
    sections.push({ title: 'CPUID and /proc/cpuinfo disagree', textTitle: true, blocks: [{ kind: 'table', table: tableOf(DISAGREEMENT_COLUMNS, r.flagDisagreements) }] });
  }
  sections.push(...findingsSection(r.findings));
  return {
    title: 'clocklab info',
    command: 'info',
    headline: `${m.cpu?.brand || 'unknown CPU'}, clocksource ${m.clocksources.current ?? 'unknown'}, ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}.`,
    startedAt: r.startedAt,
    warnings: [],
    sections,
    charts: [],
    checks: [],
  };
}

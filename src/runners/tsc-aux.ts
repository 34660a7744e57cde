// tsc-aux.ts: the findings of the TSC_AUX probe (src/probes/tsc-aux.ts), for
// info and check alike: a TSC_AUX that is not the CPU the thread was pinned
// to, and instructions CPUID hides that execute anyway.
import { formatCpuList } from '../cpulist.js';
import { finding } from '../findings/codes.js';
import type { FindingT, MachineT } from '../results/common.js';
import { auxMisleads, hiddenButExecutes, TSC_AUX_CPUID_BIT, TSC_AUX_INSTRUCTIONS, type TscAuxFacts } from '../probes/tsc-aux.js';

/**
 * TSC_AUX_NOT_CPU where RDTSCP or RDPID executes and the TSC_AUX it returns
 * (one MSR for both) is not, or not always, the CPU: a warning where CPUID
 * offers one of them (programs that go by CPUID take the wrong CPU),
 * information where CPUID hides both. Then INSTRUCTION_HIDDEN_EXECUTES for
 * those CPUID hides that ran.
 */
export function tscAuxFindings(facts: TscAuxFacts | null, machine: MachineT): FindingT[] {
  if (!facts) return [];
  const out: FindingT[] = [];
  const misleading = TSC_AUX_INSTRUCTIONS.filter((i) => auxMisleads(facts[i]));
  if (misleading.length > 0) {
    const fs = misleading.map((i) => facts[i]);
    const judged = fs.flatMap((f) => f.reads.filter((r) => r.namesCpu !== null));
    const offered = fs.some((f) => f.offered !== false);
    out.push(
      finding('TSC_AUX_NOT_CPU', offered ? 'warn' : 'info', {
        instructions: misleading.join(','),
        offered,
        values: [...new Set(fs.flatMap((f) => f.values))].sort((a, b) => a - b).join(','),
        cpus: formatCpuList(facts.cpus),
        never: fs.every((f) => f.namesCpu === 'never'),
        wrong: judged.filter((r) => r.namesCpu === false).length,
        reads: judged.length,
        // The kernel writes TSC_AUX only where it sees RDTSCP or RDPID (setup_getcpu(), arch/x86/kernel/cpu/common.c).
        kernelSees: machine.tscFlags.rdtscp || machine.tscFlags.rdpid,
      }),
    );
  }
  const hidden = TSC_AUX_INSTRUCTIONS.filter((i) => hiddenButExecutes(facts[i]));
  if (hidden.length > 0) {
    out.push(finding('INSTRUCTION_HIDDEN_EXECUTES', 'info', { instructions: hidden.join(','), cpuidBits: hidden.map((i) => TSC_AUX_CPUID_BIT[i]).join(' and ') }));
  }
  return out;
}

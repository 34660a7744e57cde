// check/tsc-aux.ts: the tsc check's word on TSC_AUX (src/probes/tsc-aux.ts):
// RDTSCP and RDPID tried in a forked child on every CPU. A detail of the tsc
// check's verdict, kept apart from judge.ts's judgeTsc so the two can change
// apart.
import { finding } from '../../findings/codes.js';
import type { FindingT } from '../../results/common.js';
import { auxMisleads, hiddenButExecutes, TSC_AUX_INSTRUCTIONS, type TscAuxFacts } from '../../probes/tsc-aux.js';
import type { CheckJudgement } from './judge.js';

/**
 * The tsc check's verdict with what the TSC_AUX probe found: its evidence,
 * and a CHECK_TSC_AUX detail where an instruction executes though CPUID hides
 * it or returns a TSC_AUX that is not the CPU. A TSC_AUX that misleads where
 * CPUID offers the instruction is a warning (programs that go by CPUID take
 * the wrong CPU number); where CPUID hides both it is information.
 */
export function withTscAux(v: CheckJudgement, facts: TscAuxFacts | null): CheckJudgement {
  if (!facts) return v;
  const evidence: CheckJudgement['evidence'] = { ...v.evidence };
  for (const i of TSC_AUX_INSTRUCTIONS) {
    const f = facts[i];
    evidence[`${i}Executes`] = f.executes;
    evidence[`${i}TscAux`] = f.values.length === 0 ? null : f.values.join('/');
    evidence[`${i}TscAuxNamesCpu`] = f.namesCpu;
  }
  const misleading = TSC_AUX_INSTRUCTIONS.filter((i) => auxMisleads(facts[i]));
  const hidden = TSC_AUX_INSTRUCTIONS.filter((i) => hiddenButExecutes(facts[i]));
  if (misleading.length === 0 && hidden.length === 0) return { ...v, evidence };
  const offered = misleading.some((i) => facts[i].offered !== false);
  const values = [...new Set(misleading.flatMap((i) => facts[i].values))].sort((a, b) => a - b);
  const detail = finding('CHECK_TSC_AUX', offered ? 'warn' : 'info', {
    misleading: misleading.join(','),
    hidden: hidden.join(','),
    values: values.join(','),
    never: misleading.every((i) => facts[i].namesCpu === 'never'),
  });
  if (!offered || v.status !== 'ok') return { ...v, findings: [...v.findings, detail], evidence };
  // A check that held becomes a warning; its verdict's severity follows its status.
  const [head, ...rest] = v.findings;
  const findings: FindingT[] = head ? [{ ...head, severity: 'warn' }, ...rest, detail] : [detail];
  return { status: 'warn', findings, evidence };
}

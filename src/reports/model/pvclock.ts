// model/pvclock.ts: `clocklab pvclock` as a report model: every vCPU's
// pvclock record, whether they agree, how pvclock time tracks the kernel's
// clocks, and with --watch one check per vCPU that no read was torn.
import type { PvclockResultT } from '../../results/pvclock.js';
import { disturbanceParts, findingsSection, fmt, machineSection, verdictOf, type Chart, type Check, type ReportModel, type Section } from './common.js';

export function pvclockModel(r: PvclockResultT): ReportModel {
  const checks: Check[] = (r.watch?.counts ?? []).map((c) => ({
    name: `pvclock torn reads vcpu ${c.vcpu}`,
    classname: 'clocklab.pvclock.watch',
    status: c.tornReads > 0 ? 'failed' : 'passed',
    message: `vCPU ${c.vcpu}: ${c.tornReads} torn reads in ${c.polls} polls over ${r.watch?.seconds ?? 0} s (${c.versionChanges} version changes, ${c.oddReads} odd-version reads)`,
    details: (r.watch?.torn ?? [])
      .filter((t) => t.vcpu === c.vcpu)
      .slice(0, 20)
      .map((t) => `at ${t.atSeconds.toFixed(3)} s, version ${t.version}: tscTimestamp ${t.before.tscTimestamp} -> ${t.after.tscTimestamp}, systemTimeNs ${t.before.systemTimeNs} -> ${t.after.systemTimeNs}`)
      .join('\n'),
  }));
  const a = r.agreement;
  const sections: Section[] = [
    {
      title: 'pvclock records per vCPU',
      text: `Page at ${r.page.address} in ${r.page.mapping} (+${r.page.offsetBytes} bytes)${r.page.verifiedLayout ? '' : ', layout not verified for this kernel'}. ${r.page.detail}`,
      table: {
        head: ['vCPU', 'version', 'tscTimestamp', 'systemTimeNs', 'mul', 'shift', 'flags', 'TSC MHz', 'ns at common TSC'],
        rows: r.records.map((x) => [String(x.vcpu), String(x.version), x.tscTimestamp, x.systemTimeNs, String(x.mul), String(x.shift), x.flagNames.join(' ') || String(x.flags), (x.tscHz / 1e6).toFixed(3), x.nsAtCommonTsc]),
        numeric: [true, true, true, true, true, true, false, true, true],
      },
    },
    {
      title: 'Do the vCPUs agree?',
      table: {
        head: ['', ''],
        rows: [
          ['same parameters', a.sameParameters ? 'yes' : `no (${a.differingFields.join(', ')})`],
          ['largest ns difference at one TSC value', fmt(a.maxNsDifference)],
          ['vDSO reads this page', `${r.vdso.pageInUse ? 'yes' : 'no'} (clocksource ${r.vdso.currentClocksource ?? 'unknown'}, stable bit ${r.vdso.stableBit ? 'set' : 'clear'})`],
        ],
      },
    },
    {
      title: 'pvclock against the kernel clocks',
      table: {
        head: ['clock', 'read by', 'offset ns', 'window ns', 'rate ppm', 'bracket ns'],
        rows: r.clocks.map((c) => [c.clock, c.method, fmt(c.offsetNs), fmt(c.windowNs), c.rateDiffPpm.toFixed(3), fmt(c.bracketNs)]),
        numeric: [false, false, true, true, true, true],
      },
    },
  ];
  if (r.watch) {
    sections.push({
      title: `Watch (${r.watch.seconds} s)`,
      table: {
        head: ['vCPU', 'polls', 'version changes', 'odd-version reads', 'torn reads', 'versions'],
        rows: r.watch.counts.map((c) => [String(c.vcpu), String(c.polls), String(c.versionChanges), String(c.oddReads), String(c.tornReads), `${c.firstVersion} -> ${c.lastVersion}`]),
        numeric: [true, true, true, true, true, false],
      },
    });
  }
  const dist = disturbanceParts(r.disturbance);
  sections.push(machineSection(r.machine, r.startedAt), dist.section);
  const findings = findingsSection(r.findings);
  if (findings) sections.push(findings);

  const vcpus = r.records.map((x) => `vCPU ${x.vcpu}`);
  const base = r.records[0] ? BigInt(r.records[0].nsAtCommonTsc) : 0n;
  const charts: Chart[] = [
    {
      title: 'ns each record gives at one TSC value, minus vCPU 0',
      kind: 'bar',
      labels: vcpus,
      series: [{ name: 'difference', values: r.records.map((x) => Number(BigInt(x.nsAtCommonTsc) - base)) }],
      unit: 'ns',
    },
  ];
  if (r.watch) {
    charts.push({
      title: 'Watch: version changes, odd-version and torn reads per vCPU',
      kind: 'grouped-bar',
      labels: r.watch.counts.map((c) => `vCPU ${c.vcpu}`),
      series: [
        { name: 'version changes', values: r.watch.counts.map((c) => c.versionChanges) },
        { name: 'odd-version reads', values: r.watch.counts.map((c) => c.oddReads) },
        { name: 'torn reads', values: r.watch.counts.map((c) => c.tornReads) },
      ],
      unit: 'count',
    });
  }
  const torn = checks.filter((c) => c.status === 'failed').length;
  return {
    title: 'clocklab pvclock',
    command: 'pvclock',
    verdict: verdictOf(checks),
    headline: `${r.records.length} vCPU records, ${a.sameParameters ? 'all alike' : `differing in ${a.differingFields.join(', ')}`}; the vDSO ${r.vdso.pageInUse ? 'reads' : 'does not read'} this page${r.watch ? `; ${torn === 0 ? 'no torn read' : `torn reads on ${torn} vCPUs`} in ${r.watch.seconds} s of watching` : ''}.`,
    startedAt: r.startedAt,
    warnings: [...(r.page.verifiedLayout ? [] : [`the pvclock page layout was not verified on this kernel (${r.page.detail})`]), ...dist.warnings],
    sections,
    charts,
    checks,
  };
}

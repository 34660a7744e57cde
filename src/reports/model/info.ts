// model/info.ts: `clocklab info` as a report model: facts, no checks.
import type { InfoResultT } from '../../results/info.js';
import { findingsSection, machineSection, type ReportModel, type Section } from './common.js';

export function infoModel(r: InfoResultT): ReportModel {
  const f = r.machine.tscFlags;
  const sections: Section[] = [
    machineSection(r.machine, r.startedAt),
    {
      title: 'TSC',
      table: {
        head: ['', ''],
        rows: [
          ['frequency', r.tscFrequency ? `${(r.tscFrequency.hz / 1e6).toFixed(3)} MHz (${r.tscFrequency.source}: ${r.tscFrequency.detail})` : 'unknown'],
          ...Object.entries(f).map(([k, v]) => [k, v ? 'yes' : 'no']),
        ],
      },
    },
    {
      title: 'Clocks',
      table: {
        head: ['clock', 'id', 'available', 'resolution ns'],
        rows: r.clocks.map((c) => [c.name, String(c.id), c.available ? 'yes' : 'no', c.resolutionNs === null ? '-' : String(c.resolutionNs)]),
        numeric: [false, true, false, true],
      },
    },
  ];
  if (r.flagDisagreements.length > 0) {
    sections.push({
      title: 'CPUID and /proc/cpuinfo disagree',
      table: { head: ['flag', 'CPUID', '/proc/cpuinfo'], rows: r.flagDisagreements.map((d) => [d.flag, String(d.cpuid), String(d.cpuinfo)]) },
    });
  }
  const findings = findingsSection(r.findings);
  if (findings) sections.push(findings);
  return {
    title: 'clocklab info',
    command: 'info',
    verdict: 'info',
    headline: `${r.machine.cpu?.brand || 'unknown CPU'}, clocksource ${r.machine.clocksources.current ?? 'unknown'}, ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}.`,
    startedAt: r.startedAt,
    warnings: [],
    sections,
    charts: [],
    checks: [],
  };
}

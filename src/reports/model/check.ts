// model/check.ts: `clocklab check` as a report model: one check per health
// check (vDSO, warp, TSC, pvclock, clocksource, disturbance), its evidence
// as the details.
import type { CheckItemT, CheckResultT } from '../../results/check.js';
import { disturbanceParts, findingsSection, machineSection, type Check, type ReportModel, type Section } from './common.js';

/** A warning fails the gate only under --strict, as it does the exit code. */
function status(item: CheckItemT, strict: boolean): Check['status'] {
  switch (item.status) {
    case 'ok': return 'passed';
    case 'warn': return strict ? 'failed' : 'passed';
    case 'fail': return 'failed';
    case 'skipped': return 'skipped';
  }
}

export function checkModel(r: CheckResultT): ReportModel {
  const checks: Check[] = r.checks.map((c) => ({
    name: `check ${c.name}`,
    classname: 'clocklab.check',
    status: status(c, r.options.strict),
    message: `${c.status === 'warn' ? 'warning: ' : ''}${c.summary}`,
    details: [
      c.title,
      c.advice ? `advice: ${c.advice}` : '',
      ...Object.entries(c.evidence).map(([k, v]) => `${k}: ${String(v)}`),
    ]
      .filter((s) => s !== '')
      .join('\n'),
  }));
  const dist = disturbanceParts(r.disturbance);
  const sections: Section[] = [
    {
      title: 'Health checks',
      table: {
        head: ['check', 'asks', 'status', 'summary', 'advice', 'ms'],
        rows: r.checks.map((c) => [c.name, c.title, c.status, c.summary, c.advice ?? '', c.elapsedMs.toFixed(0)]),
        numeric: [false, false, false, false, false, true],
      },
    },
    machineSection(r.machine, r.startedAt),
    dist.section,
  ];
  const findings = findingsSection(r.findings);
  if (findings) sections.push(findings);
  const warned = r.checks.filter((c) => c.status === 'warn').map((c) => c.name);
  const failed = r.checks.filter((c) => c.status === 'fail').map((c) => c.name);
  const headline =
    r.verdict === 'healthy'
      ? `Healthy: ${r.checks.filter((c) => c.status === 'ok').length} checks held in ${(r.elapsedMs / 1000).toFixed(1)} s.`
      : r.verdict === 'warnings'
        ? `Warnings: ${warned.join(', ')}${r.options.strict ? ' (--strict: a warning fails)' : ''}.`
        : `Unhealthy: ${failed.join(', ')}${warned.length > 0 ? `; warnings: ${warned.join(', ')}` : ''}.`;
  return {
    title: 'clocklab check',
    command: 'check',
    verdict: r.verdict === 'unhealthy' || (r.verdict === 'warnings' && r.options.strict) ? 'failed' : 'passed',
    headline,
    startedAt: r.startedAt,
    warnings: dist.warnings,
    sections,
    charts: [],
    checks,
  };
}

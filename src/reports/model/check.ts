// model/check.ts: `clocklab check` as a report model: one check per health
// check (vDSO, warp, TSC, pvclock, clocksource, disturbance), its line with
// advice where something is wrong, its evidence as the details.
import type { CheckItemT, CheckResultT } from '../../results/check.js';
import { disturbanceParts, findingsSection, machineSection, replayText, type Check, type ModelBody, type Section, type Status, type Text } from './common.js';

/** A warning fails the gate only under --strict, as it does the exit code. */
function status(item: CheckItemT, strict: boolean): Check['status'] {
  switch (item.status) {
    case 'ok': return 'passed';
    case 'warn': return strict ? 'failed' : 'passed';
    case 'fail': return 'failed';
    case 'skipped': return 'skipped';
  }
}

const LINE_STATUS: Record<CheckItemT['status'], Status> = { ok: 'ok', warn: 'warn', fail: 'fail', skipped: 'skip' };

export function checkModel(r: CheckResultT): ModelBody {
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
  const strictFails = r.verdict === 'warnings' && r.options.strict;
  const word: Text =
    r.verdict === 'healthy' ? { text: 'healthy', tone: 'ok' } : r.verdict === 'warnings' ? { text: 'healthy, with warnings', tone: 'warn' } : { text: 'UNHEALTHY', tone: 'bad' };
  const dist = disturbanceParts(r.disturbance);
  const sections: Section[] = [
    {
      title: 'Health checks',
      blocks: [
        // The terminal's first line; summary.md and report.html open with the verdict.
        {
          kind: 'note',
          text: ['clocklab check: ', word, ` (${r.checks.length} checks in ${(r.elapsedMs / 1000).toFixed(1)} s, clocksource ${r.machine.clocksources.current ?? 'unknown'})`],
          skip: ['markdown', 'html'],
        },
        ...(r.machine.replay ? [{ kind: 'note' as const, text: `A replay of ${replayText(r.machine)}: only what needs no measuring was checked.` }] : []),
        {
          kind: 'status',
          items: r.checks.map((c) => ({ status: LINE_STATUS[c.status], name: c.name, text: c.summary, ...(c.advice && c.status !== 'ok' ? { advice: c.advice } : {}) })),
        },
        ...(strictFails ? [{ kind: 'note' as const, text: { text: '--strict: a warning fails the check', tone: 'bad' as const } }] : []),
      ],
    },
    machineSection(r.machine),
    // The disturbance is one of the checks: the terminal has its line already.
    { ...dist.section, skip: ['text'] },
    ...findingsSection(r.findings),
  ];
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
    headline,
    startedAt: r.startedAt,
    warnings: dist.warnings,
    sections,
    charts: [],
    checks,
  };
}

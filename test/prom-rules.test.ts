// prom-rules.test.ts: are the Prometheus rules in contrib/ valid, does each
// alert fire when it should and stay silent when it should not (promtool's
// own rule unit tests), and do the rules and their tests use the series
// exactly as clocklab writes them?
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROM_FAMILIES } from '../src/reports/prom.js';
import { unmet } from './helpers/needs.js';

const DIR = fileURLToPath(new URL('../contrib/prometheus/', import.meta.url));
const RULES = join(DIR, 'clocklab.rules.yml');
const TESTS = join(DIR, 'clocklab.rules.test.yml');
const rules = readFileSync(RULES, 'utf8');
const tests = readFileSync(TESTS, 'utf8');
const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1] ?? '');
const noPromtool = unmet({ commands: ['promtool'] });

const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8', cwd: DIR });

/** Labels each of the values clocklab gives them (docs/metrics.md). */
const VALUES: Record<string, readonly string[]> = {
  command: ['check', 'bench', 'warp', 'compare', 'pvclock', 'order', 'info'],
  check: ['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'timesync', 'disturbance'],
  status: ['ok', 'warn', 'fail', 'skipped'],
  contract: ['monotonic', 'may-step', 'unordered'],
};

describe('contrib/prometheus/clocklab.rules.yml', () => {
  it('has the alerts a platform team needs, each with a summary and a runbook line', () => {
    expect(alerts).toEqual([
      'ClocklabCheckFailing',
      'ClocklabMonotonicClockWarped',
      'ClocklabVdsoFallback',
      'ClocklabClocksourceNotRecommended',
      'ClocklabPvclockStableBitLost',
      'ClocklabTimeNotSynchronised',
      'ClocklabMetricsStale',
    ]);
    const blocks = rules.split(/^\s+- alert: /m).slice(1);
    for (const b of blocks) {
      expect(b).toMatch(/^\s+summary: ".+"$/m);
      expect(b).toMatch(/^\s+runbook: ".+"$/m);
    }
  });

  it('uses only metrics clocklab writes', () => {
    for (const m of rules.matchAll(/\bclocklab_[a-z0-9_]+/g)) expect(Object.keys(PROM_FAMILIES)).toContain(m[0]);
  });

  it.skipIf(noPromtool)('passes promtool check rules', () => {
    const r = promtool('check', 'rules', RULES);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
  });
});

describe('contrib/prometheus/clocklab.rules.test.yml', () => {
  it('tests every alert firing and not firing', () => {
    for (const a of alerts) {
      expect(tests, `${a} silent`).toMatch(new RegExp(`alertname: ${a}\\n\\s+exp_alerts: \\[\\]`));
      expect(tests, `${a} firing`).toMatch(new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`));
    }
  });

  it('feeds series named and labelled as clocklab writes them (plus instance and job)', () => {
    const series = [...tests.matchAll(/series: '([a-z_0-9]+)\{([^}]*)\}'/g)];
    expect(series.length).toBeGreaterThan(10);
    for (const [, name = '', body = ''] of series) {
      const family = (PROM_FAMILIES as Record<string, { labels: readonly string[] }>)[name];
      expect(family, name).toBeDefined();
      const labels = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
      const { instance, job, ...own } = labels;
      expect(instance).toBeDefined();
      expect(job).toBeDefined();
      expect(Object.keys(own).sort(), name).toEqual([...(family?.labels ?? [])].sort());
      for (const [k, v] of Object.entries(own)) if (VALUES[k]) expect(VALUES[k], `${name} ${k}`).toContain(v);
    }
  });

  it.skipIf(noPromtool)('passes promtool test rules', () => {
    const r = promtool('test', 'rules', TESTS);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it.skipIf(noPromtool)('fails when an alert is broken: the tests can tell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clocklab-rules-'));
    try {
      copyFileSync(TESTS, join(dir, 'clocklab.rules.test.yml'));
      writeFileSync(join(dir, 'clocklab.rules.yml'), rules.replace('clocklab_pvclock_stable_bit == 0', 'clocklab_pvclock_stable_bit == 1'));
      const r = spawnSync('promtool', ['test', 'rules', 'clocklab.rules.test.yml'], { encoding: 'utf8', cwd: dir });
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toContain('ClocklabPvclockStableBitLost');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

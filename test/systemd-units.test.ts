// systemd-units.test.ts: do contrib/systemd's service and timer pass
// `systemd-analyze verify`, and do they run what the README says (the light
// check every 5 minutes and at boot, into node_exporter's textfile directory)?
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unmet } from './helpers/needs.js';

const DIR = fileURLToPath(new URL('../contrib/systemd/', import.meta.url));
const SERVICE = join(DIR, 'clocklab-check.service');
const TIMER = join(DIR, 'clocklab-check.timer');

describe('contrib/systemd', () => {
  it('runs the light check into the textfile directory of Debian, every 5 minutes and at boot', () => {
    const service = readFileSync(SERVICE, 'utf8');
    const timer = readFileSync(TIMER, 'utf8');
    expect(service).toMatch(/^ExecStart=\/usr\/bin\/env clocklab check --light --prom \/var\/lib\/prometheus\/node-exporter\/clocklab\.prom$/m);
    expect(service).toMatch(/^ReadWritePaths=\/var\/lib\/prometheus\/node-exporter -\/run\/clocklab$/m);
    expect(service).toMatch(/^SuccessExitStatus=1$/m);
    expect(timer).toMatch(/^OnBootSec=/m);
    expect(timer).toMatch(/^OnUnitActiveSec=5min$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
  });

  // systemd-analyze verify needs no running systemd: it loads the units offline.
  it.skipIf(unmet({ commands: ['systemd-analyze'] }))('passes systemd-analyze verify, without a warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', SERVICE, TIMER], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

// report-html.test.ts: does report.html work for a person who opens it? It is
// opened in real headless Chromium (Debian's, driven by playwright-core): the
// charts must be drawn, with no console error and no request beyond the
// file itself; a screenshot is saved to test-artifacts/ for a human to look at.
import { modelFor } from './helpers/model.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareToBaseline } from '../src/regression/decide.js';
import { chartJsSource } from '../src/reports/chart-js.js';
import { renderHtml } from '../src/reports/html.js';
import { benchResult, warpResult } from './fixtures/results.js';
import { loadBinding } from '../src/native/binding.js';
import { readClocksources } from '../src/probes/clocksource.js';
import { CLI, runCli } from './helpers/cli.js';
import { skipping, unmet } from './helpers/needs.js';
import { runOnStandIn, standInUnavailable } from './helpers/standin.js';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

/** The flags the packaging notes (§3.7) found needed as root, offline. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

function gatedBench() {
  const run = benchResult({ rdtsc: 9.5, rdtscp: 12.1, lfence_rdtsc: 11.2, monotonic: 28.4, monotonic_raw: 28.9, realtime: 29.1, monotonic_coarse: 6.1, getpid_syscall: 410 });
  const baseline = benchResult(
    { rdtsc: 4.75, rdtscp: 12, lfence_rdtsc: 11, monotonic: 28, monotonic_raw: 29, realtime: 29, monotonic_coarse: 6, getpid_syscall: 420 },
    { clocksources: { available: ['tsc', 'kvm-clock'], current: 'kvm-clock' } },
  );
  return { ...run, gate: compareToBaseline(baseline, run, 10, 'baseline/report.json') };
}

describe.skipIf(unmet({ chromium: true }))('report.html in headless Chromium', () => {
  let browser: BrowserContext;
  // A fresh profile each run: nothing cached, no state from a person's use.
  const profile = mkdtempSync(join(tmpdir(), 'clocklab-chromium-'));
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  /** Opens a report in a fresh tab and waits for its charts, recording every
   * console error or warning and every request the page makes. */
  async function openReport(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
    return { page, errors, requests };
  }

  it.each([
    ['report-bench', gatedBench(), 3],
    ['report-warp', warpResult(true), 2],
    ['report', 'clocklab bench --out (this machine)', 2],
  ] as const)('%s: charts drawn, no console error, no request', async (name, result, charts) => {
    let file = join(ARTIFACTS, `${name}.html`);
    if (typeof result === 'string') {
      // The real thing: the CLI's own --out on this machine.
      const out = join(ARTIFACTS, 'bench-out');
      const r = runCli(['bench', '--runs', '3', '--loops', '200000', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      file = join(out, 'report.html');
    } else {
      writeFileSync(file, renderHtml(modelFor(result), { chartJs: chartJsSource() }));
    }
    const { page, errors, requests } = await openReport(file);
    // Each canvas has pixels painted: Chart.js drew into it.
    // (A string, evaluated in the page: this project's TS has no DOM types.)
    const painted = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    })`)) as number[];
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(painted).toHaveLength(charts);
    for (const p of painted) expect(p).toBeGreaterThan(1000);
  });

  // The real clocksources where the kernel offers both (as root), else a
  // stand-in clocksource0 in a private mount namespace (test/helpers/standin.ts):
  // there the switching and the report are tested, while the bench measures
  // the clocksource the kernel really uses.
  const realPair = process.getuid?.() === 0 && ['tsc', 'kvm-clock'].every((c) => readClocksources().available.includes(c));
  const noSwitch = realPair ? null : skipping(standInUnavailable());
  it.skipIf(noSwitch)(`report-compare (${realPair ? 'this machine' : 'a stand-in clocksource0'}, tsc against kvm-clock): side by side, charts drawn`, async () => {
    // The CLI's own compare --warp --out: it switches to each clocksource and
    // back (the suite checks at its end that it is back).
    const out = join(ARTIFACTS, 'compare-out');
    const control = loadBinding().features().rdtscp ? 'rdtscp' : 'lfence_rdtsc';
    const args = ['compare', '--clocksources', 'tsc,kvm-clock', '--methods', `monotonic,realtime,${control}`, '--loops', '100000', '--runs', '2', '--rounds', '1',
      '--warp', '--warp-duration', '0.3', '--warp-methods', 'monotonic,rdtsc', '--out', out];
    const env = { CLOCKLAB_STATE_DIR: mkdtempSync(join(tmpdir(), 'clocklab-state-')) };
    const onStandIn = realPair ? null : runOnStandIn([process.execPath, CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    const r = onStandIn ?? runCli(args, { env });
    expect(r.code, r.stderr).toBe(0);
    if (onStandIn) expect(onStandIn.after).toBe(onStandIn.before);
    const file = join(out, 'report.html');
    const { page, errors, requests } = await openReport(file);
    const canvases = (await page.evaluate(`document.querySelectorAll('canvas').length`)) as number;
    const text = (await page.evaluate('document.body.innerText')) as string;
    await page.screenshot({ path: join(ARTIFACTS, 'report-compare.png'), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    // ns/loop side by side, the spread, the warps per CPU pair.
    expect(canvases).toBe(3);
    expect(text).toMatch(/clocksources side by side/);
    expect(text).toMatch(/tsc/);
    expect(text).toMatch(/kvm-clock/);
    expect(text).toMatch(/[Rr]ecommend/);
  });

  it('the CSP really forbids fetching (a planted image is blocked)', async () => {
    const file = join(ARTIFACTS, 'csp-probe.html');
    const html = renderHtml(modelFor(warpResult(false)), { chartJs: chartJsSource() }).replace('</body>', '<img src="http://127.0.0.1:9/x.png"></body>');
    writeFileSync(file, html);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const done: string[] = [];
    const failed: string[] = [];
    page.on('requestfinished', (r) => done.push(r.url()));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]');
    await page.waitForTimeout(200);
    await page.close();
    // Chromium stops it before any connection: only the file itself loads.
    expect(done).toEqual([pathToFileURL(file).href]);
    expect(failed).toEqual(['http://127.0.0.1:9/x.png csp']);
    expect(errors.join('\n')).toMatch(/Content Security Policy/);
  });
});

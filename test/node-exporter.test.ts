// node-exporter.test.ts: does a real prometheus-node-exporter, with only its
// textfile collector, serve what `clocklab check --light --prom` wrote, with
// the values it wrote and no textfile error; and does a file rewritten while
// it is being scraped never give a partial scrape? node_exporter runs on
// 127.0.0.1 on a free port, reading a temporary directory, and is ended by
// its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { unmet } from './helpers/needs.js';

const EXPORTER = 'prometheus-node-exporter';
const why = unmet({ commands: [EXPORTER] });
const FILES_JS = fileURLToPath(new URL('../dist/cli/report-files.js', import.meta.url));

/** A port nothing listens on now: bound to 0, read, released. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Samples of a scrape or a .prom file: `name{labels}` -> value, the labels
 * in name order (node_exporter sorts them; clocklab writes them in its order). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m?.[1] || m[3] === undefined) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort();
    out.set(labels.length > 0 ? `${m[1]}{${labels.join(',')}}` : m[1], Number(m[3]));
  }
  return out;
}

describe.skipIf(why)('a real prometheus-node-exporter, textfile collector only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clocklab-textfile-'));
  const prom = join(dir, 'clocklab.prom');
  let exporter: ChildProcess | null = null;
  let url = '';
  let exporterLog = '';

  const scrape = async (): Promise<string> => {
    const r = await fetch(url);
    expect(r.status).toBe(200);
    return r.text();
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    exporter = spawn(
      EXPORTER,
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${dir}`,
        '--web.disable-exporter-metrics',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    exporter.stderr?.on('data', (d: Buffer) => (exporterLog += d.toString()));
    // Ready when it answers; it may take a moment to bind.
    for (let i = 0; i < 200; i++) {
      if (exporter.exitCode !== null) throw new Error(`${EXPORTER} exited ${exporter.exitCode}: ${exporterLog}`);
      try {
        if ((await fetch(url)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${EXPORTER} never answered on ${url}: ${exporterLog}`);
  });

  afterAll(async () => {
    const p = exporter;
    if (p?.pid !== undefined && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      process.kill(p.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the metrics of a real check --light --prom, with their values, and no textfile error', async () => {
    const r = runCli(['check', '--light', '--prom', prom]);
    expect([0, 1], r.stderr).toContain(r.code);
    const written = samples(readFileSync(prom, 'utf8'));
    const scraped = samples(await scrape());
    expect(scraped.get('node_textfile_scrape_error')).toBe(0);
    expect([...scraped.keys()].some((k) => k.startsWith('node_textfile_mtime_seconds{file='))).toBe(true);
    for (const [k, v] of written) expect(scraped.get(k), k).toBe(v);
    for (const name of ['clocklab_build_info', 'clocklab_last_run_timestamp_seconds', 'clocklab_check_ok', 'clocklab_check_status', 'clocklab_timesync_synchronised', 'clocklab_warps']) {
      expect([...scraped.keys()].some((k) => k.startsWith(name)), name).toBe(true);
    }
    expect(scraped.get('clocklab_check_profile_info{profile="light"}')).toBe(1);
    expect(scraped.get('clocklab_check_ok{check="vdso"}')).toBe(1);
    expect(scraped.get('clocklab_verdict_ok{command="check"}')).toBe(r.code === 0 ? 1 : 0);
  });

  it('never gives a partial scrape while the file is rewritten in a loop', async () => {
    // Two versions of one file, of different sizes: every scrape must hold
    // exactly the clocklab samples of one of them.
    const a = readFileSync(prom, 'utf8');
    const padding = Array.from({ length: 2000 }, (_, i) => `clocklab_test_padding{i="${i}"} ${i}`).join('\n');
    const b = `${a}# HELP clocklab_test_padding Padding that makes this version larger.\n# TYPE clocklab_test_padding gauge\n${padding}\n`;
    const count = (t: string): number => [...samples(t).keys()].filter((k) => k.startsWith('clocklab_')).length;
    const sizes = new Set([count(a), count(b)]);
    const writes = 3000;
    // The writer is another process, using clocklab's own atomic writer.
    const writer = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { writeFileAtomic } = await import(${JSON.stringify(FILES_JS)});
         const [a, b] = JSON.parse(process.env.VERSIONS);
         for (let i = 0; i < ${writes}; i++) writeFileAtomic(${JSON.stringify(prom)}, i % 2 ? b : a);`,
      ],
      { env: { ...process.env, VERSIONS: JSON.stringify([a, b]) }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let writerErr = '';
    writer.stderr?.on('data', (d: Buffer) => (writerErr += d.toString()));
    const done = new Promise<number | null>((r) => writer.once('exit', r));
    let finished = false;
    void done.then(() => (finished = true));
    let scrapes = 0;
    const seen = new Set<number>();
    while (!finished || scrapes < 20) {
      const text = await scrape();
      const s = samples(text);
      expect(s.get('node_textfile_scrape_error'), `scrape ${scrapes}`).toBe(0);
      const n = count(text);
      expect(sizes, `scrape ${scrapes}: ${n} clocklab samples`).toContain(n);
      seen.add(n);
      scrapes++;
    }
    expect(await done, writerErr).toBe(0);
    process.stderr.write(`rewrite-while-scraping: ${writes} writes, ${scrapes} scrapes, every one whole (saw ${[...seen].join(' and ')} samples)\n`);
    expect(exporterLog).not.toMatch(/level=error/);
  });
});


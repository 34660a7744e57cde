// html.ts: report.html, one self-contained file a person opens from a CI
// artifact: the verdict, charts drawn by Chart.js (inlined, never fetched),
// and every section again (tables, status lines, facts) so the page is useful
// without JavaScript. A Content-Security-Policy forbids any fetch, so the page
// provably works offline. Pure: the model and Chart.js's source in, HTML out.
import { shows, spans, type Block, type Chart, type Check, type ReportModel, type Section, type Status, type StatusItem, type Table, type Text } from './model/index.js';

export interface HtmlOptions {
  /** The text of chart.js's UMD build (dist/chart.umd.min.js). */
  chartJs: string;
}

/** Nothing may be fetched: no default source, inline script and style only,
 * images only from data: URLs (a canvas's own export). */
export const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Text inside <script>: `</script` or `<!--` must not end or confuse it. */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Text with its tones as classes (see STYLE). */
function rich(t: Text): string {
  return spans(t)
    .map((x) => (typeof x === 'string' ? esc(x) : `<span class="t-${x.tone}">${esc(x.text)}</span>`))
    .join('');
}

function table(t: Table): string {
  if (t.rows.length === 0) return '';
  const n = (i: number): string => (t.columns[i]?.numeric ? ' class="n"' : '');
  const head = `<thead><tr>${t.columns.map((c, i) => `<th${n(i)}>${esc(c.head)}</th>`).join('')}</tr></thead>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td${n(i)}>${rich(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${head}<tbody>\n${rows}\n</tbody></table>`;
}

const TAG: Record<Status, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL', skip: 'SKIP', info: 'INFO' };

function block(b: Block): string {
  switch (b.kind) {
    case 'note':
      return `<p>${rich(b.text)}</p>`;
    case 'table':
      return table(b.table);
    case 'facts':
      if (b.facts.length === 0) return '';
      return `<table><tbody>\n${b.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${rich(v)}</td></tr>`).join('\n')}\n</tbody></table>`;
    case 'lines':
      // Folded: many runs would push the tables out of sight.
      return b.lines.length === 0 ? '' : `<details><summary>${b.lines.length} lines</summary><pre>${esc(b.lines.join('\n'))}</pre></details>`;
    case 'status': {
      const li = (i: StatusItem): string => {
        const more = [...(i.advice ? [`<div class="advice">${esc(i.advice)}</div>`] : []), ...(i.details ?? []).map((d) => `<div>${esc(d)}</div>`)].join('');
        return `<li class="${i.status}"><span class="tag">${TAG[i.status]}</span> ${i.name !== undefined ? `<b>${esc(i.name)}</b> ` : ''}${rich(i.text)}${more}</li>`;
      };
      return b.items.length === 0 ? '' : `<ul class="status">\n${b.items.map(li).join('\n')}\n</ul>`;
    }
  }
}

function section(s: Section): string {
  const body = s.blocks.filter((b) => shows(b, 'html')).map(block).join('');
  if (body === '') return '';
  return `<section>${s.title ? `<h2>${esc(s.title)}</h2>` : ''}${body}</section>`;
}

function checks(cs: readonly Check[]): string {
  if (cs.length === 0) return '';
  // Failures first: they are what a reader opened the page for.
  const order = { failed: 0, skipped: 1, passed: 2 } as const;
  const rows = [...cs].sort((a, b) => order[a.status] - order[b.status]).map((c) => `<tr class="${c.status}"><td>${esc(c.name)}</td><td>${c.status}</td><td>${esc(c.message)}</td></tr>`).join('\n');
  return `<section><h2>Checks</h2><table><thead><tr><th>check</th><th>status</th><th>figures</th></tr></thead><tbody>\n${rows}\n</tbody></table></section>`;
}

function chartBox(c: Chart, i: number): string {
  // Wide enough for every label: grouped bars of many CPU pairs get room.
  const height = 320;
  return `<figure><figcaption>${esc(c.title)} <span class="unit">(${esc(c.unit)})</span></figcaption><div class="chart" style="height:${height}px"><canvas id="chart-${i}" role="img" aria-label="${esc(c.title)}"></canvas></div></figure>`;
}

/** Draws every chart from the embedded JSON, then marks the page ready. */
const DRAW = `
(function () {
  var data = JSON.parse(document.getElementById('clocklab-charts').textContent);
  var palette = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];
  // A log axis starts at the power of ten below the smallest value, so every
  // bar shows; a range chart zooms on its values, not on zero.
  function yScale(c) {
    var title = { display: true, text: c.unit };
    if (c.logScale) {
      var vals = [];
      c.series.forEach(function (s) { s.values.forEach(function (v) { if (v > 0) vals.push(v); }); });
      var lo = vals.length ? Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, vals)))) : 1;
      return { type: 'logarithmic', min: lo, title: title };
    }
    return { type: 'linear', beginAtZero: c.kind !== 'range', title: title };
  }
  data.forEach(function (c, i) {
    var el = document.getElementById('chart-' + i);
    var datasets;
    if (c.kind === 'range') {
      var by = {};
      c.series.forEach(function (s) { by[s.name] = s.values; });
      datasets = [
        { type: 'bar', label: 'min to max', data: c.labels.map(function (_, j) { return [by.min[j], by.max[j]]; }), backgroundColor: palette[0] + '66', borderColor: palette[0], borderWidth: 1 },
        { type: 'line', label: 'median', data: by.median, showLine: false, pointStyle: 'line', pointRadius: 14, pointBorderWidth: 3, borderColor: palette[2], backgroundColor: palette[2] }
      ];
    } else {
      datasets = c.series.map(function (s, k) {
        return { label: s.name, data: s.values, backgroundColor: palette[k % palette.length] };
      });
    }
    new Chart(el, {
      type: 'bar',
      data: { labels: c.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: c.kind !== 'bar' },
          tooltip: { callbacks: { label: function (ctx) {
            var v = ctx.raw;
            var t = Array.isArray(v) ? v[0] + ' to ' + v[1] : v;
            return ctx.dataset.label + ': ' + t + ' ' + c.unit;
          } } }
        },
        scales: {
          x: { ticks: { autoSkip: false, maxRotation: 60 } },
          y: yScale(c)
        }
      }
    });
  });
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;

const STYLE = `
body { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
.verdict { display: inline-block; padding: .15rem .6rem; border-radius: .3rem; font-weight: 600; color: #fff; }
.verdict.passed { background: #1a7f37; } .verdict.failed { background: #cf222e; } .verdict.info { background: #57606a; } .verdict.warnings { background: #9a6700; }
.warning { border-left: 4px solid #bf8700; background: #fff8c5; padding: .4rem .8rem; margin: .5rem 0; }
table { border-collapse: collapse; margin: .25rem 0; }
th, td { border: 1px solid #d0d7de; padding: .2rem .55rem; text-align: left; vertical-align: top; white-space: pre-line; }
thead th { background: #f6f8fa; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #ffebe9; } tr.skipped td { color: #57606a; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid #d0d7de; border-radius: .4rem; padding: .5rem; }
figcaption { font-weight: 600; margin-bottom: .25rem; } .unit { font-weight: normal; color: #57606a; }
.chart { position: relative; }
footer { margin-top: 2rem; color: #57606a; font-size: .85rem; }
ul.status { list-style: none; padding-left: 0; margin: .25rem 0; } ul.status li { margin: .15rem 0; }
.tag { font: 600 .8rem ui-monospace, monospace; padding: 0 .3rem; border-radius: .2rem; color: #fff; background: #57606a; }
li.ok .tag { background: #1a7f37; } li.warn .tag { background: #bf8700; } li.fail .tag { background: #cf222e; } li.info .tag { background: #0969da; }
.advice { color: #57606a; }
.t-ok { color: #1a7f37; } .t-bad { color: #cf222e; font-weight: 600; } .t-warn { color: #9a6700; } .t-dim { color: #57606a; } .t-strong { font-weight: 600; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; }
`;

export function renderHtml(m: ReportModel, options: HtmlOptions): string {
  const charts = m.charts.length > 0 ? `<section><h2>Charts</h2><div class="charts">${m.charts.map(chartBox).join('\n')}</div></section>` : '';
  const script =
    m.charts.length > 0
      ? `<script type="application/json" id="clocklab-charts">${scriptText(JSON.stringify(m.charts))}</script>
<script>${scriptText(options.chartJs)}</script>
<script>${DRAW}</script>`
      : `<script>document.documentElement.setAttribute('data-ready', 'true');</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(m.title)}: ${m.verdict}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(m.title)} <span class="verdict ${m.verdict}">${m.verdict}</span></h1>
<p>${esc(m.headline)}</p>
${m.warnings.map((w) => `<p class="warning">Warning: ${esc(w)}</p>`).join('\n')}
</header>
${checks(m.checks)}
${charts}
${m.sections.filter((s) => shows(s, 'html')).map(section).filter((x) => x !== '').join('\n')}
<footer>clocklab ${esc(m.command)}, started ${esc(m.startedAt)}. Every figure is in report.json beside this file.</footer>
${script}
</body>
</html>
`;
}

/**
 * The dashboard's own page, rendered on the server: plain HTML and an SVG chart, no script, so
 * it works with any browser and refreshes itself. Every value from Redis or the store is escaped.
 */
import { formatSize } from '../../src/limits/index.js';
import type { FailedJob, FleetView, RunningJob } from './fleet-view.js';
import type { ImagesView, UsesAnswer } from './images-view.js';
import type { StoreView } from './store-view.js';

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

// Build logs carry terminal colours.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function escapeHtml(text: string): string {
  return text.replace(ANSI, '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const e = escapeHtml;

export interface PageContext {
  redis: string;
  allowRetry: boolean;
  tokenRequired: boolean;
  /** Where Bull Board is mounted, e.g. `/queues`. */
  boardPath: string;
}

const iso = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

const jobLink = (ctx: PageContext, queue: string, id: string): string =>
  `${ctx.boardPath}/queue/${encodeURIComponent(queue)}/${encodeURIComponent(id)}`;

function queuesTable(v: FleetView): string {
  const head = `<tr><th>queue</th>${COUNTED.map((c) => `<th>${c}</th>`).join('')}<th>jobs/min (5 min)</th></tr>`;
  const rows = v.status.queues.map(
    (q) =>
      `<tr data-queue="${e(q.queue)}"><td>${e(q.queue)}</td>${COUNTED.map(
        (c) => `<td data-count="${c}" class="${c === 'failed' && q.counts[c] > 0 ? 'bad' : ''}">${q.counts[c] ?? 0}</td>`,
      ).join('')}<td data-count="perMinute">${q.perMinute}</td></tr>`,
  );
  return `<table id="queues">${head}${rows.join('')}</table>`;
}

function runningTable(jobs: RunningJob[], ctx: PageContext, now: number): string {
  if (jobs.length === 0) return '<p class="quiet" id="running-none">Nothing is running.</p>';
  const rows = jobs.map(
    (j) =>
      `<tr class="running" data-job="${e(j.id)}"><td>${e(j.queue)}</td><td><a href="${e(jobLink(ctx, j.queue, j.id))}">${e(j.name)}</a></td>` +
      `<td>${e(j.phase ?? '')}</td><td>${j.startedOn !== undefined ? `started ${ago(j.startedOn, now)}` : ''}</td></tr>`,
  );
  return `<table id="running"><tr><th>queue</th><th>job</th><th>phase</th><th>since</th></tr>${rows.join('')}</table>`;
}

function retryForm(j: FailedJob, ctx: PageContext): string {
  if (!ctx.allowRetry) return '';
  const token = ctx.tokenRequired ? '<input type="password" name="token" placeholder="token" autocomplete="off" required>' : '';
  return (
    `<form method="post" action="/retry" class="retry"><input type="hidden" name="queue" value="${e(j.queue)}">` +
    `<input type="hidden" name="id" value="${e(j.id)}">${token}<button type="submit">retry</button></form>`
  );
}

function failedList(jobs: FailedJob[], ctx: PageContext, now: number): string {
  if (jobs.length === 0) return '<p class="quiet" id="failed-none">No failed jobs.</p>';
  return jobs
    .map(
      (j) =>
        `<article class="failed" data-queue="${e(j.queue)}" data-job="${e(j.id)}">` +
        `<h3><a href="${e(jobLink(ctx, j.queue, j.id))}">${e(j.name)}</a> <small>${e(j.queue)}, ${j.attempts} attempt(s)` +
        `${j.finishedOn !== undefined ? `, failed ${ago(j.finishedOn, now)} (${iso(j.finishedOn)})` : ''}</small></h3>` +
        `<p class="reason">${e(j.reason ?? 'no reason recorded')}</p>` +
        (j.logTail !== ''
          ? `<details open><summary>end of the build log</summary><pre class="log">${e(j.logTail)}</pre></details>`
          : '<p class="quiet">No build log was kept with this job.</p>') +
        retryForm(j, ctx) +
        '</article>',
    )
    .join('');
}

/** Bars of completed jobs per minute, the last hour; the total is in the chart's data-total. */
function throughputChart(v: FleetView): string {
  const { start, perMinute } = v.throughput;
  const max = Math.max(1, ...perMinute);
  const w = 12;
  const h = 120;
  const axis = 14;
  const bars = perMinute.map((n, i) => {
    const bh = Math.round((n / max) * (h - 20));
    const t = new Date(start + i * 60_000).toISOString().slice(11, 16);
    return `<rect x="${i * w + 1}" y="${h - bh}" width="${w - 2}" height="${bh}"><title>${t}Z: ${n} completed</title></rect>`;
  });
  const total = perMinute.reduce((a, b) => a + b, 0);
  return (
    `<svg id="throughput" data-total="${total}" viewBox="0 0 ${perMinute.length * w} ${h + axis}" width="${perMinute.length * w}" height="${h + axis}" role="img" aria-label="completed jobs per minute">` +
    `<text x="2" y="12">max ${max}/min</text>${bars.join('')}<line x1="0" y1="${h}" x2="${perMinute.length * w}" y2="${h}"/>` +
    `<text x="2" y="${h + axis - 2}">${perMinute.length} min ago</text><text x="${perMinute.length * w - 2}" y="${h + axis - 2}" text-anchor="end">now</text></svg>` +
    `<p class="quiet">${total} job(s) completed in the last ${perMinute.length} minutes, ${iso(start)} to now.</p>`
  );
}

function storeSection(s: StoreView, now: number): string {
  const rows = s.newest.map(
    (p) =>
      `<tr><td>${e(p.name)}</td><td>${e(p.version)}</td><td>${e(p.purl ?? '')}</td><td>${formatSize(p.size)}</td><td>${ago(p.mtime, now)}</td></tr>`,
  );
  return (
    `<p id="store-size"><span data-store="packages">${s.packages}</span> package(s), <span data-store="bytes" title="${s.bytes} bytes">${formatSize(s.bytes)}</span> in ${e(s.location)} <small>(read ${ago(s.at, now)})</small></p>` +
    (rows.length > 0
      ? `<table id="newest"><tr><th>package</th><th>version</th><th>purl</th><th>size</th><th>stored</th></tr>${rows.join('')}</table>`
      : '<p class="quiet">The store is empty.</p>')
  );
}

/** The images (`--images`): each with its package count, and a who-uses form answered on the same page. */
function imagesSection(v: ImagesView, uses: string | undefined, answered: UsesAnswer | undefined, now: number): string {
  const form =
    `<form method="get" action="/#images" id="who-uses"><input name="uses" size="40" placeholder="pkg:npm/debug, pkg:npm/debug@2.6.9, pkg:npm/debug@&lt;3 or node-debug" value="${e(uses ?? '')}">` +
    '<button type="submit">who uses</button></form>';
  const head = `<p><span data-images="count">${v.images.length}</span> image(s) in ${e(v.location)} <small>(read ${ago(v.at, now)})</small></p>`;
  if (v.error !== undefined) return `${head}<p class="reason" id="images-error">${e(v.error)}</p>`;
  let answer = '';
  if (uses !== undefined && answered !== undefined && 'error' in answered) {
    answer = `<p class="reason" id="uses-error">${e(answered.error)}</p>`;
  } else if (uses !== undefined && answered !== undefined && 'hits' in answered) {
    const hits = answered.hits;
    answer =
      hits.length === 0
        ? `<p class="quiet" id="uses-none">No image holds ${e(uses)}.</p>`
        : `<table id="uses"><tr><th>image</th><th>packages</th></tr>${hits
            .map((h) => `<tr><td>${e(h.image)}</td><td>${e(h.packages.map((p) => `${p.name} ${p.version}`).join(', '))}</td></tr>`)
            .join('')}</table>`;
  }
  const rows = v.images.map((i) => `<tr><td>${e(i.image)}</td><td data-packages>${i.packages.length}</td></tr>`);
  const list =
    rows.length > 0
      ? `<table id="images-list"><tr><th>image</th><th>packages</th></tr>${rows.join('')}</table>`
      : '<p class="quiet">No images.</p>';
  return `${head}${form}${answer}${list}`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#9cc3ff}main{padding:8px 24px;display:grid;grid-template-columns:1fr 1fr;gap:0 32px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:4px 16px 12px;margin:8px 0}
section.wide{grid-column:1/3}h2{font-size:16px}h3{font-size:14px;margin:8px 0 2px}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eef0f3}
td:first-child,th:first-child,#running td,#newest td{text-align:left}.bad{color:#b3261e;font-weight:bold}
.reason{color:#b3261e;margin:2px 0}pre.log{background:#1d2330;color:#e8eaed;padding:8px;overflow:auto;max-height:240px;font-size:12px}
.quiet{color:#667}article.failed{border-top:1px solid #eef0f3}svg rect{fill:#3f7de0}svg text{font-size:10px;fill:#667}svg line{stroke:#b8bec8}
.mode{padding:2px 8px;border-radius:4px;background:#3a4255}form.retry{margin:4px 0}`;

export function page(v: FleetView, store: StoreView, ctx: PageContext, images?: ImagesView, uses?: string, answered?: UsesAnswer): string {
  const mode = ctx.allowRetry ? `retries allowed${ctx.tokenRequired ? ' with the token' : ''}` : 'read-only';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="15">
<title>bale fleet</title><style>${STYLE}</style></head><body>
<header><strong>bale fleet</strong><span>Redis ${e(ctx.redis)}</span><span class="mode" id="mode">${mode}</span>
<a href="${e(ctx.boardPath)}/">queues in Bull Board</a><span>as of ${iso(v.at)}</span></header>
<main>
<section class="wide"><h2>Queues</h2>${queuesTable(v)}</section>
<section><h2>Running</h2>${runningTable(v.running, ctx, v.at)}</section>
<section><h2>Throughput</h2>${throughputChart(v)}</section>
<section class="wide" id="failed"><h2>Failed (${v.failed.length} newest)</h2>${failedList(v.failed, ctx, v.at)}</section>
<section class="wide"><h2>Store</h2>${storeSection(store, v.at)}</section>
${images !== undefined ? `<section class="wide" id="images"><h2>Images</h2>${imagesSection(images, uses, answered, v.at)}</section>` : ''}
</main></body></html>`;
}

/**
 * `bale dashboard` as an operator sees it: a real redis-server, a real `bale worker` that built
 * some packages and failed one (fx-download's install script wants the network), the page opened
 * in Debian's Chromium through playwright-core. The failed build's reason and log tail are on the
 * page, its counts are `bale queue status --json`'s, Bull Board lists bale's queues; a screenshot
 * goes to dist/screenshots/ (build output, not tracked), and to docs/dashboard.png for the README
 * with BALE_SCREENSHOT_DOCS=1, so a test run leaves the tree clean. Then what may change
 * state: read-only refuses, --allow-retry with --token wants the token; and how it starts: on
 * 127.0.0.1 only, one line and a non-zero exit for a bad or unreachable Redis.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startDashboardProcess, type DashboardProcess } from '../helpers/dashboard.js';
import { buildQueue, startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis.js';

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
type Status = { queues: { queue: string; counts: Record<string, number> }[]; failed: { id: string; name: string; reason: string }[] };

describe('bale dashboard in Chromium, against a real fleet with one failed build', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let dash: DashboardProcess;
  let browser: Browser;
  const others: DashboardProcess[] = [];
  const dir = (name: string): string => path.join(t.dir, name);
  const request = (spec: string) =>
    bale(['request', spec, '--queue', redis.url, '--registry', registry.url, '--store', dir('s'), '--recipes', dir('r'), '--json']);

  before(async () => {
    t = await tempDir('dashboard');
    registry = await startNpmRegistry();
    redis = await startRedis(dir('redis'));
    // A cache of its own: fx-download's log is named by package and Node, and other tests build it too.
    workers = [
      await startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('wr'), concurrency: 2, cacheHome: dir('cache') }),
    ];
    for (const spec of ['npm:fx-app@1.0.0', 'npm:fx-scripted@1.0.0']) {
      const r = await request(spec);
      assert.equal(r.code, 0, r.stderr);
    }
    const failed = await request('npm:fx-download@1.0.0');
    assert.equal(failed.code, 1, 'fx-download cannot build: its install script downloads');
    dash = await startDashboardProcess(['--redis', redis.url, '--store', dir('s')]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    for (const d of [dash, ...others]) await d?.stop();
    await stopAll(workers);
    await redis?.stop();
    await registry?.close();
    await t?.cleanup();
  });

  test('the page shows the failed build with its reason and log tail, the counts of queue status, the store; Bull Board lists the queues', async () => {
    const st = await bale(['queue', 'status', '--redis', redis.url, '--json']);
    assert.equal(st.code, 0, st.stderr);
    const status = JSON.parse(st.stdout) as Status;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(dash.url);

    for (const q of status.queues) {
      for (const c of COUNTED) {
        const shown = await page.locator(`#queues tr[data-queue="${q.queue}"] td[data-count="${c}"]`).textContent();
        assert.equal(Number(shown), q.counts[c], `${q.queue} ${c}`);
      }
    }
    const build = status.queues.find((q) => q.queue === 'bale-build')!;
    assert.equal(build.counts['failed'], 1);
    assert.ok(build.counts['completed']! > 0);

    const failed = status.failed.find((f) => f.name.includes('fx-download'))!;
    const card = page.locator(`article.failed[data-job="${failed.id}"]`);
    assert.equal(await card.count(), 1, 'the failed build has its card');
    assert.equal(await card.locator('.reason').textContent(), failed.reason);
    assert.match(failed.reason, /fx-download@1\.0\.0 install script failed .*Failed to download/);
    const log = (await card.locator('pre.log').textContent()) ?? '';
    // Lines only the log has: what the script printed after the failure, and its stack.
    assert.match(log, /fx-download: cleaning up/);
    assert.match(log, /Command failed: fx-download build/);
    assert.equal(await page.locator('#failed form.retry').count(), 0, 'read-only: no retry button');
    assert.equal(await page.locator('#mode').textContent(), 'read-only');

    const completed = status.queues.reduce((n, q) => n + q.counts['completed']!, 0);
    assert.equal(
      Number(await page.locator('#throughput').getAttribute('data-total')),
      completed,
      'every job completed within the hour is in the chart',
    );
    const tgz = (await readdir(path.join(dir('s'), 'packages'))).filter((f) => f.endsWith('.tar.gz'));
    assert.equal(Number(await page.locator('[data-store="packages"]').textContent()), tgz.length);
    assert.ok((await page.locator('#newest tr').count()) > 1, 'the newest packages are listed');
    assert.match((await page.locator('#newest').textContent()) ?? '', /node\d+-fx-scripted|fx-app/);

    const shot = path.join(repoRoot(), 'dist', 'screenshots', 'dashboard.png');
    await mkdir(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok((await stat(shot)).size > 10_000, 'a screenshot with something on it');
    if (process.env['BALE_SCREENSHOT_DOCS'] === '1') await copyFile(shot, path.join(repoRoot(), 'docs', 'dashboard.png'));

    await page.click('text=queues in Bull Board');
    await page.waitForSelector('text=bale-build', { timeout: 30_000 });
    // Each of bale's queues is shown (rendered by Bull Board's UI from its API, not in the page's source).
    for (const q of ['bale-build', 'bale-plan', 'bale-import-npm', 'bale-import-pypi', 'bale-rebuild'])
      assert.ok(await page.getByText(q, { exact: true }).first().isVisible(), `Bull Board lists ${q}`);
    await page.screenshot({ path: path.join(t.dir, 'bull-board.png') });
    await page.close();
  });

  test("read-only: a retry is refused (Bull Board's and the page's), and the job stays failed", async () => {
    const q = await buildQueue(redis.url);
    try {
      const [job] = await q.queue.getFailed();
      const put = await fetch(`${dash.url}queues/api/queues/bale-build/${job!.id}/retry`, { method: 'PUT' });
      assert.equal(put.status, 405);
      assert.match(await put.text(), /read-only.*--allow-retry/);
      const all = await fetch(`${dash.url}queues/api/queues/bale-build/retry/failed`, { method: 'PUT' });
      assert.equal(all.status, 405);
      const form = await fetch(`${dash.url}retry`, { method: 'POST', body: new URLSearchParams({ queue: 'bale-build', id: job!.id! }) });
      assert.equal(form.status, 405);
      assert.equal(await q.queue.getJobState(job!.id!), 'failed');
    } finally {
      await q.close();
    }
  });

  test('a running build is on the page while it runs', async () => {
    const slow = request('npm:fx-slow@1.0.0');
    const page = await browser.newPage();
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        await page.goto(dash.url);
        if ((await page.locator('#running tr.running', { hasText: 'fx-slow' }).count()) > 0) break;
        assert.ok(Date.now() < deadline, 'fx-slow never showed as running');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await page.close();
    }
    assert.equal((await slow).code, 0);
  });

  test('binds 127.0.0.1 unless told: another loopback address is refused; --host 0.0.0.0 answers there', async () => {
    assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = Number(new URL(dash.url).port);
    const reach = (host: string, p: number): Promise<string> =>
      new Promise((resolve) => {
        const c = net.connect(p, host);
        c.on('connect', () => {
          c.destroy();
          resolve('connected');
        });
        c.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    assert.equal(await reach('127.0.0.1', port), 'connected');
    assert.equal(await reach('127.0.0.2', port), 'ECONNREFUSED');
    const any = await startDashboardProcess(['--redis', redis.url, '--store', dir('s'), '--host', '0.0.0.0']);
    others.push(any);
    assert.equal(await reach('127.0.0.2', Number(new URL(any.url).port)), 'connected');
  });

  test('--allow-retry --token: a retry without the token or with a wrong one is refused, with it the job runs again; other actions stay refused', async () => {
    const token = 'correct-horse-battery';
    const d = await startDashboardProcess(['--redis', redis.url, '--store', dir('s'), '--allow-retry', '--token', token]);
    others.push(d);
    const q = await buildQueue(redis.url);
    try {
      const [job] = await q.queue.getFailed();
      const retry = `${d.url}queues/api/queues/bale-build/${job!.id}/retry`;
      assert.equal((await fetch(retry, { method: 'PUT' })).status, 403);
      assert.equal((await fetch(retry, { method: 'PUT', headers: { authorization: 'Bearer wrong-token-here' } })).status, 403);
      const noToken = await fetch(`${d.url}retry`, { method: 'POST', body: new URLSearchParams({ queue: 'bale-build', id: job!.id! }) });
      assert.equal(noToken.status, 403);
      assert.equal(await q.queue.getJobState(job!.id!), 'failed', 'still failed after the refusals');
      const clean = await fetch(`${d.url}queues/api/queues/bale-build/clean/failed`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(clean.status, 405, 'cleaning is not retrying');

      // The operator's way: open the page with the token once (a cookie), then the retry button.
      const page = await browser.newPage();
      await page.goto(`${d.url}?token=${token}`);
      assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
      assert.match((await page.locator('#mode').textContent()) ?? '', /retries allowed with the token/);
      const card = page.locator(`article.failed[data-job="${job!.id}"]`);
      await card.locator('input[name="token"]').fill(token);
      await card.locator('button[type="submit"]').click();
      await page.waitForLoadState();
      await page.close();
      const state = await q.queue.getJobState(job!.id!);
      assert.ok(
        state !== 'failed' || ((await q.queue.getJob(job!.id!))?.finishedOn ?? 0) > (job!.finishedOn ?? 0),
        `the job ran again (${state})`,
      );
      assert.match(d.log(), /retried .*fx-download/);
    } finally {
      await q.close();
    }
  });

  test('bad starts: one line naming the problem, non-zero exit', async () => {
    const bad = await bale(['dashboard', '--redis', 'http://127.0.0.1:6379', '--store', dir('s')]);
    assert.equal(bad.code, 2);
    assert.match(oneErrorLine(bad.stderr), /--redis/);
    const gone = await bale(['dashboard', '--redis', `redis://127.0.0.1:${await freePort()}`, '--store', dir('s')]);
    assert.equal(gone.code, 1);
    assert.match(oneErrorLine(gone.stderr), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
    const busy = await bale(['dashboard', '--redis', redis.url, '--store', dir('s'), '--port', String(redis.port)]);
    assert.equal(busy.code, 1);
    assert.match(oneErrorLine(busy.stderr), /cannot serve the dashboard on 127\.0\.0\.1:\d+: the port is in use/);
    const token = await bale(['dashboard', '--redis', redis.url, '--token', 'some-token-1']);
    assert.equal(token.code, 2);
    assert.match(oneErrorLine(token.stderr), /--token guards retries.*--allow-retry/);
    const host = await bale(['dashboard', '--redis', redis.url, '--host', 'http://x/']);
    assert.equal(host.code, 2);
    assert.match(oneErrorLine(host.stderr), /--host/);
  });
});

/**
 * The fleet under faults, with real processes: a worker SIGKILLed mid-build (its job finishes on
 * another), Redis restarted mid-run (append-only file: no job lost), a worker told SIGTERM
 * (finishes its build, then exits 0), a poisoned recipe (fails once, unrecoverable, the others
 * build), a registry answering 503 longer than one attempt's retries (the queue retries the job).
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { BALE_BIN, bale, oneErrorLine, SHARED_XDG_CACHE, tempDir } from '../helpers/cli.js';
import { buildQueue, startWorkerProcess, stopAll, waitForActive, type WorkerProcess } from '../helpers/fleet.js';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

interface Line {
  name: string;
  sha256: string;
  file: string;
}

describe('the fleet under faults (real Redis, real workers)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  const workers: WorkerProcess[] = [];
  const servers: RedisServer[] = [];
  let n = 0;
  const fresh = async (): Promise<{ redis: RedisServer; dir: (x: string) => string }> => {
    const base = path.join(t.dir, `case${++n}`);
    const redis = await startRedis(path.join(base, 'redis'));
    servers.push(redis);
    return { redis, dir: (x) => path.join(base, x) };
  };
  const worker = async (redis: RedisServer, dir: (x: string) => string, cacheHome?: string): Promise<WorkerProcess> => {
    const w = await startWorkerProcess({
      redis: redis.url,
      store: dir('s'),
      recipes: dir('wr'),
      ...(cacheHome !== undefined ? { cacheHome } : {}),
    });
    workers.push(w);
    return w;
  };
  /** A queued request running in the background, as a user's shell would run it. */
  const requestInBackground = (specs: string[], redis: RedisServer, dir: (x: string) => string) =>
    execa(
      process.execPath,
      [
        BALE_BIN,
        'request',
        ...specs,
        '--queue',
        redis.url,
        '--registry',
        registry.url,
        '--store',
        dir('s'),
        '--recipes',
        dir('r'),
        '--json',
      ],
      {
        cwd: repoRoot(),
        env: { XDG_CACHE_HOME: SHARED_XDG_CACHE },
        reject: false,
        stdin: 'ignore',
        timeout: 300_000,
      },
    );
  let slowSha: string;

  before(async () => {
    t = await tempDir('faults');
    registry = await startNpmRegistry();
    const local = await bale([
      'request',
      'npm:fx-slow@1.0.0',
      '--registry',
      registry.url,
      '--store',
      path.join(t.dir, 's0'),
      '--recipes',
      path.join(t.dir, 'r0'),
      '--json',
    ]);
    assert.equal(local.code, 0, local.stderr);
    slowSha = (JSON.parse(local.stdout) as { packages: Line[] }).packages.find((l) => /^node\d+-fx-slow$/.test(l.name))!.sha256;
  });
  after(async () => {
    await stopAll(workers);
    for (const s of servers) await s.stop();
    await registry.close();
    await t.cleanup();
  });

  test('SIGKILL a worker mid-build: the job is taken again and finishes on the other worker', async () => {
    const { redis, dir } = await fresh();
    const w1 = await worker(redis, dir);
    const req = requestInBackground(['npm:fx-slow@1.0.0'], redis, dir);
    const q = await buildQueue(redis.url);
    try {
      const job = await waitForActive(q.queue);
      const w2 = await worker(redis, dir);
      w1.proc.kill('SIGKILL');
      assert.equal(await w1.exited, 'SIGKILL');
      const r = await req;
      assert.equal(r.exitCode, 0, String(r.stderr));
      const pkg = (JSON.parse(String(r.stdout)) as { packages: Line[] }).packages.find((l) => /^node\d+-fx-slow$/.test(l.name))!;
      assert.equal(pkg.sha256, slowSha, 'identical to the in-process build');
      assert.match(w2.log(), new RegExp(`built ${job.name.replace(/[|.]/g, '\\$&')}`));
      const done = (await q.queue.getJob(job.id!))!;
      assert.ok(done.stalledCounter >= 1, 'recovered as a stalled job');
      const left = (await readdir(path.join(dir('s'), 'packages'))).filter((f) => f.includes('.tmp-'));
      assert.deepEqual(left, []);
    } finally {
      await q.close();
    }
  });

  test('restart redis-server (append-only) mid-run: no job lost, the request completes', async () => {
    const { redis, dir } = await fresh();
    await worker(redis, dir);
    const req = requestInBackground(['npm:fx-slow@1.0.0', 'npm:fx-app@1.0.0'], redis, dir);
    const q = await buildQueue(redis.url);
    await waitForActive(q.queue);
    await q.close();
    await redis.restart();
    const r = await req;
    assert.equal(r.exitCode, 0, String(r.stderr));
    const names = (JSON.parse(String(r.stdout)) as { packages: Line[] }).packages.map((l) => l.name);
    assert.ok(names.some((x) => /^node\d+-fx-slow$/.test(x)) && names.includes('node-fx-app'), names.join(' '));
  });

  test('SIGTERM: the worker takes no new job, finishes the running build, exits 0', async () => {
    const { redis, dir } = await fresh();
    const w = await worker(redis, dir);
    const req = requestInBackground(['npm:fx-slow@1.0.0'], redis, dir);
    const q = await buildQueue(redis.url);
    try {
      await waitForActive(q.queue);
      w.proc.kill('SIGTERM');
      assert.equal(await w.exited, 0, w.log());
      assert.match(w.log(), /SIGTERM: taking no more jobs/);
      assert.match(w.log(), /built pkg:npm\/fx-slow@1\.0\.0/);
      const r = await req;
      assert.equal(r.exitCode, 0, String(r.stderr));
    } finally {
      await q.close();
    }
  });

  test('a poisoned recipe fails once, unrecoverable, with its reason; the other builds finish', async () => {
    const { redis, dir } = await fresh();
    await worker(redis, dir);
    const imp = await bale(['import', 'npm:fx-app@1.0.0', 'npm:fx-scripted@1.0.0', '--registry', registry.url, '--recipes', dir('r')]);
    assert.equal(imp.code, 0, imp.stderr);
    const file = path.join(dir('r'), 'npm/fx-scripted/1.0.0.toml');
    const text = await readFile(file, 'utf8');
    // Another valid sha512: the recipe still parses; the download no longer matches it.
    await writeFile(
      file,
      text.replace(/integrity = "sha512-(.)/, (_m, c: string) => `integrity = "sha512-${c === 'A' ? 'B' : 'A'}`),
    );
    const r = await bale([
      'enqueue',
      'npm:fx-app@1.0.0',
      'npm:fx-scripted@1.0.0',
      '--redis',
      redis.url,
      '--recipes',
      dir('r'),
      '--store',
      dir('s'),
      '--wait',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /pkg:npm\/fx-scripted@1\.0\.0\|.* failed on a worker: .*(integrity|sha512).*bale queue retry --failed/,
    );
    const q = await buildQueue(redis.url);
    try {
      const failed = await q.queue.getFailed();
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.attemptsMade, 1, 'not retried: a hash mismatch is deterministic');
      for (let i = 0; i < 100 && ((await q.queue.getJobCounts('completed'))['completed'] ?? 0) < 1; i++)
        await new Promise((res) => setTimeout(res, 100));
      const completed = await q.queue.getCompleted();
      assert.ok(
        completed.some((j) => j.name.startsWith('pkg:npm/fx-app@1.0.0|')),
        'fx-app built regardless',
      );
    } finally {
      await q.close();
    }
    const st = await bale(['queue', 'status', '--redis', redis.url]);
    assert.match(st.stdout, /failed jobs .*\n {2}pkg:npm\/fx-scripted@1\.0\.0\|.*: .*(integrity|sha512)/);
    // After fixing the recipe, retry runs it again.
    await writeFile(file, text);
    const retried = await bale(['queue', 'retry', '--failed', '--redis', redis.url, '--json']);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal((JSON.parse(retried.stdout) as { retried: unknown[] }).retried.length, 1);
  });

  test('a registry answering 503 beyond one attempt: the queue retries the job with backoff and it succeeds', async () => {
    const { redis, dir } = await fresh();
    await worker(redis, dir, dir('cache')); // its own source cache: the tarball must be downloaded
    const imp = await bale(['import', 'npm:fx-left@1.0.0', '--registry', registry.url, '--recipes', dir('r')]);
    assert.equal(imp.code, 0, imp.stderr);
    // The fetcher tries 4 times per job attempt: 5 failures need a second job attempt.
    registry.fault('fx-left', { kind: 'status', status: 503, times: 5, on: 'tarball' });
    const before = registry.requests.length;
    const r = await bale([
      'enqueue',
      'npm:fx-left@1.0.0',
      '--redis',
      redis.url,
      '--recipes',
      dir('r'),
      '--store',
      dir('s'),
      '--wait',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const tarballs = registry.requests.slice(before).filter((x) => x.path.endsWith('.tgz'));
    assert.ok(tarballs.length >= 6, `five 503s, then the 200: ${tarballs.length} requests`);
    const q = await buildQueue(redis.url);
    try {
      const [job] = await q.queue.getCompleted();
      assert.ok(
        job!.attemptsMade >= 1 && job!.attemptsStarted >= 2,
        `attempts: ${job!.attemptsMade} made, ${job!.attemptsStarted} started`,
      );
    } finally {
      await q.close();
    }
  });
});

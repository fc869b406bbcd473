/**
 * `bale enqueue --import`: specs resolved on the workers (one import job each), recipes written
 * to the worker's recipes tree, builds planned and run by the fleet. A registry that rate-limits
 * (429 + Retry-After, past the client's own retries) pauses the import queue instead of failing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bale, tempDir } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

interface Line {
  name: string;
  sha256: string;
}

describe('bale enqueue --import (real Redis, a worker, npm fixtures)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  let redis: RedisServer;
  let worker: WorkerProcess;
  const dir = (x: string): string => path.join(t.dir, x);

  before(async () => {
    t = await tempDir('qimport');
    registry = await startNpmRegistry();
    redis = await startRedis(dir('redis'));
    worker = await startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('wr'), concurrency: 2 });
  });
  after(async () => {
    await stopAll([worker]);
    await redis.stop();
    await registry.close();
    await t.cleanup();
  });

  test('the worker resolves, writes the recipes it pinned, and builds them; the same recipes as a local import', async () => {
    const r = await bale([
      'enqueue',
      'npm:fx-app@1.0.0',
      '--import',
      '--registry',
      registry.url,
      '--redis',
      redis.url,
      '--store',
      dir('s'),
      '--wait',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { roots: string[]; packages: Line[] };
    assert.deepEqual(out.roots, ['pkg:npm/fx-app@1.0.0']);
    assert.ok(
      out.packages.some((p) => p.name === 'node-fx-app'),
      r.stdout,
    );
    const local = await bale(['import', 'npm:fx-app@1.0.0', '--registry', registry.url, '--recipes', dir('r0')]);
    assert.equal(local.code, 0, local.stderr);
    const rel = 'npm/fx-app/1.0.0.toml';
    assert.equal(await readFile(path.join(dir('wr'), rel), 'utf8'), await readFile(path.join(dir('r0'), rel), 'utf8'));
  });

  test('429 with Retry-After beyond the client retries: the import waits and then succeeds, never failed', async () => {
    registry.fault('fx-left', { kind: 'status', status: 429, retryAfter: '1', times: 8 });
    const before = registry.requests.filter((x) => x.path === '/fx-left').length;
    const started = Date.now();
    const r = await bale([
      'enqueue',
      'npm:fx-left@1.0.0',
      '--import',
      '--registry',
      registry.url,
      '--redis',
      redis.url,
      '--store',
      dir('s'),
      '--wait',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const asked = registry.requests.filter((x) => x.path === '/fx-left').length - before;
    assert.ok(asked >= 9, `eight 429s, then the packument: ${asked} requests`);
    assert.ok(Date.now() - started >= 1000, 'waited as the registry asked');
    assert.doesNotMatch(worker.log(), /failed npm:fx-left/);
    const st = await bale(['queue', 'status', '--redis', redis.url, '--json']);
    const s = JSON.parse(st.stdout) as { queues: { queue: string; counts: Record<string, number> }[] };
    assert.equal(s.queues.find((q) => q.queue === 'bale-import-npm')!.counts['failed'], 0);
    const redisClient = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue('bale-import-npm', { connection: redisClient });
    try {
      const job = (await q.getCompleted()).find((j) => j.name === 'npm:fx-left@1.0.0')!;
      // Put back by the rate limit, not failed and retried: one attempt made, more than one started.
      assert.equal(job.attemptsMade, 1, `made ${job.attemptsMade}`);
      assert.ok(job.attemptsStarted >= 2, `started ${job.attemptsStarted}`);
    } finally {
      await q.close();
      redisClient.disconnect();
    }
  });
});

/**
 * `bale refresh --queue`: versions are decided here, the moved roots become import jobs (pinned to
 * their new versions), and a worker writes their recipes into the fleet's recipes tree; a root that
 * did not move is not enqueued.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, tempDir } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { generatedVersion } from '../helpers/npm-generated.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

describe('bale refresh --queue (real Redis, a worker)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  let redis: RedisServer;
  let worker: WorkerProcess | undefined;
  const dir = (x: string): string => path.join(t.dir, x);

  before(async () => {
    t = await tempDir('qrefresh');
    registry = await startNpmRegistry();
    redis = await startRedis(dir('redis'));
  });
  after(async () => {
    await stopAll(worker === undefined ? [] : [worker]);
    await redis.stop();
    await registry.close();
    await t.cleanup();
  });

  test('the moved root is imported on the fleet at its new version; the other is not enqueued', async () => {
    for (const n of ['rq-moves', 'rq-stays']) registry.publish(n, [await generatedVersion(n, '1.0.0')]);
    const flags = ['--registry', registry.url, '--recipes', dir('recipes'), '--store', dir('s')];
    const imp = await bale(['import', 'npm:rq-moves@^1.0.0', 'npm:rq-stays@^1.0.0', ...flags]);
    assert.equal(imp.code, 0, imp.stderr);
    registry.publish('rq-moves', await Promise.all(['1.0.0', '1.1.0'].map((v) => generatedVersion('rq-moves', v))));
    const r = await bale(['refresh', 'npm:rq-moves@^1.0.0', 'npm:rq-stays@^1.0.0', '--queue', redis.url, '--json', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { moved: { minor: { to: string }[] }; jobs: { queue: string; id: string }[]; recipes: unknown[] };
    assert.deepEqual(
      out.moved.minor.map((m) => m.to),
      ['1.1.0'],
    );
    assert.equal(out.jobs.length, 1);
    assert.deepEqual(out.recipes, []); // written by the worker, not here
    worker = await startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('recipes') });
    const want = path.join(dir('recipes'), 'npm/rq-moves/1.1.0.toml');
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await access(want);
        break;
      } catch {
        if (Date.now() > deadline) assert.fail(`the worker did not write ${want}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  });
});

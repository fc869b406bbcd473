/**
 * A worker fleet sharing a registry instead of a directory: two `bale worker --store oci://…`
 * processes, each with a cache of its own, build a closure through the queue into a real
 * docker-registry; a machine that never built anything then gets every package from it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import { bale, tempDir } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

type Line = { name: string; version: string; sha256: string; file: string; cached: boolean };
const SPECS = ['npm:fx-app@1.0.0', 'npm:fx-scripted@1.0.0'];
const sums = (ls: Line[]): string[] => ls.map((l) => `${l.name} ${l.version} ${l.sha256}`).sort();

describe('bale worker x2 --store oci://… (real Redis, docker-registry, npm fixtures)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let redis: RedisServer;
  let oci: OciRegistry;
  let workers: WorkerProcess[] = [];
  const dir = (x: string): string => path.join(t.dir, x);
  const store = (): string => `${oci.url}/fleet`;

  before(async () => {
    t = await tempDir('oci-fleet');
    npm = await startNpmRegistry();
    redis = await startRedis(dir('redis'));
    oci = await startOciRegistry();
    workers = await Promise.all(
      [1, 2].map((i) =>
        startWorkerProcess({ redis: redis.url, store: store(), recipes: dir(`wr${i}`), cacheHome: dir(`worker${i}`), concurrency: 2 }),
      ),
    );
  });
  after(async () => {
    await stopAll(workers);
    await redis.stop();
    await oci.stop();
    await npm.close();
    await t.cleanup();
  });

  test('the fleet builds into the registry; another machine gets every package from it, identical', async () => {
    assert.match(workers[0]!.log(), new RegExp(`store ${store().replace(/[.]/g, '\\.')}`));
    const queued = await bale(
      ['request', ...SPECS, '--queue', redis.url, '--registry', npm.url, '--store', store(), '--recipes', dir('r'), '--json'],
      { env: { XDG_CACHE_HOME: dir('client') } },
    );
    assert.equal(queued.code, 0, queued.stderr);
    const built = (JSON.parse(queued.stdout) as { packages: Line[] }).packages;
    assert.ok(built.length > 0);
    // Named where this machine's copy goes: under its own cache, as a later lookup here would put it.
    assert.ok(
      built.every((l) => l.file.startsWith(path.join(dir('client'), 'bale', 'oci-store'))),
      built[0]!.file,
    );
    const runs = workers.map((w) => (w.log().match(/^bale worker: built /gm) ?? []).length);
    assert.ok(runs[0]! + runs[1]! > 0, 'the workers built');

    const client = new RegistryClient(parseRegistryUrl(store()).registry, { credentials: null, env: {} });
    try {
      assert.equal((await client.listTags('fleet/builds')).length, runs[0]! + runs[1]!, 'one build artifact per build');
    } finally {
      await client.close();
    }

    const fresh = await bale(['request', ...SPECS, '--registry', npm.url, '--store', store(), '--recipes', dir('r2'), '--json'], {
      env: { XDG_CACHE_HOME: dir('fresh') },
    });
    assert.equal(fresh.code, 0, fresh.stderr);
    const got = (JSON.parse(fresh.stdout) as { packages: Line[] }).packages;
    assert.ok(
      got.every((l) => l.cached),
      'nothing rebuilt',
    );
    assert.deepEqual(sums(got), sums(built));
    for (const l of got)
      assert.equal(
        createHash('sha256')
          .update(await readFile(l.file))
          .digest('hex'),
        l.sha256,
      );
  });
});

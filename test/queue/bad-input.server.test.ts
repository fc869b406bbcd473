/**
 * What an operator gets wrong, each one line and a non-zero exit, nothing enqueued: no Redis
 * named, a URL that is not Redis, a Redis that is down, one that may evict keys, a missing
 * spec file, retry without saying what.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { buildQueue } from '../helpers/fleet.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis.js';

describe('fleet commands: bad input', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let evicting: RedisServer;
  let healthy: RedisServer;

  before(async () => {
    t = await tempDir('qbad');
    evicting = await startRedis(path.join(t.dir, 'r1'), ['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru']);
    healthy = await startRedis(path.join(t.dir, 'r2'));
  });
  after(async () => {
    await evicting.stop();
    await healthy.stop();
    await t.cleanup();
  });

  // Usage errors (a flag, a variable, a missing argument) exit 2; what was given but failed, 1.
  const cases: { name: string; args: () => Promise<string[]>; says: RegExp; exit: number }[] = [
    {
      name: 'no Redis named',
      args: async () => ['worker'],
      says: /no Redis to talk to: pass --redis redis:\/\/HOST:PORT or set BALE_REDIS_URL/,
      exit: 2,
    },
    {
      name: 'not a Redis URL',
      args: async () => ['queue', 'status', '--redis', 'http://127.0.0.1:6379'],
      says: /--redis http:\/\/127\.0\.0\.1:6379: must be a redis:\/\/ or rediss:\/\/ URL/,
      exit: 2,
    },
    {
      name: 'Redis down',
      args: async () => ['enqueue', 'npm:fx-app@1.0.0', '--redis', `redis://127.0.0.1:${await freePort()}`],
      says: /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/? .*start it, or point --redis/,
      exit: 1,
    },
    {
      name: 'a Redis that evicts',
      args: async () => ['worker', '--redis', evicting.url],
      says: /maxmemory-policy allkeys-lru: .*set it to noeviction/,
      exit: 1,
    },
    {
      name: 'a missing spec file',
      args: async () => ['enqueue', '--from-file', path.join(t.dir, 'nope.txt'), '--redis', healthy.url],
      says: /--from-file .*nope\.txt: no such file/,
      exit: 2,
    },
    { name: 'nothing to enqueue', args: async () => ['enqueue', '--redis', healthy.url], says: /nothing to enqueue/, exit: 2 },
    { name: 'a bad spec', args: async () => ['enqueue', 'npm:', '--import', '--redis', healthy.url], says: /npm:/, exit: 1 },
    {
      name: 'retry without --failed',
      args: async () => ['queue', 'retry', '--redis', healthy.url],
      says: /say which jobs: --failed/,
      exit: 2,
    },
    {
      name: 'request --queue without a URL',
      args: async () => ['request', 'npm:fx-app@1.0.0', '--queue', '--registry', 'http://127.0.0.1:1/'],
      says: /no Redis to talk to: pass --queue redis:\/\/HOST:PORT or set BALE_REDIS_URL/,
      exit: 2,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: one line, exit ${c.exit}`, async () => {
      const r = await bale([...(await c.args()), '--store', path.join(t.dir, 's'), '--recipes', path.join(t.dir, 'r')], {
        env: { BALE_REDIS_URL: '' },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, c.exit, r.stderr);
      assert.match(oneErrorLine(r.stderr), c.says);
    });
  }

  test('nothing was enqueued by any of them', async () => {
    const q = await buildQueue(healthy.url);
    try {
      const counts = await q.queue.getJobCounts();
      assert.ok(
        Object.values(counts).every((n) => n === 0),
        JSON.stringify(counts),
      );
    } finally {
      await q.close();
    }
  });
});

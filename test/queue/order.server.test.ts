/**
 * Build order through the queue (bale's own DAG on top of content-hash job ids): a gem whose
 * extension needs its dependency on GEM_PATH waits for that dependency's build; a requirement
 * shared by two requests is built once; a cycle of build requirements fails the plan, naming it.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { buildQueue, startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { startGemServer, type GemServer } from '../helpers/gem-server.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

describe('build order on the fleet (real Redis, two workers, fixture gems)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let gems: GemServer;
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  const dir = (x: string): string => path.join(t.dir, x);

  before(async () => {
    t = await tempDir('order');
    gems = await startGemServer();
    redis = await startRedis(dir('redis'));
    workers = await Promise.all(
      [1, 2].map(() => startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('wr'), concurrency: 2 })),
    );
  });
  after(async () => {
    await stopAll(workers);
    await redis.stop();
    await gems.close();
    await t.cleanup();
  });

  test('an extension waits for its dependency; the shared dependency is built once', async () => {
    const r = await bale([
      'request',
      'gem:fxg-extdep',
      'gem:fxg-app',
      '--ruby',
      '3.1',
      '--source',
      gems.url,
      '--queue',
      redis.url,
      '--store',
      dir('s'),
      '--recipes',
      dir('r'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const q = await buildQueue(redis.url);
    try {
      const jobs = await q.queue.getCompleted(0, -1);
      const leaf = jobs.find((j) => j.name.startsWith('pkg:gem/fxg-leaf@'))!;
      const extdep = jobs.find((j) => j.name.startsWith('pkg:gem/fxg-extdep@'))!;
      assert.deepEqual(extdep.data.deps, [leaf.id], 'the extension runs against its dependency');
      // The guarantee is "built once the dependency's package is in the store": a worker polls the
      // store, so the extension may start in the moment between the leaf's package landing and the
      // leaf's job being marked finished. The package file's mtime is when it landed (never touched after).
      const leafStored = (await stat(path.join(dir('s'), leaf.returnvalue.packages[0]!.file))).mtimeMs;
      assert.ok(
        extdep.processedOn! >= Math.floor(leafStored),
        `extdep started ${extdep.processedOn} before leaf's package was stored ${leafStored}`,
      );
      const chain = jobs.find((j) => j.name.startsWith('pkg:gem/fxg-chain@'))!;
      assert.deepEqual(chain.data.deps, [], 'a pure gem waits for nothing');
    } finally {
      await q.close();
    }
    const builtLeaf = workers.flatMap((w) => w.log().match(/^bale worker: built pkg:gem\/fxg-leaf@.*$/gm) ?? []);
    assert.equal(builtLeaf.length, 1, workers.map((w) => w.log()).join('\n'));
  });

  test('a cycle of build requirements fails the plan and names it', async () => {
    const imp = await bale(['import', 'gem:fxg-extdep', '--ruby', '3.1', '--source', gems.url, '--recipes', dir('rc')]);
    assert.equal(imp.code, 0, imp.stderr);
    const file = path.join(dir('rc'), 'gem/fxg-leaf', (await readdir(path.join(dir('rc'), 'gem/fxg-leaf')))[0]!);
    const text = await readFile(file, 'utf8');
    // fxg-leaf now also compiles an extension and depends on fxg-extdep: each needs the other built first.
    const cyclic = text
      .replace('reasons = ["gem-install"]', 'reasons = ["extension", "gem-install"]')
      .replace('\n[build]', '\n[[dependency]]\nname = "fxg-extdep"\npurl = "pkg:gem/fxg-extdep@1.0.0"\nkind = "runtime"\n\n[build]');
    assert.notEqual(cyclic, text);
    await writeFile(file, cyclic);
    const r = await bale([
      'enqueue',
      'gem:fxg-extdep',
      '--ruby',
      '3.1',
      '--redis',
      redis.url,
      '--recipes',
      dir('rc'),
      '--store',
      dir('s'),
      '--wait',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /planning .* failed on a worker: build requirements form a cycle: pkg:gem\/fxg-(extdep|leaf)@[^ ]+ -> pkg:gem\/fxg-(extdep|leaf)@[^ ]+ -> /,
    );
  });
});

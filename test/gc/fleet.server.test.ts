/**
 * gc under a running fleet: two real `bale worker` processes (real redis-server) build the tree
 * with `bale build --all --queue` while `bale gc` runs again and again on their store. The native
 * addon being built runs against old packages no root reaches; its lease keeps them until its
 * description does. Afterwards every package the workers produced, every input they were built
 * against and the root's closure are there and whole, and everything is a cache hit.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, tempDir, type BaleRun } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { assertWhole } from './whole.js';

interface Line {
  name: string;
  file: string;
  cached: boolean;
}

describe('gc while two workers build (real Redis)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]): Promise<BaleRun> => bale([...args, '--registry', reg.url, '--store', dir('s'), '--recipes', dir('r')]);

  before(async () => {
    t = await tempDir('gc-fleet');
    reg = await startNpmRegistry();
    redis = await startRedis(dir('redis'));
    workers = await Promise.all([1, 2].map(() => startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('wr') })));
  });
  after(async () => {
    await stopAll(workers);
    await redis?.stop();
    await reg?.close();
    await t?.cleanup();
  });

  test('nothing a build needs or made is removed', async () => {
    const imp = await run(['import', 'npm:fx-app@1.0.0', 'npm:fx-gyp-bare@1.0.0']);
    assert.equal(imp.code, 0, imp.stderr);
    const first = await run(['build', '--all', '--json']);
    assert.equal(first.code, 0, first.stderr);
    // The addon's own build is removed, so the fleet builds it again, against its (old) inputs.
    const addon = (JSON.parse(first.stdout) as { packages: Line[] }).packages.filter((l) => /^node\d+-fx-gyp-bare/.test(l.name));
    assert.ok(addon.length > 0, first.stdout);
    const stems = addon.map((l) => path.basename(l.file, '.tar.gz'));
    for (const f of await readdir(dir('s/packages'))) if (stems.some((s) => f.startsWith(`${s}.`))) await rm(dir(`s/packages/${f}`));
    for (const f of await readdir(dir('s/builds'))) {
      const text = await readFile(dir(`s/builds/${f}`), 'utf8');
      if (stems.some((s) => text.includes(s))) await rm(dir(`s/builds/${f}`));
    }
    const { utimes } = await import('node:fs/promises');
    const old = new Date(Date.now() - 2 * 24 * 3600_000);
    for (const f of await listFiles(dir('s'))) await utimes(dir(`s/${f}`), old, old);
    await writeFile(dir('roots.txt'), 'npm:fx-app@1.0.0\n');

    const building = run(['build', '--all', '--queue', redis.url, '--json']);
    let finished: BaleRun | undefined;
    void building.then((r) => (finished = r));
    // Wait until a worker holds its lease (the addon's build is running), then collect while it runs.
    const deadline = Date.now() + 300_000;
    const leased = async (): Promise<boolean> =>
      (await readdir(dir('s/leases')).catch(() => [] as string[])).some((n) => n.endsWith('.lease.json'));
    while (!(await leased()) && finished === undefined) {
      assert.ok(Date.now() < deadline, 'no build took a lease');
      await new Promise((r) => setTimeout(r, 20));
    }
    let sawLease = false;
    let runs = 0;
    do {
      const g = await run(['gc', '--keep-roots', dir('roots.txt'), '--json']);
      assert.equal(g.code, 0, g.stderr);
      const out = JSON.parse(g.stdout) as { leases: number; files: string[] };
      if (out.leases > 0) sawLease = true;
      runs++;
    } while (finished === undefined || runs < 2);
    const done = await building;
    assert.equal(done.code, 0, done.stderr);
    assert.ok(sawLease, 'gc ran while a build held its lease');

    // Every package the workers produced is there and whole, and so is every input its description names.
    const lines = (JSON.parse(done.stdout) as { packages: Line[] }).packages;
    const rebuilt = lines.filter((l) => !l.cached);
    assert.ok(
      rebuilt.some((l) => /^node\d+-fx-gyp-bare/.test(l.name)),
      done.stdout,
    );
    const whole = await assertWhole(dir('s'));
    for (const l of lines) assert.ok(whole.includes(path.basename(l.file, '.tar.gz')), `${l.file} was removed`);
    for (const l of rebuilt) {
      const d = JSON.parse(await readFile(l.file.replace(/\.tar\.gz$/, '.build.json'), 'utf8')) as {
        inputs: { name: string; version: string; sha256: string }[];
      };
      assert.ok(d.inputs.length > 0 || !/gyp-bare/.test(l.name), 'the addon ran against its dependencies');
      for (const i of d.inputs) assert.ok(whole.includes(`${i.name}-${i.version}-${i.sha256.slice(0, 12)}`), `input ${i.name} was removed`);
    }
    // The whole tree is still a cache hit: nothing anything needs was lost.
    const again = await run(['build', '--all', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok((JSON.parse(again.stdout) as { packages: Line[] }).packages.every((l) => l.cached));
    for (const w of workers) assert.doesNotMatch(w.log(), /EGCRACE|left the store|failed/);
  });
});

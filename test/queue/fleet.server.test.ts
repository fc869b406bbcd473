/**
 * The worker fleet end to end: a real redis-server, real `bale worker` processes sharing one
 * store, the npm fixture registry. Two workers build a closure (pure, scripted and a node-gyp
 * addon) and the shared store ends up with exactly the packages an in-process build makes,
 * byte for byte; asking again is answered from the finished jobs.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, tempDir } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import type { PackageLine } from '../../src/cli/output.js';

/** What `--json` prints per package, in-process or through the queue alike. */
type Line = PackageLine;

const SPECS = ['npm:fx-app@1.0.0', 'npm:fx-scripted@1.0.0', 'npm:fx-native@1.0.0'];
const comparable = (ls: Line[]): string[] =>
  ls.map((l) => `${l.name} ${l.version} ${l.purl} ${l.interpreter} ${path.basename(l.file)} ${l.sha256}`).sort();

describe('bale worker x2 + bale request --queue (real Redis, npm fixtures)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  const dir = (name: string): string => path.join(t.dir, name);

  before(async () => {
    t = await tempDir('fleet');
    registry = await startNpmRegistry();
    redis = await startRedis(dir('redis'));
    workers = await Promise.all(
      [1, 2].map(() => startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('wr'), concurrency: 2 })),
    );
  });
  after(async () => {
    await stopAll(workers);
    await redis.stop();
    await registry.close();
    await t.cleanup();
  });

  test('two workers build the closure into the shared store: one of each package, identical to an in-process build', async () => {
    const local = await bale(['request', ...SPECS, '--registry', registry.url, '--store', dir('s0'), '--recipes', dir('r0'), '--json']);
    assert.equal(local.code, 0, local.stderr);
    const queued = await bale([
      'request',
      ...SPECS,
      '--queue',
      redis.url,
      '--registry',
      registry.url,
      '--store',
      dir('s'),
      '--recipes',
      dir('r'),
      '--json',
    ]);
    assert.equal(queued.code, 0, queued.stderr);
    const a = (JSON.parse(local.stdout) as { packages: Line[] }).packages;
    const b = (JSON.parse(queued.stdout) as { packages: Line[] }).packages;
    assert.ok(
      b.some((l) => l.name === 'node20-fx-native' || /^node\d+-fx-native$/.test(l.name)),
      'the addon was built through the queue',
    );
    assert.deepEqual(comparable(b), comparable(a));
    assert.ok(
      b.every((l) => l.file.startsWith(dir('s'))),
      'files are named in the shared store',
    );
    const tgz = (await readdir(path.join(dir('s'), 'packages'))).filter((f) => f.endsWith('.tar.gz'));
    assert.equal(tgz.length, new Set(b.map((l) => l.sha256)).size, 'exactly one file per package');
    assert.deepEqual(
      (await readdir(path.join(dir('s'), 'packages'))).filter((f) => f.includes('.tmp-')),
      [],
    );
    // Recipes are written by the requester after success, as an in-process request writes them.
    assert.deepEqual((await readdir(path.join(dir('r'), 'npm'))).sort(), (await readdir(path.join(dir('r0'), 'npm'))).sort());
    const both = workers.map((w) => (w.log().match(/^bale worker: built /gm) ?? []).length);
    assert.equal(
      both[0]! + both[1]!,
      new Set(b.map((l) => `${l.purl}|${l.interpreter}`)).size,
      `every build ran once across the fleet: ${both.join(' + ')}`,
    );
  });

  test('asking again completes from the finished jobs, reported as from the store; status counts them', async () => {
    const again = await bale([
      'request',
      ...SPECS,
      '--queue',
      redis.url,
      '--registry',
      registry.url,
      '--store',
      dir('s'),
      '--recipes',
      dir('r'),
      '--json',
    ]);
    assert.equal(again.code, 0, again.stderr);
    const lines = (JSON.parse(again.stdout) as { packages: Line[] }).packages;
    assert.ok(lines.length > 0 && lines.every((l) => l.cached), 'nothing rebuilt');
    const st = await bale(['queue', 'status', '--redis', redis.url, '--json']);
    assert.equal(st.code, 0, st.stderr);
    const s = JSON.parse(st.stdout) as {
      queues: { queue: string; counts: Record<string, number>; perMinute: number }[];
      failed: unknown[];
      slowest: { name: string; ms: number }[];
    };
    const build = s.queues.find((q) => q.queue === 'bale-build')!;
    assert.equal(build.counts['completed'], new Set(lines.map((l) => `${l.purl}|${l.interpreter}`)).size);
    assert.equal(build.counts['failed'], 0);
    assert.ok(build.perMinute > 0);
    assert.ok(s.slowest.length > 0 && s.slowest.every((j) => j.ms >= 0));
    assert.deepEqual(s.failed, []);
    const text = await bale(['queue', 'status', '--redis', redis.url]);
    assert.match(text.stdout, /^bale-build\s+0\s+0\s+0\s+0\s+\d+\s+0\s/m);
  });

  test('a store cleaned out is built again, not answered from the jobs that finished before', async () => {
    const { rm, access } = await import('node:fs/promises');
    await rm(dir('s'), { recursive: true, force: true });
    const r = await bale([
      'request',
      'npm:fx-app@1.0.0',
      '--queue',
      redis.url,
      '--registry',
      registry.url,
      '--store',
      dir('s'),
      '--recipes',
      dir('r'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = (JSON.parse(r.stdout) as { packages: Line[] }).packages;
    assert.ok(lines.length > 0 && lines.every((l) => !l.cached), 'rebuilt, and said so');
    for (const l of lines) await access(l.file);
  });

  test('enqueue reads imported recipes here and builds them on the fleet (--wait lists the packages)', async () => {
    const r = await bale([
      'enqueue',
      'npm:fx-scripted@1.0.0',
      '--redis',
      redis.url,
      '--recipes',
      dir('r0'),
      '--store',
      dir('s'),
      '--wait',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = (JSON.parse(r.stdout) as { packages: Line[] }).packages;
    assert.ok(
      lines.some((l) => /^node\d+-fx-scripted$/.test(l.name)),
      r.stdout,
    );
    const local = await bale(['build', 'npm:fx-scripted@1.0.0', '--recipes', dir('r0'), '--store', dir('s0'), '--json']);
    assert.deepEqual(comparable(lines), comparable((JSON.parse(local.stdout) as { packages: Line[] }).packages));
  });
});

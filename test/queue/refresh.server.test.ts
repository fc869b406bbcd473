/**
 * `bale refresh --queue`: versions are decided here, the moved roots become import jobs (pinned to
 * their new versions), a worker writes their recipes into the fleet's recipes tree, keeping the
 * dependencies' pins that still fit, and the fleet builds them; refresh waits for all of it, as
 * `request --queue` does. A root that did not move is not enqueued; with --keep-going a root whose
 * new version fails to build on the fleet is reported as a build failure, the others move.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, tempDir } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { generatedVersion } from '../helpers/npm-generated.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

interface RefreshJson {
  moved: { minor: { root: string; to: string }[] };
  jobs: { queue: string; id: string }[];
  recipes: unknown[];
  fleetRecipes: string[];
  packages: { name: string; version: string; cached: boolean }[];
  failedRoots?: { spec: string; category: string }[];
}

describe('bale refresh --queue (real Redis, two workers)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  const dir = (x: string): string => path.join(t.dir, x);
  const flags = (): string[] => ['--registry', registry.url, '--recipes', dir('recipes'), '--store', dir('s')];
  const mtime = async (f: string): Promise<bigint> => (await stat(path.join(dir('recipes'), f), { bigint: true })).mtimeNs;

  before(async () => {
    t = await tempDir('qrefresh');
    registry = await startNpmRegistry();
    redis = await startRedis(dir('redis'));
    workers = await Promise.all([1, 2].map(() => startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('recipes') })));
  });
  after(async () => {
    await stopAll(workers);
    await redis?.stop();
    await registry?.close();
    await t?.cleanup();
  });

  test('waits: the moved root is imported and built on the fleet, its dependency keeps its pin; the other is not enqueued', async () => {
    registry.publish('rq-dep', [await generatedVersion('rq-dep', '1.0.0')]);
    registry.publish('rq-moves', [await generatedVersion('rq-moves', '1.0.0', { 'rq-dep': '^1.0.0' })]);
    registry.publish('rq-stays', [await generatedVersion('rq-stays', '1.0.0')]);
    const imp = await bale(['import', 'npm:rq-moves@^1.0.0', 'npm:rq-stays@^1.0.0', ...flags()]);
    assert.equal(imp.code, 0, imp.stderr);
    const depBefore = await mtime('npm/rq-dep/1.0.0.toml');
    registry.publish('rq-moves', [
      await generatedVersion('rq-moves', '1.0.0', { 'rq-dep': '^1.0.0' }),
      await generatedVersion('rq-moves', '1.1.0', { 'rq-dep': '^1.0.0' }),
    ]);
    // A newer rq-dep the old pin's range admits: a fresh import would take it, refresh keeps 1.0.0.
    registry.publish('rq-dep', await Promise.all(['1.0.0', '1.0.1'].map((v) => generatedVersion('rq-dep', v))));
    const r = await bale(['refresh', 'npm:rq-moves@^1.0.0', 'npm:rq-stays@^1.0.0', '--queue', redis.url, '--json', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as RefreshJson;
    assert.deepEqual(
      out.moved.minor.map((m) => m.to),
      ['1.1.0'],
    );
    assert.equal(out.jobs.length, 1);
    assert.deepEqual(out.recipes, []); // written by the worker, not here
    // Refresh returned once the fleet was done: the recipe is there, the package built.
    assert.ok(
      out.fleetRecipes.some((f) => f.endsWith('npm/rq-moves/1.1.0.toml')),
      out.fleetRecipes.join(' '),
    );
    assert.match(await readFile(path.join(dir('recipes'), 'npm/rq-moves/1.1.0.toml'), 'utf8'), /pkg:npm\/rq-dep@1\.0\.0/);
    assert.ok(
      out.packages.some((p) => p.name === 'node-rq-moves' && p.version === '1.1.0' && !p.cached),
      JSON.stringify(out.packages),
    );
    assert.deepEqual(
      (await listFiles(dir('recipes'))).filter((f) => f.startsWith('npm/rq-dep/')),
      ['npm/rq-dep/1.0.0.toml'],
    );
    assert.equal(await mtime('npm/rq-dep/1.0.0.toml'), depBefore, "rq-dep's recipe was rewritten");
  });

  test('--keep-going: a moved root whose build fails on the fleet is a build failure; the other moves and is built', async () => {
    for (const n of ['rq-breaks', 'rq-fine']) registry.publish(n, [await generatedVersion(n, '1.0.0')]);
    const imp = await bale(['import', 'npm:rq-breaks@^1.0.0', 'npm:rq-fine@^1.0.0', ...flags()]);
    assert.equal(imp.code, 0, imp.stderr);
    registry.publish('rq-breaks', [
      await generatedVersion('rq-breaks', '1.0.0'),
      await generatedVersion('rq-breaks', '1.1.0', undefined, { postinstall: 'node -e "process.exit(1)"' }),
    ]);
    registry.publish('rq-fine', await Promise.all(['1.0.0', '1.1.0'].map((v) => generatedVersion('rq-fine', v))));
    const report = dir('report.json');
    const roots = ['npm:rq-breaks@^1.0.0', 'npm:rq-fine@^1.0.0'];
    const r = await bale(['refresh', ...roots, '--queue', redis.url, '--keep-going', '--report', report, '--json', ...flags()]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^bale: build failure: 1 root\(s\): npm:rq-breaks@\^1\.0\.0$/m);
    const doc = JSON.parse(await readFile(report, 'utf8')) as { succeeded: number; failures: { spec: string; category: string }[] };
    assert.equal(doc.succeeded, 1);
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.category]),
      [['npm:rq-breaks@^1.0.0', 'build failure']],
    );
    const out = JSON.parse(r.stdout) as RefreshJson;
    assert.deepEqual(
      out.moved.minor.map((m) => m.root),
      ['npm:rq-fine@^1.0.0'],
    );
    assert.ok(out.packages.some((p) => p.name === 'node-rq-fine' && p.version === '1.1.0'));
    assert.ok(!out.packages.some((p) => p.name === 'node-rq-breaks'));
  });

  test("--keep-going: a moved root whose import fails on a worker is reported in its category (the worker's error code)", async () => {
    registry.publish('rq-gitdep', [await generatedVersion('rq-gitdep', '1.0.0')]);
    const imp = await bale(['import', 'npm:rq-gitdep@^1.0.0', ...flags()]);
    assert.equal(imp.code, 0, imp.stderr);
    // Its new release needs a git dependency, which bale never pins.
    registry.publish('rq-gitdep', [
      await generatedVersion('rq-gitdep', '1.0.0'),
      await generatedVersion('rq-gitdep', '1.1.0', { 'fx-left': 'git+https://example.invalid/left.git' }),
    ]);
    const report = dir('import-report.json');
    const r = await bale(['refresh', 'npm:rq-gitdep@^1.0.0', '--queue', redis.url, '--keep-going', '--report', report, ...flags()]);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(await readFile(report, 'utf8')) as { failures: { spec: string; code: string; category: string }[] };
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.code, f.category]),
      [['npm:rq-gitdep@^1.0.0', 'EUNSUPPORTED', 'unsatisfiable']],
    );
    assert.ok(!(await listFiles(dir('recipes'))).includes('npm/rq-gitdep/1.1.0.toml'));
  });
});

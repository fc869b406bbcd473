/**
 * `request --queue --keep-going` and `build --queue --keep-going` with a real redis-server and two
 * real workers, against the fixture npm registry's generated roots: a root whose build fails on the
 * fleet is a build failure of its own (the summary line, the --report JSON, exit 1), the other
 * roots are built and their recipes written, the failed root's are not, as in-process.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, tempDir, type BaleRun } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { generatedRoots, genName, SHARED } from '../helpers/npm-generated.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

interface Report {
  command: string;
  roots: number;
  succeeded: number;
  failed: number;
  categories: Record<string, number>;
  failures: { spec: string; code: string; error: string; category: string }[];
}

describe('--queue --keep-going: a build that fails on the fleet (real Redis, two workers)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]): Promise<BaleRun> =>
    bale([...args, '--queue', redis.url, '--registry', registry.url, '--store', dir('s'), '--recipes', dir('r')], {
      env: { XDG_CACHE_HOME: dir('cache') },
    });
  const readReport = async (file: string): Promise<Report> => JSON.parse(await readFile(file, 'utf8')) as Report;

  before(async () => {
    t = await tempDir('queue-keep-going');
    const g = await generatedRoots(2);
    registry = await startNpmRegistry({ extraPackages: g.packages });
    redis = await startRedis(dir('redis'));
    workers = await Promise.all([1, 2].map(() => startWorkerProcess({ redis: redis.url, store: dir('s'), recipes: dir('wr') })));
  });
  after(async () => {
    await stopAll(workers);
    await redis?.stop();
    await registry?.close();
    await t?.cleanup();
  });

  test("request: the failed build is its root's build failure; the others are built and their recipes written; exit 1", async () => {
    const specs = [`npm:${genName(0)}@1.0.0`, 'npm:fx-gen-fails@1.0.0', 'npm:fx-gen-nope', `npm:${genName(1)}@1.0.0`];
    await writeFile(dir('roots.txt'), `${specs.slice(1).join('\n')}\n`);
    const report = dir('request-report.json');
    const r = await run(['request', specs[0]!, '--from-file', dir('roots.txt'), '--keep-going', '--report', report, '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^bale: build failure: 1 root\(s\): npm:fx-gen-fails@1\.0\.0$/m);
    assert.match(r.stderr, /^bale: not found: 1 root\(s\): npm:fx-gen-nope$/m);
    assert.match(r.stderr, /^bale: error: 2 of 4 root\(s\) failed .*kept the other 2 \(--keep-going\)/m);
    const doc = await readReport(report);
    assert.equal(doc.command, 'request');
    assert.equal(doc.succeeded, 2);
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.category, f.code]),
      [
        ['npm:fx-gen-fails@1.0.0', 'build failure', 'EBUILD'],
        ['npm:fx-gen-nope', 'not found', 'ENOTFOUND'],
      ],
    );
    // The failure's line is the worker's: the install script's exit.
    assert.match(doc.failures[0]!.error, /fx-gen-fails/);
    const out = JSON.parse(r.stdout) as {
      packages: { name: string; file: string }[];
      failures: { package?: string; target: string }[];
      failedRoots: { spec: string }[];
    };
    assert.deepEqual(
      out.failures.map((f) => f.package),
      ['pkg:npm/fx-gen-fails@1.0.0'],
    );
    assert.deepEqual(out.failedRoots.map((f) => f.spec).sort(), ['npm:fx-gen-fails@1.0.0', 'npm:fx-gen-nope']);
    for (const n of [genName(0), genName(1), SHARED])
      assert.ok(
        out.packages.some((p) => p.name === `node-${n}`),
        `${n} built: ${out.packages.map((p) => p.name).join(' ')}`,
      );
    const stored = await listFiles(dir('s'));
    assert.ok(!stored.some((f) => f.includes('fx-gen-fails')), stored.join(' '));
    // The tree holds what was built: the failed root's recipe is not written, the others' are.
    assert.deepEqual(
      (await listFiles(dir('r'))).sort(),
      [`npm/${genName(0)}/1.0.0.toml`, `npm/${genName(1)}/1.0.0.toml`, `npm/${SHARED}/1.2.0.toml`].sort(),
    );
  });

  test('build: the recipe whose build fails on the fleet is a build failure of its root; the rest built', async () => {
    const imp = await bale(['import', 'npm:fx-gen-fails@1.0.0', '--registry', registry.url, '--recipes', dir('r')], {
      env: { XDG_CACHE_HOME: dir('cache') },
    });
    assert.equal(imp.code, 0, imp.stderr);
    const report = dir('build-report.json');
    const r = await run(['build', `npm:${genName(0)}`, 'npm:fx-gen-fails', '--keep-going', '--report', report, '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^bale: build failure: 1 root\(s\): npm:fx-gen-fails$/m);
    const doc = await readReport(report);
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.category]),
      [['npm:fx-gen-fails', 'build failure']],
    );
    const out = JSON.parse(r.stdout) as { packages: { name: string; cached: boolean }[] };
    assert.ok(out.packages.some((p) => p.name === `node-${genName(0)}` && p.cached));
  });

  test('without --keep-going the first failed build fails the request, and no recipe is written', async () => {
    const r = await bale(
      ['request', 'npm:fx-gen-fails@1.0.0', '--queue', redis.url, '--registry', registry.url, '--store', dir('s'), '--recipes', dir('r2')],
      { env: { XDG_CACHE_HOME: dir('cache') } },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /fx-gen-fails.*failed on a worker/);
    assert.deepEqual(await listFiles(dir('r2')), []);
  });
});

/**
 * A rebuilder fleet, like rebuilderd: two `bale worker --key b.key` processes with caches of their
 * own take rebuild jobs for every package of an image another builder pushed to a real registry,
 * rebuild each from the description and recipes the registry holds, and attach their attestations.
 * The honest mismatch (fx-unreproducible) is reported by file, and the command exits 1.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageTag, packagesRepo } from '../../src/oci/index.js';
import { parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import { fetchAttestations } from '../../src/store/package-artifacts.js';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

interface Report {
  name: string;
  version: string;
  result: string;
  differences?: string[];
}

describe('bale rebuild --queue (two rebuilder workers, real Redis and docker-registry)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let redis: RedisServer;
  let oci: OciRegistry;
  let workers: WorkerProcess[] = [];
  const dir = (x: string): string => path.join(t.dir, x);

  before(async () => {
    t = await tempDir('rebuild-fleet');
    [npm, redis, oci] = await Promise.all([startNpmRegistry(), startRedis(path.join(t.dir, 'redis')), startOciRegistry()]);
    for (const who of ['a', 'b']) assert.equal((await bale(['keygen', '--out', dir(who)])).code, 0);
    workers = await Promise.all(
      [1, 2].map((i) =>
        startWorkerProcess({
          redis: redis.url,
          store: dir(`ws${i}`),
          recipes: dir(`wr${i}`),
          cacheHome: dir(`worker${i}`),
          extra: ['--key', dir('b.key')],
        }),
      ),
    );
  });
  after(async () => {
    await stopAll(workers);
    await Promise.all([redis?.stop(), oci?.stop(), npm?.close()]);
    await t?.cleanup();
  });

  test('every package rebuilt by the fleet; the mismatch named by file; attestations attached beside the publisher’s', async () => {
    const R = `${oci.url}/bale`;
    const env = { XDG_CACHE_HOME: dir('a-cache'), XDG_DATA_HOME: dir('a-data') };
    const common = ['--key', dir('a.key'), '--store', R, '--recipes', dir('ar')];
    const compose = await bale(
      [
        'image',
        'compose',
        'npm:fx-app@1.0.0',
        'npm:fx-unreproducible@1.0.0',
        '--name',
        'app',
        '--tag',
        '1',
        '--node',
        '20',
        '--registry',
        npm.url,
        '-o',
        dir('app.image.toml'),
        ...common,
      ],
      { env },
    );
    assert.equal(compose.code, 0, compose.stderr);
    const push = await bale(['push', dir('app.image.toml'), '--to', R, ...common], { env });
    assert.equal(push.code, 0, push.stderr);

    const r = await bale(['rebuild', `${R}/app:1`, '--queue', redis.url, '--push', '--json'], { env: { XDG_CACHE_HOME: dir('c-cache') } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /1 package rebuilt to different bytes \(MISMATCH\), 0 could not be rebuilt; first: MISMATCH node20-fx-unreproducible/,
    );
    const reports = (JSON.parse(r.stdout) as { packages: Report[] }).packages;
    assert.ok(reports.length >= 3, r.stdout);
    for (const p of reports) {
      if (p.name === 'node20-fx-unreproducible') {
        assert.equal(p.result, 'mismatch');
        assert.equal(p.differences?.length, 1, JSON.stringify(p));
        assert.match(p.differences![0]!, /fx-unreproducible\/build-id\.txt: expected 33 bytes/);
      } else assert.equal(p.result, 'reproduced', JSON.stringify(p));
    }
    // Both workers took jobs (each logs what it rebuilt), and every artifact has A's envelope and one by B.
    const logs = workers.map((w) => (w.log().match(/rebuilt \S+ \S+: /g) ?? []).length);
    assert.equal(
      logs.reduce((a, b) => a + b, 0),
      reports.length,
      workers.map((w) => w.log()).join('\n'),
    );
    const client = new RegistryClient(parseRegistryUrl(R).registry, { credentials: null, env: {} });
    try {
      for (const p of (JSON.parse(r.stdout) as { packages: (Report & { sha256: string })[] }).packages) {
        const repo = packagesRepo('bale');
        const art = await client.findManifest(repo, packageTag(p));
        assert.equal((await fetchAttestations(client, repo, art!.digest, p.name)).length, 2, p.name);
      }
    } finally {
      await client.close();
    }
  });

  test('--queue takes one oci:// image, and not --diff', async () => {
    for (const [args, re] of [
      [[dir('app.image.toml'), '--queue', redis.url], /workers rebuild from a registry: give one oci:\/\/ image/],
      [[`${oci.url}/bale/app:1`, '--queue', redis.url, '--diff'], /--diff needs both archives here/],
    ] as [string[], RegExp][]) {
      const r = await bale(['rebuild', ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneErrorLine(r.stderr), re);
    }
  });
});

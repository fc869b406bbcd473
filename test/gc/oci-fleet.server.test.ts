/**
 * gc of a registry store under a running fleet: two real `bale worker --store oci://…` processes
 * (real redis-server, the real docker-registry, each worker with an empty cache of its own) build
 * the tree with `bale build --all --queue` while `bale gc --store oci://…` runs again and again,
 * with the default grace period. The addon being rebuilt runs against old builds no root reaches
 * (their records pushed "two days ago"); its lease in the registry keeps them until its own
 * record, pushed now, does. Afterwards a machine with an empty cache finds every build of the tree
 * in the registry, and every input the addon was built against is there.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ANNOTATION, BLOB, MediaType } from '../../src/oci/index.js';
import { parseManifest, parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import { bale, tempDir, type BaleRun } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

interface Line {
  name: string;
  version: string;
  sha256: string;
  cached: boolean;
}

const ADDON = /^node\d+-fx-gyp-bare/;

describe('gc of a registry store while two workers build (real Redis, docker-registry)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  let oci: OciRegistry;
  let redis: RedisServer;
  let client: RegistryClient;
  let workers: WorkerProcess[] = [];
  const dir = (x: string): string => path.join(t.dir, x);
  const store = (): string => `${oci.url}/fleet`;
  const run = (args: string[], cache = 'cache-cli'): Promise<BaleRun> =>
    bale([...args, '--registry', reg.url, '--store', store(), '--recipes', dir('r')], { env: { XDG_CACHE_HOME: dir(cache) } });

  before(async () => {
    t = await tempDir('gc-oci-fleet');
    [reg, oci] = await Promise.all([startNpmRegistry(), startOciRegistry()]);
    redis = await startRedis(dir('redis'));
    client = new RegistryClient(parseRegistryUrl(store()).registry, { credentials: null, env: {} });
    workers = await Promise.all(
      [1, 2].map((i) => startWorkerProcess({ redis: redis.url, store: store(), recipes: dir(`wr${i}`), cacheHome: dir(`worker${i}`) })),
    );
  });
  after(async () => {
    await stopAll(workers);
    await client?.close();
    await redis?.stop();
    await Promise.all([reg?.close(), oci?.stop()]);
    await t?.cleanup();
  });

  /** Every build record: its tag, digest and manifest. */
  const records = async (): Promise<{ tag: string; digest: string; doc: ReturnType<typeof parseManifest> }[]> => {
    const out = [];
    for (const tag of (await client.findTags('fleet/builds')) ?? []) {
      const m = await client.getManifest('fleet/builds', tag);
      out.push({ tag, digest: m.digest, doc: parseManifest(m.bytes, tag) });
    }
    return out;
  };

  test('nothing a build needs or made is removed', async () => {
    const imp = await run(['import', 'npm:fx-app@1.0.0', 'npm:fx-gyp-bare@1.0.0']);
    assert.equal(imp.code, 0, imp.stderr);
    const first = await run(['build', '--all', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const addon = (JSON.parse(first.stdout) as { packages: Line[] }).packages.filter((l) => ADDON.test(l.name));
    assert.ok(addon.length > 0, first.stdout);

    // The addon's build leaves the registry, so the fleet builds it again, against its (old) inputs.
    const addonDigests = new Set(addon.map((l) => `sha256:${l.sha256}`));
    for (const r of await records())
      if (r.doc.layers.some((l) => addonDigests.has(l.digest))) await client.deleteManifest('fleet/builds', r.digest);
    for (const tag of await client.listTags('fleet/packages')) {
      if (!/fx-gyp-bare/.test(tag)) continue;
      await client.deleteManifest('fleet/packages', (await client.getManifest('fleet/packages', tag)).digest);
    }
    // Every other build was pushed two days ago, as far as gc can tell.
    const old = new Date(Date.now() - 2 * 24 * 3600_000).toISOString();
    for (const r of await records()) {
      const m = JSON.parse((await client.getManifest('fleet/builds', r.tag)).bytes.toString('utf8')) as {
        annotations?: Record<string, string>;
      };
      assert.ok(m.annotations?.[ANNOTATION.created] !== undefined, 'a build record says when it was pushed');
      m.annotations = { ...m.annotations, [ANNOTATION.created]: old };
      await client.putManifest('fleet/builds', r.tag, Buffer.from(JSON.stringify(m)), MediaType.ociManifest);
      await client.deleteManifest('fleet/builds', r.digest);
    }
    await writeFile(dir('roots.txt'), 'npm:fx-app@1.0.0\n');

    const building = run(['build', '--all', '--queue', redis.url, '--json']);
    let finished: BaleRun | undefined;
    void building.then((r) => (finished = r));
    // Wait until a worker holds its lease in the registry (the addon is building), then collect while it runs.
    const deadline = Date.now() + 300_000;
    const leased = async (): Promise<boolean> => ((await client.findTags('fleet/leases')) ?? []).some((x) => x.startsWith('lease-'));
    while (!(await leased()) && finished === undefined) {
      assert.ok(Date.now() < deadline, 'no build took a lease');
      await new Promise((r) => setTimeout(r, 20));
    }
    let sawLease = false;
    let runs = 0;
    do {
      const g = await run(['gc', '--keep-roots', dir('roots.txt'), '--json']);
      assert.equal(g.code, 0, g.stderr);
      if ((JSON.parse(g.stdout) as { leases: number }).leases > 0) sawLease = true;
      runs++;
    } while (finished === undefined || runs < 2);
    const done = await building;
    assert.equal(done.code, 0, done.stderr);
    const lines = (JSON.parse(done.stdout) as { packages: Line[] }).packages;
    assert.ok(
      lines.some((l) => ADDON.test(l.name) && !l.cached),
      done.stdout,
    );

    // The addon's package is in the registry, and so is every input its description names.
    const tags = await client.listTags('fleet/packages');
    const pkg = tags.find((x) => /fx-gyp-bare/.test(x));
    assert.ok(pkg !== undefined, tags.join(' '));
    const doc = parseManifest((await client.getManifest('fleet/packages', pkg)).bytes, pkg);
    const described = doc.layers.find((l) => l.mediaType === BLOB.buildDescription)!;
    const d = JSON.parse((await client.pullBlob('fleet/packages', described.digest)).toString('utf8')) as {
      inputs: { build_key: string; name: string }[];
    };
    assert.ok(d.inputs.length > 0, 'the addon ran against its dependencies');
    const kept = new Set((await client.findTags('fleet/builds')) ?? []);
    for (const i of d.inputs) assert.ok(kept.has(i.build_key), `input ${i.name} was removed`);
    // A machine with an empty cache finds the whole tree in the registry: nothing anything needs was lost.
    const again = await run(['build', '--all', '--json'], 'cache-check');
    assert.equal(again.code, 0, again.stderr);
    assert.ok(
      (JSON.parse(again.stdout) as { packages: Line[] }).packages.every((l) => l.cached),
      again.stdout,
    );
    for (const w of workers) assert.doesNotMatch(w.log(), /EGCRACE|left the store|failed/);
    assert.ok(sawLease, 'gc ran while a build held its lease');
    // The builders' leases are gone once they finished.
    assert.deepEqual(
      ((await client.findTags('fleet/leases')) ?? []).filter((x) => x.startsWith('lease-')),
      [],
    );
  });
});

/**
 * The registry index against a real docker-registry, with images composed and pushed by bale:
 * a second reading asks only for listings and one HEAD per tag (requests counted by a real proxy
 * in front of the registry), a re-tagged image is read again, a deleted tag drops out, a corrupt
 * cache is discarded with a warning; `dev.bale.depends` is on the pushed layers and the bytes are
 * stable; `bale who-uses` ranges and `--count` match the images pushed, bad ranges are refused.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRegistryIndex, indexCacheFile } from '../../../src/image/registry/registry-index.js';
import { parseRegistryUrl, RegistryClient } from '../../../src/registry/index.js';
import { bale, oneErrorLine, tempDir, composeArgs } from '../../helpers/cli.js';
import { startCountingProxy, type CountingProxy } from '../../helpers/counting-proxy.js';
import { startNpmRegistry, type FixtureRegistry } from '../../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../../helpers/oci-registry.js';

/** Image name, tag and the specs it is composed of: fx-shared in four versions, in one to three images each. */
const IMAGES = [
  ['left', '1', ['npm:fx-left@1.0.0']], // fx-shared 1.0.0 as a dependency
  ['right', '1', ['npm:fx-right@1.0.0']], // fx-shared 2.0.0 (the latest tag)
  ['patch', '1', ['npm:fx-shared@2.0.1']],
  ['shared', '2.0.0', ['npm:fx-shared@2.0.0']],
  ['shared', 'beta', ['npm:fx-shared@2.1.0-beta.1']],
  ['old', '1', ['npm:fx-shared@1.0.0']],
  ['moving', '1', ['npm:fx-shared@2.0.0']],
] as const;

interface Use {
  image: string;
  package: string;
  version: string;
}

describe('registry index and who-uses ranges (real docker-registry, counting proxy)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let oci: OciRegistry;
  let proxy: CountingProxy;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[], extra: Record<string, string> = {}) =>
    bale(args, { env: { BALE_SIGNING_KEY: dir('me.key'), XDG_CONFIG_HOME: dir('config'), ...extra } });
  const ns = (): string => `${oci.url}/bale`;
  const whoUses = (args: string[]) => run(['who-uses', ...args, '--registry', ns()], { XDG_CACHE_HOME: dir('cache') });
  const short = (image: string): string => image.replace(/^[^/]+\/bale\//, '');
  const compose = async (name: string, tag: string, specs: readonly string[], out: string): Promise<void> => {
    const c = await run(composeArgs({ specs, name, tag, out, registry: npm.url, store: dir('s'), recipes: dir('r') }));
    assert.equal(c.code, 0, c.stderr);
  };
  const push = async (file: string): Promise<string> => {
    const p = await run(['push', file, '--to', ns(), '--store', dir('s'), '--json']);
    assert.equal(p.code, 0, p.stderr);
    return (JSON.parse(p.stdout) as { digest: string }).digest;
  };
  /** One reading through the proxy, with its requests counted. */
  const readIndex = async (warnings: string[] = []) => {
    proxy.reset();
    const client = new RegistryClient(parseRegistryUrl(`oci://${proxy.host}`).registry);
    try {
      const index = await readRegistryIndex(client, 'bale', { cacheDir: dir('index-cache'), warn: (l) => warnings.push(l) });
      return {
        index,
        manifestGets: proxy.count(/^GET \/v2\/.+\/manifests\//),
        manifestHeads: proxy.count(/^HEAD \/v2\/.+\/manifests\//),
        blobGets: proxy.count(/^GET \/v2\/.+\/blobs\//),
        images: [...new Set(index.layers.map((l) => short(l.image)))],
      };
    } finally {
      await client.close();
    }
  };

  before(async () => {
    t = await tempDir('regindex');
    npm = await startNpmRegistry();
    oci = await startOciRegistry();
    proxy = await startCountingProxy(oci.httpUrl);
    assert.equal((await bale(['keygen', '--out', dir('me')])).code, 0);
    for (const [name, tag, specs] of IMAGES) {
      const file = dir(`${name}-${tag}.image.toml`);
      await compose(name, tag, specs, file);
      await push(file);
    }
  });
  after(async () => {
    await proxy.close();
    await oci.stop();
    await npm.close();
    await t.cleanup();
  });

  test('first reading fetches every manifest; the second only HEADs the tags; no blob is read', async () => {
    const first = await readIndex();
    const tags = IMAGES.length;
    assert.equal(first.index.stats.tags, tags);
    assert.equal(first.index.stats.fetched, tags);
    assert.equal(first.manifestGets, tags);
    assert.equal(first.manifestHeads, tags);
    assert.equal(first.blobGets, 0);
    assert.deepEqual(first.images, ['left:1', 'moving:1', 'old:1', 'patch:1', 'right:1', 'shared:2.0.0', 'shared:beta']);

    const second = await readIndex();
    assert.equal(second.manifestGets, 0, proxy.requests.join('\n'));
    assert.equal(second.manifestHeads, tags);
    assert.equal(second.blobGets, 0);
    assert.deepEqual(second.index.stats, { tags, fetched: 0, cached: tags, dropped: 0 });
    assert.deepEqual(second.index.layers, first.index.layers);
  });

  test('dev.bale.depends: on the pushed layers, in the index; the same image pushes to the same bytes', async () => {
    const { index } = await readIndex();
    const left = index.layers.filter((l) => short(l.image) === 'left:1');
    const byName = new Map(left.map((l) => [l.name, l]));
    assert.deepEqual(byName.get('node-fx-left')?.depends, [{ name: 'node-fx-shared', version: '1.0.0' }]);
    assert.equal(byName.get('node-fx-shared')?.depends, undefined); // depends on nothing
    // The raw manifest carries the annotation as one string.
    const client = new RegistryClient(parseRegistryUrl(oci.url).registry);
    try {
      const m = await client.getManifest('bale/left', '1');
      const layers = (JSON.parse(m.bytes.toString('utf8')) as { layers: { annotations: Record<string, string> }[] }).layers;
      const annotated = layers.find((l) => l.annotations['dev.bale.package'] === 'node-fx-left');
      assert.equal(annotated?.annotations['dev.bale.depends'], 'node-fx-shared@1.0.0');
      // Pushed again, and composed again into a new file: the same manifest digest.
      assert.equal(await push(dir('left-1.image.toml')), m.digest);
      await compose('left', '1', ['npm:fx-left@1.0.0'], dir('left-again.image.toml'));
      assert.equal(await push(dir('left-again.image.toml')), m.digest);
      const e = await run(['image', 'export', dir('left-again.image.toml'), '--oci', dir('left-oci'), '--store', dir('s'), '--json']);
      assert.equal(e.code, 0, e.stderr);
      assert.equal((JSON.parse(e.stdout) as { oci: { manifestDigest: string } }).oci.manifestDigest, m.digest);
    } finally {
      await client.close();
    }
  });

  test('who-uses ranges and --count match the images pushed, in semver order', async () => {
    const uses = async (arg: string): Promise<string[]> => {
      const r = await whoUses([arg, '--json']);
      assert.equal(r.code, 0, r.stderr);
      // One line per image: a package and its -bin are two uses of one image.
      return [...new Set((JSON.parse(r.stdout) as { uses: Use[] }).uses.map((u) => `${short(u.image)} ${u.version}`))];
    };
    assert.deepEqual(await uses('pkg:npm/fx-shared@<2.0.1'), [
      'left:1 1.0.0',
      'moving:1 2.0.0',
      'old:1 1.0.0',
      'right:1 2.0.0',
      'shared:2.0.0 2.0.0',
    ]);
    // A prerelease sorts below its release: 2.1.0-beta.1 is in [2.0.0, 2.1.0).
    assert.deepEqual(await uses('pkg:npm/fx-shared@>=2.0.0,<2.1.0'), [
      'moving:1 2.0.0',
      'patch:1 2.0.1',
      'right:1 2.0.0',
      'shared:2.0.0 2.0.0',
      'shared:beta 2.1.0-beta.1',
    ]);
    assert.deepEqual(await uses('pkg:npm/fx-shared@>2.0.1'), ['shared:beta 2.1.0-beta.1']);
    assert.deepEqual(await uses('pkg:npm/fx-shared@<=1.0.0'), ['left:1 1.0.0', 'old:1 1.0.0']);
    assert.deepEqual(await uses('pkg:npm/fx-shared@=2.0.1'), ['patch:1 2.0.1']);
    assert.deepEqual(await uses('pkg:npm/fx-shared@2.0.1'), ['patch:1 2.0.1']); // no operator: exact, as before
    assert.deepEqual(await uses('pkg:npm/fx-shared@<1.0.0'), []);

    const count = await whoUses(['pkg:npm/fx-shared', '--count', '--json']);
    assert.equal(count.code, 0, count.stderr);
    assert.deepEqual((JSON.parse(count.stdout) as { counts: unknown }).counts, [
      { version: '1.0.0', images: 2 },
      { version: '2.0.0', images: 3 },
      { version: '2.0.1', images: 1 },
      { version: '2.1.0-beta.1', images: 1 },
    ]);
    const table = await whoUses(['pkg:npm/fx-shared@>=2.0.0', '--count']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout, ['version       images', '2.0.0         3', '2.0.1         1', '2.1.0-beta.1  1'].join('\n'));
    // node-fx-left and its -bin are in one image: counted once.
    const left = await whoUses(['pkg:npm/fx-left', '--count', '--json']);
    assert.deepEqual((JSON.parse(left.stdout) as { counts: unknown }).counts, [{ version: '1.0.0', images: 1 }]);
  });

  test('a malformed range is one usage error line naming the input and the accepted forms', async () => {
    for (const bad of ['pkg:npm/fx-shared@>=2.0.0,', 'pkg:npm/fx-shared@=>2', 'pkg:npm/fx-shared@^2', 'pkg:npm/fx-shared@<two']) {
      const r = await whoUses([bad]);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      const line = oneErrorLine(r.stderr);
      assert.ok(line.includes(bad), line);
      assert.match(line, /comparisons <, <=, >, >=, = joined by commas/);
    }
  });

  test('a re-tagged image is read again; a deleted tag drops out', async () => {
    await readIndex(); // the cache as it is now
    await compose('moving', '1', ['npm:fx-shared@2.0.1'], dir('moving-b.image.toml'));
    await push(dir('moving-b.image.toml'));
    const moved = await readIndex();
    assert.equal(moved.manifestGets, 1, proxy.requests.join('\n'));
    assert.equal(moved.index.stats.fetched, 1);
    assert.equal(moved.index.stats.dropped, 1);
    const moving = moved.index.layers.filter((l) => short(l.image) === 'moving:1' && l.name === 'node-fx-shared');
    assert.deepEqual(
      moving.map((l) => l.version),
      ['2.0.1'],
    );

    const client = new RegistryClient(parseRegistryUrl(oci.url).registry);
    try {
      const old = await client.getManifest('bale/old', '1');
      assert.equal(await client.deleteManifest('bale/old', old.digest), true);
    } finally {
      await client.close();
    }
    const gone = await readIndex();
    assert.equal(gone.manifestGets, 0, proxy.requests.join('\n'));
    assert.ok(!gone.images.includes('old:1'), gone.images.join(' '));
    assert.equal(gone.index.stats.dropped, 1);
    // The cache file forgot it too: no tag, and no manifest only it named.
    const cache = JSON.parse(await readFile(indexCacheFile(dir('index-cache'), proxy.host, 'bale'), 'utf8')) as {
      tags: Record<string, string>;
      manifests: Record<string, unknown>;
    };
    assert.equal(cache.tags['bale/old:1'], undefined);
    assert.deepEqual(Object.keys(cache.manifests).sort(), [...new Set(Object.values(cache.tags))].sort());
    const r = await whoUses(['pkg:npm/fx-shared@=1.0.0', '--json']);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { uses: Use[] }).uses.map((u) => short(u.image)),
      ['left:1'],
    );
  });

  test('a corrupt cache file is discarded with a warning and read again, never fatal', async () => {
    const file = indexCacheFile(dir('index-cache'), proxy.host, 'bale');
    const before = await readIndex();
    for (const junk of [
      '{"format":1,"registry":',
      JSON.stringify({ format: 99 }),
      JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), manifests: { x: [{ nope: 1 }] } }),
    ]) {
      await writeFile(file, junk);
      const warnings: string[] = [];
      const again = await readIndex(warnings);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /registry index cache .*: .*discarded, reading the registry again/);
      assert.equal(again.manifestGets, again.index.stats.tags);
      assert.deepEqual(again.index.layers, before.index.layers);
      assert.equal((await readIndex()).manifestGets, 0); // rewritten whole
    }
    // Through the CLI: a warning on stderr, the answer on stdout, exit 0.
    const cli = indexCacheFile(path.join(dir('cache'), 'bale'), oci.host, 'bale');
    await writeFile(cli, 'not json');
    const r = await whoUses(['pkg:npm/fx-right@1.0.0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: registry index cache .*: not JSON: discarded, reading the registry again/);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { uses: Use[] }).uses.map((u) => `${short(u.image)} ${u.package}`),
      ['right:1 node-fx-right', 'right:1 node-fx-right-bin'],
    );
  });
});

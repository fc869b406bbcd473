/**
 * The registry store against the real CNCF distribution registry (Debian's docker-registry, on
 * loopback): what one machine puts, another (an empty cache) gets back byte for byte, with its
 * signature; the build artifact is pushed after every package it names; misses, a deleted
 * package and an unreachable registry; and `bale request --store oci://…` from two caches.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TransientError } from '../../src/errors/index.js';
import { ANNOTATION, ARTIFACT, BLOB, MediaType, packageTag } from '../../src/oci/index.js';
import { parseManifest, parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import type { Reply } from '../../src/registry/transport.js';
import { generateKeyPair, signFile, verifyFile } from '../../src/sign/index.js';
import type { PackageOutput, StoredPackage } from '../../src/store/index.js';
import { OciStore } from '../../src/store/oci-store.js';
import { bale, tempDir } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { makeOutput } from './outputs.js';

/** Records every manifest pushed, in order (attachArtifact and putManifest both end here). */
class RecordingClient extends RegistryClient {
  readonly puts: string[] = [];
  override async putManifestReply(
    repo: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<{ digest: string; reply: Reply }> {
    const r = await super.putManifestReply(repo, reference, bytes, mediaType);
    this.puts.push(`${repo}:${reference}`);
    return r;
  }
}

const newKey = (): string => randomBytes(32).toString('hex');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const exists = (f: string): Promise<boolean> =>
  access(f).then(
    () => true,
    () => false,
  );

describe('OciStore (real docker-registry)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: OciRegistry;
  let url: string;
  let n = 0;
  const stores: OciStore[] = [];
  /** A store with a cache directory of its own: another machine of the fleet. */
  const machine = (opts: { sign?: boolean; client?: RegistryClient } = {}): OciStore => {
    const key = generateKeyPair().secretKey;
    const s = new OciStore(url, {
      cacheDir: path.join(t.dir, `cache${++n}`),
      ...(opts.sign === true ? { storeOptions: { onPackage: async (file: string) => void (await signFile(file, key)) } } : {}),
      ...(opts.client !== undefined ? { client: opts.client } : { clientOptions: { credentials: null, env: {} } }),
    });
    stores.push(s);
    return s;
  };

  before(async () => {
    t = await tempDir('oci-store');
    reg = await startOciRegistry();
    url = `${reg.url}/bale`;
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await reg.stop();
    await t.cleanup();
  });

  test('put on one machine, lookup on another: the same packages, bytes and record', async () => {
    const outputs: PackageOutput[] = [await makeOutput('node-a', '1.0.0'), await makeOutput('node-a-bin', '1.0.0')];
    const key = newKey();
    const a = machine();
    const put = await a.put(key, outputs);
    assert.ok(put.every((p) => p.file.startsWith(a.root)));
    assert.deepEqual(await a.lookup(key), put);

    const b = machine();
    assert.notEqual(b.root, a.root);
    assert.deepEqual(await b.list(), []);
    const got = await b.lookup(key);
    assert.ok(got !== undefined);
    const relative = (root: string, ps: StoredPackage[]): unknown[] =>
      ps.map((p) => ({ ...p, file: path.relative(root, p.file), manifestFile: path.relative(root, p.manifestFile) }));
    assert.deepEqual(relative(b.root, got), relative(a.root, put));
    for (const [i, p] of got.entries()) {
      assert.ok(p.file.startsWith(b.root), 'files are local, in the cache');
      const bytes = await readFile(p.file);
      assert.ok(bytes.equals(outputs[i]!.tgz), p.name);
      assert.equal(sha(bytes), outputs[i]!.sha256);
      assert.equal(await readFile(p.manifestFile, 'utf8'), await readFile(put[i]!.manifestFile, 'utf8'));
      assert.equal(await exists(`${p.file}.minisig`), false, 'nothing signed it');
    }
    // The record is local now: the same text as the first machine's, and list() sees the packages.
    assert.equal(
      await readFile(path.join(b.root, 'builds', `${key}.json`), 'utf8'),
      await readFile(path.join(a.root, 'builds', `${key}.json`), 'utf8'),
    );
    assert.deepEqual(
      (await b.list()).map((p) => p.name),
      ['node-a', 'node-a-bin'],
    );
    assert.deepEqual(
      (await b.findPackages('node-a', '1.0.0')).map((p) => p.sha256),
      [outputs[0]!.sha256],
    );
    assert.equal((await b.manifest(got[0]!)).name, 'node-a');
  });

  test('a key the registry never saw is a miss', async () => {
    assert.equal(await machine().lookup(newKey()), undefined);
  });

  test('the build artifact is pushed last and names only blobs the registry holds', async () => {
    const client = new RecordingClient(parseRegistryUrl(url).registry, { credentials: null, env: {} });
    const s = machine({ client, sign: true });
    const outputs = [await makeOutput('node-order', '2.0.0'), await makeOutput('node-order-bin', '2.0.0')];
    const key = newKey();
    await s.put(key, outputs);
    assert.equal(client.puts.at(-1), `bale/builds:${key}`);
    assert.equal(client.puts.filter((p) => p.startsWith('bale/builds:')).length, 1);
    for (const o of outputs) {
      const tag = `bale/packages:${packageTag({ ...o.manifest, sha256: o.sha256 })}`;
      assert.ok(client.puts.indexOf(tag) >= 0 && client.puts.indexOf(tag) < client.puts.length - 1, `${tag} before the build`);
    }
    const m = await client.getManifest('bale/builds', key);
    const manifest = parseManifest(m.bytes, 'build');
    assert.equal(manifest.artifactType, ARTIFACT.build);
    assert.deepEqual(
      manifest.layers.map((l) => l.mediaType),
      [MediaType.ociLayerGzip, MediaType.ociLayerGzip, BLOB.buildRecord],
    );
    for (const l of manifest.layers) assert.ok(await client.blobExists('bale/builds', l.digest), l.digest);
    assert.deepEqual(
      manifest.layers.slice(0, 2).map((l) => l.digest),
      outputs.map((o) => `sha256:${o.sha256}`),
    );
    // Putting the same build again (another worker finishing it) writes the same layers, a later push time (gc's grace).
    const created = manifest.annotations?.[ANNOTATION.created];
    assert.ok(created !== undefined && Number.isFinite(Date.parse(created)), 'the record says when it was pushed');
    await machine().put(key, outputs);
    const again = parseManifest((await client.getManifest('bale/builds', key)).bytes, 'build');
    assert.deepEqual(again.layers, manifest.layers);
    assert.ok(Date.parse(again.annotations![ANNOTATION.created]!) >= Date.parse(created));
  });

  test('signatures travel with the packages', async () => {
    const key = generateKeyPair();
    const a = new OciStore(url, {
      cacheDir: path.join(t.dir, 'signer'),
      storeOptions: { onPackage: async (file) => void (await signFile(file, key.secretKey)) },
      clientOptions: { credentials: null, env: {} },
    });
    stores.push(a);
    const build = newKey();
    const put = await a.put(build, [await makeOutput('node-signed', '1.0.0')]);
    const got = await machine({ sign: true }).lookup(build);
    assert.ok(got !== undefined);
    // The publisher's signature, not one made by the machine that pulled it.
    assert.ok((await readFile(`${got[0]!.file}.minisig`)).equals(await readFile(`${put[0]!.file}.minisig`)));
    await verifyFile(got[0]!.file, [key.publicKey]);
  });

  test('a build whose package was deleted from the registry is a miss (the next build pushes it again)', async () => {
    const a = machine();
    const o = await makeOutput('node-gone', '1.0.0');
    const key = newKey();
    await a.put(key, [o]);
    const art = await a.client.getManifest('bale/packages', packageTag({ ...o.manifest, sha256: o.sha256 }));
    assert.equal(await a.client.deleteManifest('bale/packages', art.digest), true);
    const b = machine();
    assert.equal(await b.lookup(key), undefined);
    await b.put(key, [o]);
    assert.ok((await machine().lookup(key)) !== undefined);
  });

  test('a registry that does not answer is a TransientError', async () => {
    const { freePort } = await import('../helpers/redis.js');
    const s = new OciStore(`oci://127.0.0.1:${await freePort()}/bale`, {
      cacheDir: path.join(t.dir, 'down'),
      clientOptions: { credentials: null, env: {}, retries: 1, retryDelayMs: 10 },
    });
    stores.push(s);
    await assert.rejects(s.lookup(newKey()), (err: unknown) => err instanceof TransientError && /127\.0\.0\.1/.test(err.message));
    const o = await makeOutput('node-down', '1.0.0');
    const key = newKey();
    await assert.rejects(s.put(key, [o]), TransientError);
    // Stored locally, but not recorded: this machine does not call it a hit while the registry lacks it.
    assert.equal((await s.list()).length, 1);
    await assert.rejects(s.lookup(key), TransientError);
  });
});

describe('bale request --store oci://… (real docker-registry, npm fixtures)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: OciRegistry;
  let npm: FixtureRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  type Line = { name: string; version: string; sha256: string; file: string; cached: boolean };

  before(async () => {
    t = await tempDir('oci-store-cli');
    reg = await startOciRegistry();
    npm = await startNpmRegistry();
  });
  after(async () => {
    await npm.close();
    await reg.stop();
    await t.cleanup();
  });

  test('a second machine (another cache) gets every package from the registry, identical', async () => {
    const store = `${reg.url}/bale`;
    const run = (cache: string, recipes: string) =>
      bale(['request', 'npm:fx-app@1.0.0', '--store', store, '--registry', npm.url, '--recipes', dir(recipes), '--json'], {
        env: { XDG_CACHE_HOME: dir(cache), BALE_SIGNING_KEY: '' },
      });
    const first = await run('cache-a', 'ra');
    assert.equal(first.code, 0, first.stderr);
    const a = (JSON.parse(first.stdout) as { packages: Line[] }).packages;
    assert.ok(a.length >= 2 && a.every((l) => !l.cached), 'built on the first machine');
    assert.ok(
      a.every((l) => l.file.startsWith(path.join(dir('cache-a'), 'bale', 'oci-store', reg.host, 'bale'))),
      'files in the local cache',
    );

    const second = await run('cache-b', 'rb');
    assert.equal(second.code, 0, second.stderr);
    const b = (JSON.parse(second.stdout) as { packages: Line[] }).packages;
    assert.ok(
      b.every((l) => l.cached),
      'every package from the registry',
    );
    const sums = (ls: Line[]): string[] => ls.map((l) => `${l.name} ${l.version} ${l.sha256}`).sort();
    assert.deepEqual(sums(b), sums(a));
    for (const l of b) {
      assert.ok(l.file.startsWith(dir('cache-b')));
      assert.equal(sha(await readFile(l.file)), l.sha256);
    }
    // BALE_STORE works as --store does; `show` reads the local cache.
    const plain = a.find((l) => /^[a-z0-9-]+$/.test(l.name))!;
    const shown = await bale(['show', plain.name, '--json'], { env: { XDG_CACHE_HOME: dir('cache-b'), BALE_STORE: store } });
    assert.equal(shown.code, 0, shown.stderr);
  });
});

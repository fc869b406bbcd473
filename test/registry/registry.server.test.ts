/**
 * RegistryClient against the real CNCF distribution registry (docker-registry 2.8), with skopeo
 * as an independent reader of what was pushed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { request } from 'undici';
import { IntegrityError, UserError } from '../../src/errors/index.js';
import { encodeJson, MediaType, sha256Digest } from '../../src/oci/index.js';
import { parseImageRef, parseManifest, parseRegistryUrl, referrersTag, RegistryClient } from '../../src/registry/index.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { blobOf, makeImage, type TestImage } from './image.js';

let reg: OciRegistry;
let client: RegistryClient;
let img: TestImage;
const REPO = 'bale/app';
const PACKAGE_TYPE = 'application/vnd.bale.package.v1';

async function pushImage(c: RegistryClient, repo: string, image: TestImage, tag: string): Promise<string> {
  for (const b of [...image.layers, image.config]) await c.pushBlob(repo, b.descriptor.digest, b.data);
  return c.putManifest(repo, tag, image.manifest, MediaType.ociManifest);
}

before(async () => {
  reg = await startOciRegistry();
  client = new RegistryClient(parseRegistryUrl(`${reg.url}/bale`).registry, { credentials: null, env: {} });
  img = await makeImage({ 'hello.txt': 'hello from bale\n', 'usr/share/doc/x': 'x\n' });
});

after(async () => {
  await client?.close();
  await reg?.stop();
});

test('pushes an image that skopeo reads and copies, and pulls it back by tag and by digest', async () => {
  const [layer] = img.layers;
  assert.ok(layer);
  assert.equal(await client.pushBlob(REPO, layer.descriptor.digest, layer.data), 'uploaded');
  assert.equal(await client.pushBlob(REPO, img.config.descriptor.digest, img.config.data), 'uploaded');
  assert.equal(await client.putManifest(REPO, '1', img.manifest, MediaType.ociManifest), img.digest);

  const inspect = await execa('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/${REPO}:1`]);
  const info = JSON.parse(inspect.stdout) as { Digest: string; Layers: string[] };
  assert.equal(info.Digest, img.digest);
  assert.deepEqual(info.Layers, [layer.descriptor.digest]);

  const layout = await mkdtemp(path.join(tmpdir(), 'bale-oci-layout-'));
  try {
    await execa('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/${REPO}:1`, `oci:${layout}:1`]);
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]?.digest, img.digest);
    const copied = await readFile(path.join(layout, 'blobs', 'sha256', layer.descriptor.digest.slice('sha256:'.length)));
    assert.deepEqual(copied, layer.data);
  } finally {
    await rm(layout, { recursive: true, force: true });
  }

  const ref = parseImageRef(`${reg.url}/${REPO}:1`);
  assert.equal(ref.repository, REPO);
  const byTag = await client.getManifest(ref.repository, ref.tag as string, [MediaType.ociManifest]);
  assert.deepEqual(byTag, { bytes: img.manifest, mediaType: MediaType.ociManifest, digest: img.digest });
  const byDigest = await client.getManifest(REPO, img.digest);
  assert.equal(byDigest.digest, img.digest);
  const manifest = parseManifest(byDigest.bytes, 'test');
  for (const d of [manifest.config, ...manifest.layers]) {
    const data = await client.pullBlob(REPO, d.digest);
    assert.equal(sha256Digest(data), d.digest);
  }
});

test('a blob already in the repository is not uploaded again; a stream pushes like a buffer', async () => {
  const [layer] = img.layers;
  assert.ok(layer);
  assert.equal(await client.pushBlob(REPO, layer.descriptor.digest, layer.data), 'exists');
  assert.equal(await client.blobExists(REPO, layer.descriptor.digest), true);

  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  const digest = sha256Digest(big);
  assert.equal(await client.blobExists(REPO, digest), false);
  const open = (): NodeJS.ReadableStream =>
    Readable.from(
      (function* () {
        for (let i = 0; i < big.length; i += 65536) yield big.subarray(i, i + 65536);
      })(),
    );
  assert.equal(await client.pushBlob(REPO, digest, open, { size: big.length }), 'uploaded');
  assert.deepEqual(await client.pullBlob(REPO, digest), big);
  assert.equal(await client.pushBlob(REPO, digest, open, { size: big.length }), 'exists');
});

test('a blob of another repository is mounted, not uploaded; a mount the registry cannot do falls back to upload', async () => {
  const [layer] = img.layers;
  assert.ok(layer);
  assert.equal(await client.pushBlob('bale/other', layer.descriptor.digest, layer.data, { from: REPO }), 'mounted');
  assert.deepEqual(await client.pullBlob('bale/other', layer.descriptor.digest), layer.data);
  const fresh = blobOf(Buffer.from('only here\n'), 'application/octet-stream');
  assert.equal(await client.pushBlob('bale/third', fresh.descriptor.digest, fresh.data, { from: 'bale/nowhere' }), 'uploaded');
  assert.deepEqual(await client.pullBlob('bale/third', fresh.descriptor.digest), fresh.data);
});

test('tags and the catalog are listed whole, across pages', async () => {
  await pushImage(client, REPO, img, 'latest');
  const tags = Array.from({ length: 7 }, (_, i) => `t${i}`);
  for (const t of tags) await client.putManifest(REPO, t, img.manifest, MediaType.ociManifest);
  const listed = await client.listTags(REPO, { pageSize: 2 });
  for (const t of [...tags, '1', 'latest']) assert.ok(listed.includes(t), t);
  assert.deepEqual(listed, [...listed].sort());

  for (let i = 0; i < 5; i++) await pushImage(client, `bale/r${i}`, img, '1');
  await pushImage(client, 'other/x', img, '1');
  // The registry really paginates the catalog at n=2 (so the client followed Link headers).
  const page = await request(`${reg.httpUrl}/v2/_catalog?n=2`);
  await page.body.dump();
  assert.match(String(page.headers.link), /rel="next"/);
  const all = await client.catalog({ pageSize: 2 });
  for (const r of ['bale/app', 'bale/other', 'bale/r0', 'bale/r4', 'other/x']) assert.ok(all.includes(r), r);
  const bale = await client.catalog({ pageSize: 2, under: 'bale' });
  assert.ok(bale.every((r) => r.startsWith('bale/')));
  assert.ok(bale.includes('bale/r3'));
  assert.deepEqual(await client.listTags('bale/never-pushed'), []);
});

test('artifacts attached through subject are found again through the referrers fallback tag', async () => {
  const pkg = blobOf(encodeJson({ name: 'node-express', version: '4.19.2' }), 'application/vnd.bale.package.manifest.v1+json');
  await client.pushBlob(REPO, pkg.descriptor.digest, pkg.data);
  const attached = await client.attachArtifact(REPO, img.descriptor, {
    artifactType: PACKAGE_TYPE,
    layers: [pkg.descriptor],
    annotations: { 'org.opencontainers.image.title': 'node-express' },
  });
  // distribution 2.8 sends no OCI-Subject header: the client kept the list under the fallback tag.
  assert.ok((await client.listTags(REPO)).includes(referrersTag(img.digest)));

  const found = await client.referrers(REPO, img.digest, PACKAGE_TYPE);
  assert.deepEqual(found, [attached]);
  // ...and it answers the referrers API with 404, so listing read that tag too.
  assert.ok(client.noReferrersApi.has(REPO));
  const stored = parseManifest((await client.getManifest(REPO, attached.digest)).bytes, 'test');
  assert.equal(stored.subject?.digest, img.digest);
  assert.equal(stored.artifactType, PACKAGE_TYPE);
  assert.deepEqual(await client.pullBlob(REPO, stored.layers[0]?.digest as string), pkg.data);

  const sig = await client.attachArtifact(REPO, img.descriptor, { artifactType: 'application/vnd.bale.signature.v1' });
  await client.attachArtifact(REPO, img.descriptor, {
    artifactType: PACKAGE_TYPE,
    layers: [pkg.descriptor],
    annotations: { 'org.opencontainers.image.title': 'node-express' },
  });
  assert.deepEqual(await client.referrers(REPO, img.digest, PACKAGE_TYPE), [attached]);
  assert.deepEqual(
    (await client.referrers(REPO, img.digest)).map((d) => d.digest),
    [attached.digest, sig.digest],
  );
  assert.deepEqual(await client.referrers(REPO, sig.digest), []);
});

test('a missing manifest or blob is a UserError that names it', async () => {
  await assert.rejects(client.getManifest(REPO, 'nope'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, new RegExp(`registry ${reg.host} has no manifest bale/app:nope \\(404 not found\\)`));
    return true;
  });
  assert.equal(await client.findManifest(REPO, 'nope'), undefined);
  const missing = sha256Digest(Buffer.from('never pushed'));
  await assert.rejects(client.pullBlob(REPO, missing), new RegExp(`has no blob ${missing} in bale/app`));
  // Bytes that do not hash to the digest they are pushed as are caught by the registry.
  await assert.rejects(client.pushBlob(REPO, missing, Buffer.from('other bytes')), (err: unknown) => {
    assert.ok(err instanceof IntegrityError);
    assert.match(err.message, new RegExp(`blob ${missing} pushed to bale/app on registry ${reg.host} does not hash to its digest`));
    return true;
  });
  await assert.rejects(client.listTags('Bale/App'), /"Bale\/App" is not a valid repository name/);
  // A manifest naming a blob the repository lacks is refused, with the registry's reason.
  const orphan = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: missing, size: 12 },
    layers: [],
  });
  await assert.rejects(
    client.putManifest(REPO, 'orphan', orphan, MediaType.ociManifest),
    /refused push of manifest bale\/app:orphan: HTTP 400 MANIFEST_BLOB_UNKNOWN/,
  );
});

test('a blob corrupted in the registry storage is an IntegrityError', async () => {
  const blob = blobOf(Buffer.from('the original bytes\n'), 'application/octet-stream');
  await client.pushBlob('bale/tamper', blob.descriptor.digest, blob.data);
  const hex = blob.descriptor.digest.slice('sha256:'.length);
  const file = path.join(reg.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  await writeFile(file, Buffer.from('the tampered bytes\n'));
  await assert.rejects(client.pullBlob('bale/tamper', blob.descriptor.digest), (err: unknown) => {
    assert.ok(err instanceof IntegrityError);
    assert.match(err.message, /blob sha256:\w+ of bale\/tamper from registry 127\.0\.0\.1:\d+ hashes to sha256:/);
    return true;
  });
});

test("headManifest: a tag's digest without its bytes, the one GET hashes; undefined for a missing tag", async () => {
  const image = await makeImage({ 'head.txt': 'only the digest\n' });
  await pushImage(client, 'bale/head', image, '1');
  assert.deepEqual(await client.headManifest('bale/head', '1'), { digest: image.digest });
  assert.equal((await client.getManifest('bale/head', '1')).digest, image.digest);
  assert.equal(await client.headManifest('bale/head', 'nope'), undefined);
  await assert.rejects(client.headManifest('bale/head', 'bad tag'), /"bad tag" is not a valid tag or digest/);
});

test('a manifest deleted by digest is gone', async () => {
  const image = await makeImage({ 'gone.txt': 'soon gone\n' });
  await pushImage(client, 'bale/gone', image, '1');
  assert.equal(await client.deleteManifest('bale/gone', image.digest), true);
  await assert.rejects(client.getManifest('bale/gone', '1'), UserError);
  assert.equal(await client.deleteManifest('bale/gone', image.digest), false);
});

test('a referrers tag that holds something else than an index is reported, not overwritten', async () => {
  const image = await makeImage({ 'squat.txt': 'squatter\n' });
  await pushImage(client, 'bale/squat', image, '1');
  await client.putManifest('bale/squat', referrersTag(image.digest), image.manifest, MediaType.ociManifest);
  await assert.rejects(
    client.attachArtifact('bale/squat', image.descriptor, { artifactType: PACKAGE_TYPE }),
    /bale\/squat:sha256-\w+: the referrers tag holds a manifest of type application\/vnd\.oci\.image\.manifest\.v1\+json, not an image index: delete that tag, then attach again/,
  );
  assert.equal((await client.getManifest('bale/squat', referrersTag(image.digest))).digest, image.digest);
});

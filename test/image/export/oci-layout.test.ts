/** The OCI layout export, read back by skopeo and umoci: what users will run on it. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { BaleError, IntegrityError, UserError } from '../../../src/errors/index.js';
import { exportOciLayout, ociConfig, ociManifest } from '../../../src/image/export/oci-layout.js';
import { makePackage, imageOf, specA, specB, tempDir, tool } from './fixtures.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blob = (dir: string, digest: string): Promise<Buffer> => readFile(join(dir, 'blobs', 'sha256', digest.slice(7)));

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const store = join(dir, 'store');
  await mkdir(store);
  const a = await makePackage(store, specA);
  const b = await makePackage(store, specB);
  return { dir, a, b, packages: [b, a], image: imageOf('example/app', 'v1', [a, b]) };
}

describe('exportOciLayout', () => {
  it('writes a layout skopeo inspects: layers in image order, --raw is the manifest written', async (t) => {
    const { dir, a, b, packages, image } = await setup(t);
    const out = join(dir, 'oci');
    const r = await exportOciLayout(image, packages, out);

    assert.equal(await readFile(join(out, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
    const indexBytes = await readFile(join(out, 'index.json'));
    assert.equal(r.indexDigest, sha(indexBytes));
    const index = JSON.parse(indexBytes.toString('utf8'));
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].digest, r.manifestDigest);
    assert.deepEqual(index.manifests[0].annotations, { 'org.opencontainers.image.ref.name': 'v1' });

    const manifestBytes = await blob(out, r.manifestDigest);
    assert.equal(sha(manifestBytes), r.manifestDigest);
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(
      manifest.layers,
      [a, b].map((p) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: `sha256:${p.sha256}`,
        size: p.size,
        annotations: {
          'dev.bale.package': p.name,
          'dev.bale.package.version': p.version,
          'dev.bale.purl': p.purl,
          // node-b depends on node-a, which the image holds, and on node-missing, which it does not.
          ...(p === b ? { 'dev.bale.depends': `node-a@${a.version}` } : {}),
        },
      })),
    );
    assert.deepEqual(manifest.annotations, { 'org.opencontainers.image.title': 'example/app', 'org.opencontainers.image.version': 'v1' });
    const configBytes = await blob(out, r.configDigest);
    const config = JSON.parse(configBytes.toString('utf8'));
    assert.equal(config.created, '2023-11-14T22:21:40Z'); // node-b's source_date_epoch, the newest
    assert.deepEqual(config.rootfs, { diff_ids: [`sha256:${a.tar_sha256}`, `sha256:${b.tar_sha256}`], type: 'layers' });
    assert.deepEqual(config.config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    assert.equal(config.architecture, 'amd64');
    assert.equal(config.os, 'linux');

    const inspected = JSON.parse((await tool('skopeo', ['inspect', `oci:${out}:v1`])).stdout);
    assert.equal(inspected.Digest, r.manifestDigest);
    assert.deepEqual(inspected.Layers, [`sha256:${a.sha256}`, `sha256:${b.sha256}`]);
    assert.equal(inspected.Architecture, 'amd64');
    assert.deepEqual((await tool('skopeo', ['inspect', '--raw', `oci:${out}:v1`])).stdoutBytes, manifestBytes);
    assert.deepEqual((await tool('skopeo', ['inspect', '--config', '--raw', `oci:${out}:v1`])).stdoutBytes, configBytes);

    // The helpers a registry push uses give the very same bytes.
    assert.deepEqual(ociConfig(image, packages), configBytes);
    assert.deepEqual(ociManifest(image, packages, configBytes), manifestBytes);
  });

  it('unpacks with umoci into a rootfs holding every package file', async (t) => {
    const { dir, a, b, packages, image } = await setup(t);
    const out = join(dir, 'oci');
    await exportOciLayout(image, packages, out);
    const bundle = join(dir, 'bundle');
    await tool('umoci', ['unpack', '--rootless', '--image', `${out}:v1`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    for (const [p, spec] of [
      [a, specA],
      [b, specB],
    ] as const) {
      for (const e of spec.entries) {
        const at = join(rootfs, e.path);
        if (e.type === 'file') assert.deepEqual(await readFile(at), e.data, `${p.name}: ${e.path}`);
        if (e.type === 'symlink') assert.equal(await readlink(at), e.target, `${p.name}: ${e.path}`);
        if (e.type === 'dir') assert.ok((await stat(at)).isDirectory(), `${p.name}: ${e.path}`);
      }
    }
    assert.equal((await stat(join(rootfs, 'usr/lib/node_modules/b/index.js'))).mode & 0o777, 0o755);
  });

  it('gives byte-identical index, manifest and config on every export; another package, another digest', async (t) => {
    const { dir, packages, image } = await setup(t);
    const one = await exportOciLayout(image, packages, join(dir, 'one'));
    const two = await exportOciLayout(image, [...packages].reverse(), join(dir, 'two'));
    assert.deepEqual(two, one);
    for (const name of ['index.json', 'oci-layout']) {
      assert.deepEqual(await readFile(join(dir, 'two', name)), await readFile(join(dir, 'one', name)), name);
    }
    assert.deepEqual(
      (await readdir(join(dir, 'two', 'blobs', 'sha256'))).sort(),
      (await readdir(join(dir, 'one', 'blobs', 'sha256'))).sort(),
    );

    const a2 = await makePackage(join(dir, 'store'), { ...specA, version: '1.0.1' });
    const changed = imageOf('example/app', 'v1', [a2, packages[0]!]);
    const three = await exportOciLayout(changed, [a2, packages[0]!], join(dir, 'three'));
    assert.notEqual(three.manifestDigest, one.manifestDigest);
    assert.notEqual(three.configDigest, one.configDigest);
  });

  it('hard-links layer blobs from the store on one file system', async (t) => {
    const { dir, a, packages, image } = await setup(t);
    const out = join(dir, 'oci');
    await exportOciLayout(image, packages, out);
    const [src, dst] = await Promise.all([stat(a.file), stat(join(out, 'blobs', 'sha256', a.sha256))]);
    assert.equal(dst.ino, src.ino);
    assert.deepEqual(
      (await readdir(join(out, 'blobs', 'sha256'))).filter((n) => n.startsWith('.')),
      [],
      'no temp files left',
    );
  });

  it('adds annotations given to the manifest', async (t) => {
    const { dir, packages, image } = await setup(t);
    const out = join(dir, 'oci');
    const r = await exportOciLayout(image, packages, out, {
      annotations: { 'org.opencontainers.image.source': 'https://example.invalid/app' },
    });
    const manifest = JSON.parse((await blob(out, r.manifestDigest)).toString('utf8'));
    assert.equal(manifest.annotations['org.opencontainers.image.source'], 'https://example.invalid/app');
    assert.equal(manifest.annotations['org.opencontainers.image.title'], 'example/app');
  });

  it('refuses a package file whose bytes are not its sha256, naming the file, and leaves no output', async (t) => {
    const { dir, b, packages, image } = await setup(t);
    const bytes = await readFile(b.file);
    bytes[bytes.length - 9] = (bytes[bytes.length - 9] ?? 0) ^ 0xff; // same size, other bytes
    await writeFile(b.file, bytes);
    const out = join(dir, 'oci');
    await assert.rejects(exportOciLayout(image, packages, out), (err: Error) => {
      assert.ok(err instanceof IntegrityError, String(err));
      assert.ok(err.message.includes(b.file) && err.message.includes(b.sha256), err.message);
      return true;
    });
    await assert.rejects(stat(out), { code: 'ENOENT' });
    assert.deepEqual((await readdir(dir)).sort(), ['store']);

    await writeFile(b.file, Buffer.concat([bytes, Buffer.from('x')]));
    await assert.rejects(exportOciLayout(image, packages, out), IntegrityError);
  });

  it('refuses a non-empty directory that is not an OCI layout; an empty one is fine', async (t) => {
    const { dir, packages, image } = await setup(t);
    const busy = join(dir, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'notes.txt'), 'mine');
    await assert.rejects(
      exportOciLayout(image, packages, busy),
      (err: Error) => err instanceof UserError && err.message.startsWith(`${busy}: `),
    );
    assert.deepEqual(await readdir(busy), ['notes.txt']);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await exportOciLayout(image, packages, empty);
    await tool('skopeo', ['inspect', `oci:${empty}:v1`]);
  });

  it('adds a tag to an existing layout and replaces the same tag', async (t) => {
    const { dir, a, b, packages, image } = await setup(t);
    const out = join(dir, 'oci');
    const v1 = await exportOciLayout(image, packages, out);
    const small = imageOf('example/app', 'small', [a]);
    const s = await exportOciLayout(small, [a], out);
    let index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    assert.deepEqual(
      index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name']),
      ['small', 'v1'],
    );
    assert.equal(JSON.parse((await tool('skopeo', ['inspect', `oci:${out}:small`])).stdout).Digest, s.manifestDigest);
    assert.equal(JSON.parse((await tool('skopeo', ['inspect', `oci:${out}:v1`])).stdout).Digest, v1.manifestDigest);

    const v1b = await exportOciLayout(imageOf('example/app', 'v1', [b]), [b], out);
    index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 2);
    assert.equal(JSON.parse((await tool('skopeo', ['inspect', `oci:${out}:v1`])).stdout).Digest, v1b.manifestDigest);
  });

  it("refuses packages that are not the image's (a resolution bug) and manifests that disagree with it", async (t) => {
    const { a, b, image } = await setup(t);
    assert.throws(() => ociConfig(image, [a]), BaleError);
    assert.throws(() => ociConfig(image, [a, b, a]), BaleError);
    const lying = { ...b, manifest: { ...b.manifest, tar_sha256: a.tar_sha256 } };
    assert.throws(
      () => ociConfig(image, [a, lying]),
      (err: Error) => err instanceof IntegrityError && err.message.includes(b.file),
    );
  });
});

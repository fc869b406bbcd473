/**
 * checkBuilt against the real docker-registry, with package artifacts crafted as a registry store
 * lays them out (archive and bale manifest as layers, build key annotated): which registry
 * package counts as "the same build" (build key, name and version; the tag alone is not enough),
 * and what reproduced, MISMATCH and absent say when there are several or none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../../src/errors/index.js';
import { ARTIFACT, BLOB, MediaType, packageAnnotations, packagesRepo, packageTag } from '../../src/oci/index.js';
import { manifestJson } from '../../src/packer/manifest.js';
import { candidateTags, checkBuilt, checkLine, openRegistry, type Built } from '../../src/rebuild/check.js';
import { parseRegistryUrl, pushBytes, putArtifact, RegistryClient } from '../../src/registry/index.js';
import type { PackageOutput } from '../../src/store/index.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { makeOutput } from '../store/outputs.js';

const NS = 'team';
const REPO = packagesRepo(NS);
const key = (c: string): string => c.repeat(64);

describe('checkBuilt (real docker-registry, crafted package artifacts)', () => {
  let oci: OciRegistry;
  let client: RegistryClient;

  /** A package artifact as the registry store pushes one; `buildKey` undefined: pushed without one (bale push of an old store). */
  async function push(o: PackageOutput, buildKey: string | undefined, annotate: { name?: string } = {}): Promise<void> {
    const layers = [
      await pushBytes(client, REPO, MediaType.ociLayerGzip, o.tgz),
      await pushBytes(client, REPO, BLOB.packageManifest, Buffer.from(manifestJson(o.manifest))),
    ];
    const annotations = packageAnnotations({
      name: annotate.name ?? o.manifest.name,
      version: o.manifest.version,
      purl: o.manifest.purl,
      interpreter: null,
      recipeDigest: o.manifest.recipe_digest,
      ...(buildKey !== undefined ? { buildKey } : {}),
    });
    await putArtifact(client, REPO, packageTag({ ...o.manifest, sha256: o.sha256 }), ARTIFACT.package, layers, annotations);
  }

  const built = (o: PackageOutput, buildKey: string): Built => ({
    name: o.manifest.name,
    version: o.manifest.version,
    sha256: o.sha256,
    buildKey,
    manifest: o.manifest,
  });

  before(async () => {
    oci = await startOciRegistry();
    client = new RegistryClient(parseRegistryUrl(oci.url).registry);
  });
  after(async () => {
    await client?.close();
    await oci?.stop();
  });

  test('a namespace without a packages repository is refused, naming it', async () => {
    await assert.rejects(openRegistry(client, 'nobody', `${oci.url}/nobody`), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.code, 'ENOTFOUND');
      assert.match(err.message, /has no repository nobody\/packages \(404\): check the namespace/);
      return true;
    });
  });

  test('reproduced, MISMATCH and absent, decided by build key, name and version', async () => {
    const a = await makeOutput('node-a', '1.0.0');
    const aOther = await makeOutput('node-a', '1.0.0', 'another build of a\n');
    const b = await makeOutput('node-b', '1.0.0');
    const b1 = await makeOutput('node-b', '1.0.0', 'b, built elsewhere\n');
    const b2 = await makeOutput('node-b', '1.0.0', 'b, built a third way\n');
    const c = await makeOutput('node-c', '1.0.0');
    const cOther = await makeOutput('node-c', '1.0.0', 'c for another key\n');
    const cNoKey = await makeOutput('node-c', '1.0.0', 'c pushed without a key\n');
    const c2 = await makeOutput('node-c', '1.0.0-rc1', 'c rc1\n');
    const d = await makeOutput('node-d+x', '1.0.0');
    const dLook = await makeOutput('node-d_x', '1.0.0', 'a name that sanitises the same\n');
    // a: the registry holds two builds for this key, one of them ours.
    await push(aOther, key('a'));
    await push(a, key('a'));
    // b: two builds for this key, neither ours.
    await push(b1, key('b'));
    await push(b2, key('b'));
    // c: another key, no key, and another version whose tag starts like ours: none is c's build.
    await push(cOther, key('f'));
    await push(cNoKey, undefined);
    await push(c2, key('c'));
    // d: the same tag prefix and key under another name.
    await push(dLook, key('d'));

    const r = await openRegistry(client, NS, `${oci.url}/${NS}`);
    const got = await checkBuilt(r, [built(a, key('a')), built(b, key('b')), built(c, key('c')), built(d, key('d'))]);
    assert.deepEqual(
      got.map((x) => x.kind),
      ['reproduced', 'mismatch', 'absent', 'absent'],
    );
    const mism = got[1]!;
    assert.ok(mism.kind === 'mismatch');
    assert.deepEqual(new Set(mism.theirs), new Set([b1.sha256, b2.sha256]));
    const first = mism.theirs[0]!;
    const other = mism.theirs[1]!;
    assert.equal(
      checkLine(mism),
      `MISMATCH node-b 1.0.0: registry ${first.slice(0, 12)} (and ${other.slice(0, 12)}), built here ${b.sha256.slice(0, 12)}`,
    );
    // The differing file, from the registry's manifest of the first of them.
    const theirs = [b1, b2].find((x) => x.sha256 === first)!;
    const file = (o: PackageOutput) => o.manifest.files.find((f) => f.path === 'usr/share/node-b/VERSION')!;
    assert.deepEqual(mism.differences, [
      `usr/share/node-b/VERSION: registry ${file(theirs).size} bytes, mode 0644, sha256 ${file(theirs).sha256!.slice(0, 12)}; built here ${file(b).size} bytes, mode 0644, sha256 ${file(b).sha256!.slice(0, 12)}`,
    ]);
    assert.equal(checkLine(got[0]!), `reproduced node-a 1.0.0 ${a.sha256.slice(0, 12)}`);
    assert.equal(checkLine(got[2]!), 'absent node-c 1.0.0');
    // The tags alone would have taken dLook for d, and c2 is not a candidate of c: the annotations decided.
    const tags = await client.listTags(REPO);
    assert.deepEqual(candidateTags(tags, built(d, key('d'))), [packageTag({ ...dLook.manifest, sha256: dLook.sha256 })]);
    assert.equal(candidateTags(tags, built(c, key('c'))).length, 2);
  });
});

/**
 * `bale pull`: an image from a registry into the local store and an image file. With verify, the
 * image file's and every package's signature must check against the trust list before anything
 * is stored; digests are checked always (the client verifies every blob it pulls).
 */
import { IntegrityError, UserError } from '../../errors/index.js';
import { ARTIFACT, BLOB, packagesRepo, packageTag } from '../../oci/index.js';
import { parseManifest, referenceOf, type ImageRef, type RegistryClient } from '../../registry/index.js';
import { SIG_SUFFIX, verifyData, type PublicKey } from '../../sign/index.js';
import type { Store, StoredPackage } from '../../store/index.js';
import { fetchPackage } from '../../store/package-artifacts.js';
import { comparePackages, parseImageFile } from '../image-file.js';
import type { ImageFile } from '../types.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

export interface PullResult {
  image: ImageFile;
  imageText: string;
  imageSig: Buffer;
  digest: string;
  packages: StoredPackage[];
  /** Packages the store already had. */
  present: number;
}

async function artifactLayers(
  client: RegistryClient,
  repo: string,
  subject: string,
  type: string,
  where: string,
): Promise<{ mediaType: string; digest: string }[]> {
  const found = await client.referrers(repo, subject, type);
  if (found.length === 0) throw new UserError('EPULL', `${where}: no ${type} attached: it was not pushed by bale push, or only partly`);
  const m = await client.getManifest(repo, found[0]!.digest);
  return parseManifest(m.bytes, `${where} (${type})`).layers;
}

async function layerOf(
  client: RegistryClient,
  repo: string,
  layers: { mediaType: string; digest: string }[],
  mediaType: string,
  where: string,
): Promise<Buffer> {
  const d = layers.find((l) => l.mediaType === mediaType);
  if (d === undefined) throw new UserError('EPULL', `${where}: the artifact holds no ${mediaType}`);
  return client.pullBlob(repo, d.digest);
}

export async function pullImage(client: RegistryClient, ref: ImageRef, store: Store, keys: PublicKey[] | undefined): Promise<PullResult> {
  const where = `${ref.registry.host}/${ref.repository}:${referenceOf(ref)}`;
  const fetched = await client.getManifest(ref.repository, referenceOf(ref));
  const manifest = parseManifest(fetched.bytes, where);
  const files = await artifactLayers(client, ref.repository, fetched.digest, ARTIFACT.image, where);
  const imageBytes = await layerOf(client, ref.repository, files, BLOB.imageFile, where);
  const imageSig = await layerOf(client, ref.repository, files, BLOB.minisig, where);
  if (keys !== undefined) verifyData(imageBytes, imageSig, keys, `${where} image file`);
  const imageText = imageBytes.toString('utf8');
  const image = parseImageFile(imageText, `${where} image file`);
  // The manifest's layers must be exactly the image file's packages, in its order.
  const want = [...image.packages].sort(comparePackages).map((p) => `sha256:${p.sha256}`);
  const got = manifest.layers.map((l) => l.digest);
  if (want.join(' ') !== got.join(' '))
    throw new IntegrityError(`${where}: the image manifest's layers are not the packages its signed image file lists: do not use it`);

  const ns = ref.repository.includes('/') ? ref.repository.slice(0, ref.repository.lastIndexOf('/')) : '';
  const packages: StoredPackage[] = [];
  let present = 0;
  for (const ip of image.packages) {
    const hit = (await store.findPackages(ip.name, ip.version)).find((p) => p.sha256 === ip.sha256);
    if (hit !== undefined) {
      packages.push(hit);
      present++;
      continue;
    }
    const pw = `${ref.registry.host}/${packagesRepo(ns)}:${packageTag(ip)}`;
    const got = await fetchPackage(client, ns, ip);
    if (got === undefined) throw new UserError('EPULL', `${pw}: not in the registry, though ${where} lists it: push the image again`);
    if (got.manifest.tar_sha256 !== ip.tar_sha256)
      throw new IntegrityError(`${pw}: its manifest's tar sha256 is not the one the image lists: do not use it`);
    if (keys !== undefined) {
      if (got.sig === undefined)
        throw new UserError('ENOSIG', `${pw}: no signature attached: it cannot be verified; push it with its .minisig`);
      verifyData(got.tgz, got.sig, keys, `${pw} package`);
    }
    const [stored] = await store.importPackages([{ manifest: got.manifest, tgz: got.tgz, sha256: ip.sha256, build: got.build }]);
    if (got.sig !== undefined) await writeFileAtomic(stored!.file + SIG_SUFFIX, got.sig);
    packages.push(stored!);
  }
  return { image, imageText, imageSig, digest: fetched.digest, packages, present };
}

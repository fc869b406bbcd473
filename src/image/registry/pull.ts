/**
 * `bale pull`: an image from a registry into the local store and an image file. With verify, the
 * image file's and every package's signature must check against the trust list before anything
 * is stored; digests are checked always (the client verifies every blob it pulls).
 */
import { IntegrityError, UserError } from '../../errors/index.js';
import { parseManifest as parsePackageManifest } from '../../packer/manifest.js';
import { parseManifest, referenceOf, type ImageRef, type RegistryClient } from '../../registry/index.js';
import { verifyData, type PublicKey } from '../../sign/index.js';
import type { Store, StoredPackage } from '../../store/index.js';
import { comparePackages, parseImageFile } from '../image-file.js';
import type { ImageFile } from '../types.js';
import { ARTIFACT, BLOB, packagesRepo, packageTag } from './layout.js';

export interface PullResult {
  image: ImageFile;
  imageText: string;
  imageSig: Buffer;
  digest: string;
  packages: StoredPackage[];
  /** Packages the store already had. */
  present: number;
}

async function artifactLayers(client: RegistryClient, repo: string, subject: string, type: string, where: string): Promise<{ mediaType: string; digest: string }[]> {
  const found = await client.referrers(repo, subject, type);
  if (found.length === 0) throw new UserError('EPULL', `${where}: no ${type} attached: it was not pushed by bale push, or only partly`);
  const m = await client.getManifest(repo, found[0]!.digest);
  return parseManifest(m.bytes, `${where} (${type})`).layers;
}

async function layerOf(client: RegistryClient, repo: string, layers: { mediaType: string; digest: string }[], mediaType: string, where: string): Promise<Buffer> {
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
  if (want.join(' ') !== got.join(' ')) throw new IntegrityError(`${where}: the image manifest's layers are not the packages its signed image file lists: do not use it`);

  const ns = ref.repository.includes('/') ? ref.repository.slice(0, ref.repository.lastIndexOf('/')) : '';
  const have = new Map((await store.list()).map((p) => [`${p.name}@${p.version}@${p.sha256}`, p]));
  const packages: StoredPackage[] = [];
  let present = 0;
  for (const ip of image.packages) {
    const hit = have.get(`${ip.name}@${ip.version}@${ip.sha256}`);
    if (hit !== undefined) {
      packages.push(hit);
      present++;
      continue;
    }
    const repo = packagesRepo(ns);
    const pw = `${ref.registry.host}/${repo}:${packageTag(ip)}`;
    const art = await client.getManifest(repo, packageTag(ip));
    const layers = parseManifest(art.bytes, pw).layers;
    const tgz = await layerOf(client, repo, layers, 'application/vnd.oci.image.layer.v1.tar+gzip', pw);
    const sig = await layerOf(client, repo, await artifactLayers(client, repo, art.digest, ARTIFACT.signature, pw), BLOB.minisig, pw);
    if (keys !== undefined) verifyData(tgz, sig, keys, `${pw} package`);
    const manifestText = (await layerOf(client, repo, layers, BLOB.packageManifest, pw)).toString('utf8');
    const pm = parsePackageManifest(manifestText, `${pw} manifest`);
    if (pm.name !== ip.name || pm.version !== ip.version || pm.tar_sha256 !== ip.tar_sha256) {
      throw new IntegrityError(`${pw}: its manifest says ${pm.name} ${pm.version}, not the ${ip.name} ${ip.version} the image lists: do not use it`);
    }
    const [stored] = await store.importPackages([{ manifest: pm, tgz, sha256: ip.sha256 }]);
    const { writeFileAtomic } = await import('../../util/atomic-write.js');
    await writeFileAtomic(`${stored!.file}.minisig`, sig);
    packages.push(stored!);
  }
  return { image, imageText, imageSig, digest: fetched.digest, packages, present };
}

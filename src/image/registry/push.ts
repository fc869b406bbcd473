/**
 * `bale push`: an image and its packages to a registry (see src/oci/registry-layout.ts). The image is pushed with
 * its signature (the caller reads it); blobs the registry has are not sent again; the image manifest is byte for byte the one `bale image export` writes,
 * so its digest is the same wherever the image lives.
 */
import { createReadStream } from 'node:fs';
import { ARTIFACT, BLOB, imageRepo, MediaType, packagesRepo, sha256Digest, type Descriptor } from '../../oci/index.js';
import { pushBytes, type RegistryClient } from '../../registry/index.js';
import type { Store } from '../../store/index.js';
import { localExtras, pushPackage } from '../../store/package-artifacts.js';
import { ociConfig, ociManifest } from '../export/index.js';
import type { ImageFile, ResolvedPackage } from '../types.js';

export interface PushResult {
  repository: string;
  tag: string;
  digest: string;
  packages: number;
}

export async function pushImage(
  client: RegistryClient,
  ns: string,
  image: ImageFile,
  imageText: string,
  imageSig: Buffer,
  packages: ResolvedPackage[],
  /** The store the packages are in: their build descriptions go with them. */
  store: Pick<Store, 'buildOf'>,
): Promise<PushResult> {
  // Every package's .minisig, build description and attestations go with it. One without a
  // signature (pushed with --no-verify, which skips the checks that would have refused it) is
  // pushed unsigned, as the registry store pushes packages built without a key: `bale pull
  // --verify` refuses it, with one line.
  for (const p of packages) await pushPackage(client, ns, p, await localExtras(p, store));
  const repo = imageRepo(ns, image.name);
  const from = packagesRepo(ns);
  // The image's layers are the package blobs: mounted from the packages repository, not sent again.
  for (const p of packages) await client.pushBlob(repo, `sha256:${p.sha256}`, () => createReadStream(p.file), { size: p.size, from });
  const config = ociConfig(image, packages);
  await client.pushBlob(repo, sha256Digest(config), config);
  const manifest = ociManifest(image, packages, config);
  const digest = await client.putManifest(repo, image.tag, manifest, MediaType.ociManifest);
  const subject: Descriptor = { mediaType: MediaType.ociManifest, digest, size: manifest.length };
  const layers = [
    await pushBytes(client, repo, BLOB.imageFile, Buffer.from(imageText)),
    await pushBytes(client, repo, BLOB.minisig, imageSig),
  ];
  // One image file per manifest (both follow from the same package set): attached once.
  if ((await client.referrers(repo, digest, ARTIFACT.image)).length === 0) {
    await client.attachArtifact(repo, subject, { artifactType: ARTIFACT.image, layers });
  }
  return { repository: repo, tag: image.tag, digest, packages: packages.length };
}

/**
 * `bale push`: an image and its packages to a registry (see layout.ts). Blobs the registry has
 * are not sent again; the image manifest is byte for byte the one `bale image export` writes,
 * so its digest is the same wherever the image lives.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { manifestJson } from '../../packer/manifest.js';
import { EMPTY_DESCRIPTOR, EMPTY_JSON, MediaType, encodeJson, sha256Digest, type Descriptor, type RegistryClient } from '../../registry/index.js';
import { MEDIA_TYPE_MANIFEST, ociConfig, ociManifest } from '../export/index.js';
import type { ImageFile, ResolvedPackage } from '../types.js';
import { ANNOTATION, ARTIFACT, BLOB, imageRepo, packagesRepo, packageTag } from './layout.js';

async function pushBytes(client: RegistryClient, repo: string, mediaType: string, data: Buffer, annotations?: Record<string, string>): Promise<Descriptor> {
  const digest = sha256Digest(data);
  await client.pushBlob(repo, digest, data);
  return { mediaType, digest, size: data.length, ...(annotations !== undefined ? { annotations } : {}) };
}

/** An artifact manifest with the empty config (OCI image spec 1.1), by digest and under `tag`. */
async function putArtifact(client: RegistryClient, repo: string, tag: string, artifactType: string, layers: Descriptor[], annotations: Record<string, string>): Promise<Descriptor> {
  await client.pushBlob(repo, EMPTY_DESCRIPTOR.digest, EMPTY_JSON);
  const bytes = encodeJson({ schemaVersion: 2, mediaType: MediaType.ociManifest, artifactType, config: EMPTY_DESCRIPTOR, layers, annotations });
  const digest = await client.putManifest(repo, tag, bytes, MediaType.ociManifest);
  return { mediaType: MediaType.ociManifest, digest, size: bytes.length, artifactType };
}

async function pushPackage(client: RegistryClient, ns: string, p: ResolvedPackage): Promise<void> {
  const repo = packagesRepo(ns);
  const tgz = await readFile(p.file);
  const layers = [
    await pushBytes(client, repo, MediaType.ociLayerGzip, tgz, { [ANNOTATION.title]: basename(p.file) }),
    await pushBytes(client, repo, BLOB.packageManifest, Buffer.from(manifestJson(p.manifest))),
  ];
  const i = p.manifest.interpreter;
  const annotations = {
    [ANNOTATION.name]: p.name,
    [ANNOTATION.version]: p.version,
    [ANNOTATION.purl]: p.purl,
    [ANNOTATION.interpreter]: i === null ? 'any' : `${i.kind}${i.version}`,
    [ANNOTATION.recipeDigest]: p.manifest.recipe_digest,
  };
  const artifact = await putArtifact(client, repo, packageTag(p), ARTIFACT.package, layers, annotations);
  const sig = await pushBytes(client, repo, BLOB.minisig, await readFile(`${p.file}.minisig`));
  if ((await client.referrers(repo, artifact.digest, ARTIFACT.signature)).length === 0) {
    await client.attachArtifact(repo, artifact, { artifactType: ARTIFACT.signature, layers: [sig] });
  }
}

export interface PushResult {
  repository: string;
  tag: string;
  digest: string;
  packages: number;
}

export async function pushImage(client: RegistryClient, ns: string, image: ImageFile, imageText: string, imageSig: Buffer, packages: ResolvedPackage[]): Promise<PushResult> {
  for (const p of packages) await pushPackage(client, ns, p);
  const repo = imageRepo(ns, image.name);
  const from = packagesRepo(ns);
  // The image's layers are the package blobs: mounted from the packages repository, not sent again.
  for (const p of packages) await client.pushBlob(repo, `sha256:${p.sha256}`, () => createReadStream(p.file), { size: p.size, from });
  const config = ociConfig(image, packages);
  await client.pushBlob(repo, sha256Digest(config), config);
  const manifest = ociManifest(image, packages, config);
  const digest = await client.putManifest(repo, image.tag, manifest, MEDIA_TYPE_MANIFEST);
  const subject: Descriptor = { mediaType: MEDIA_TYPE_MANIFEST, digest, size: manifest.length };
  const layers = [await pushBytes(client, repo, BLOB.imageFile, Buffer.from(imageText)), await pushBytes(client, repo, BLOB.minisig, imageSig)];
  // One image file per manifest (both follow from the same package set): attached once.
  if ((await client.referrers(repo, digest, ARTIFACT.image)).length === 0) {
    await client.attachArtifact(repo, subject, { artifactType: ARTIFACT.image, layers });
  }
  return { repository: repo, tag: image.tag, digest, packages: packages.length };
}

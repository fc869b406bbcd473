/**
 * OCI 1.1 artifacts on top of the client: a blob from memory and an artifact manifest with the
 * empty config, as bale pushes its packages, builds and signatures (see src/oci/registry-layout.ts).
 */
import { descriptorOf, EMPTY_DESCRIPTOR, EMPTY_JSON, encodeJson, MediaType, type Descriptor } from '../oci/index.js';
import type { RegistryClient } from './client.js';

/** A blob from memory, unless the repository has it; its descriptor. */
export async function pushBytes(
  client: RegistryClient,
  repo: string,
  mediaType: string,
  data: Buffer,
  annotations?: Record<string, string>,
): Promise<Descriptor> {
  const descriptor = descriptorOf(mediaType, data, annotations);
  await client.pushBlob(repo, descriptor.digest, data);
  return descriptor;
}

/** An artifact manifest with the empty config (OCI image spec 1.1), by digest and under `tag`. */
export async function putArtifact(
  client: RegistryClient,
  repo: string,
  tag: string,
  artifactType: string,
  layers: Descriptor[],
  annotations: Record<string, string>,
): Promise<Descriptor> {
  await client.pushBlob(repo, EMPTY_DESCRIPTOR.digest, EMPTY_JSON);
  const bytes = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType,
    config: EMPTY_DESCRIPTOR,
    layers,
    annotations,
  });
  const digest = await client.putManifest(repo, tag, bytes, MediaType.ociManifest);
  return { mediaType: MediaType.ociManifest, digest, size: bytes.length, artifactType };
}

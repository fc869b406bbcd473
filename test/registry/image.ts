/** A tiny valid OCI image, written by hand: one gzip tar layer, its config, its manifest. */
import { gzipSync } from 'node:zlib';
import { encodeJson, MediaType, sha256Digest, type Descriptor } from '../../src/oci/index.js';
import { makeTar } from '../archive/make-tar.js';

export interface Blob {
  descriptor: Descriptor;
  data: Buffer;
}

export interface TestImage {
  config: Blob;
  layers: Blob[];
  manifest: Buffer;
  digest: string;
  descriptor: Descriptor;
}

export function blobOf(data: Buffer, mediaType: string): Blob {
  return { data, descriptor: { mediaType, digest: sha256Digest(data), size: data.length } };
}

export async function makeImage(files: Record<string, string>): Promise<TestImage> {
  const tar = await makeTar(Object.entries(files).map(([name, data]) => ({ name, data })));
  const layer = blobOf(gzipSync(tar), MediaType.ociLayerGzip);
  const config = blobOf(
    encodeJson({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/true'] },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    }),
    MediaType.ociConfig,
  );
  const manifest = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: config.descriptor,
    layers: [layer.descriptor],
  });
  const digest = sha256Digest(manifest);
  return { config, layers: [layer], manifest, digest, descriptor: { mediaType: MediaType.ociManifest, digest, size: manifest.length } };
}

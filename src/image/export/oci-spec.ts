/**
 * The OCI image documents for an image, as exact bytes: config, manifest and index. Pure
 * functions of the image and its packages (no clock, no paths), so an OCI layout written to
 * disk and a push to a registry carry the same manifest digest. Each package .tar.gz is a layer
 * blob unchanged: an ordinary gzip of a tar of relative paths, its diff_id the manifest's
 * tar_sha256.
 */
import { ANNOTATION, descriptorOf, MediaType, type Descriptor } from '../../oci/index.js';
import type { ImageFile, ResolvedPackage } from '../types.js';
import { canonicalJson } from './canonical-json.js';
import { imageEpoch, packageLabel, packagesOfImage, rfc3339 } from './packages.js';

export const IMAGE_ARCHITECTURE = 'amd64';
export const IMAGE_OS = 'linux';
export const IMAGE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * One layer per package, in image order, each annotated with which package it is and which of the
 * image's packages it depends on, so a registry can be searched by package (who-uses) and a
 * package traced to the roots that brought it in, without reading blobs.
 */
export function layerDescriptors(image: ImageFile, packages: readonly ResolvedPackage[]): Descriptor[] {
  const ordered = packagesOfImage(image, packages);
  const inImage = new Set(ordered.map((p) => dependsToken(p.name, p.version)));
  return ordered.map((p) => {
    const depends = dependsInImage(p, inImage);
    return {
      mediaType: MediaType.ociLayerGzip,
      digest: `sha256:${p.sha256}`,
      size: p.size,
      annotations: {
        [ANNOTATION.package]: p.name,
        [ANNOTATION.packageVersion]: p.version,
        [ANNOTATION.purl]: p.purl,
        ...(depends !== '' ? { [ANNOTATION.depends]: depends } : {}),
      },
    };
  });
}

/** One package in `dev.bale.depends`: `name@version` (names and versions hold no whitespace, versions no `@`). */
export const dependsToken = (name: string, version: string): string => `${name}@${version}`;

/**
 * `dev.bale.depends`: the packages the manifest depends on that the image holds, as `name@version`
 * (an image may hold two versions of one package), sorted and deduplicated (bytes follow from the
 * set, not from the manifest's order).
 */
export function dependsInImage(p: ResolvedPackage, inImage: ReadonlySet<string>): string {
  const self = dependsToken(p.name, p.version);
  const tokens = new Set(p.manifest.depends.map((d) => dependsToken(d.name, d.version)).filter((t) => inImage.has(t) && t !== self));
  return [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(' ');
}

/**
 * The image config: fixed platform and PATH, `created` and every history entry at the newest
 * package's source_date_epoch, one diff_id and one history entry per layer. Depends only on the
 * packages (not on the image's name or tag), so retagging leaves the config digest alone.
 */
export function ociConfig(image: ImageFile, packages: readonly ResolvedPackage[]): Buffer {
  const ordered = packagesOfImage(image, packages);
  const created = rfc3339(imageEpoch(ordered));
  const config = {
    architecture: IMAGE_ARCHITECTURE,
    os: IMAGE_OS,
    created,
    config: { Env: [IMAGE_PATH] },
    rootfs: { type: 'layers', diff_ids: ordered.map((p) => `sha256:${p.tar_sha256}`) },
    history: ordered.map((p) => ({ created, created_by: `bale package ${packageLabel(p)}`, comment: p.purl })),
  };
  return Buffer.from(canonicalJson(config));
}

/**
 * The image manifest for `configBytes` (from ociConfig): annotated with the image's name as
 * title and its tag as version; `annotations` are added on top (and win on a shared key).
 */
export function ociManifest(
  image: ImageFile,
  packages: readonly ResolvedPackage[],
  configBytes: Buffer,
  annotations?: Record<string, string>,
): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: descriptorOf(MediaType.ociConfig, configBytes),
    layers: layerDescriptors(image, packages),
    annotations: { [ANNOTATION.title]: image.name, [ANNOTATION.imageVersion]: image.tag, ...(annotations ?? {}) },
  };
  return Buffer.from(canonicalJson(manifest));
}

/** A layout's index.json: the given manifest descriptors (plus any other top-level fields kept). */
export function ociIndex(manifests: readonly unknown[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(canonicalJson({ ...extra, schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
}

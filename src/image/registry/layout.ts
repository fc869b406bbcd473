/**
 * How bale lays packages and images out in an OCI registry under a namespace `ns`:
 *
 * - every package is an artifact manifest in `ns/packages`, tagged `<name>-<version>-<sha12>`
 *   (sanitised to a tag), whose layers are the .tar.gz and its bale manifest, annotated with
 *   purl, interpreter and recipe digest; its .minisig is an artifact attached to it;
 * - an image is an OCI image manifest in `ns/<image name>` tagged with the image's tag, whose
 *   layers are the same package blobs (a registry stores each blob once, whatever uses it),
 *   exactly the manifest `bale image export` writes; the image file and its .minisig are an
 *   artifact attached to it;
 * - a registry store (`--store oci://…`) adds one artifact per build in `ns/builds`, tagged with
 *   the build key, whose layers are the build's package archives and its build record (JSON):
 *   pushed after the packages, so a tag there always means a complete build.
 */
import type { ImagePackage } from '../types.js';

export const ARTIFACT = {
  package: 'application/vnd.dev.bale.package.v1',
  image: 'application/vnd.dev.bale.image.v1',
  signature: 'application/vnd.dev.bale.signature.v1',
  build: 'application/vnd.dev.bale.build.v1',
} as const;

export const BLOB = {
  packageManifest: 'application/vnd.dev.bale.package.manifest.v1+json',
  imageFile: 'application/vnd.dev.bale.image.v1+toml',
  minisig: 'application/vnd.dev.bale.minisig.v1',
  buildRecord: 'application/vnd.dev.bale.build.record.v1+json',
} as const;

export const ANNOTATION = {
  purl: 'dev.bale.purl',
  name: 'dev.bale.package',
  version: 'dev.bale.package.version',
  interpreter: 'dev.bale.interpreter',
  recipeDigest: 'dev.bale.recipe.digest',
  title: 'org.opencontainers.image.title',
} as const;

export const packagesRepo = (ns: string): string => (ns === '' ? 'packages' : `${ns}/packages`);
export const buildsRepo = (ns: string): string => (ns === '' ? 'builds' : `${ns}/builds`);
export const imageRepo = (ns: string, name: string): string => (ns === '' ? name : `${ns}/${name}`);

/** A tag for a package: OCI tags allow `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`; the sha keeps sanitised names apart. */
export function packageTag(p: Pick<ImagePackage, 'name' | 'version' | 'sha256'>): string {
  const clean = `${p.name}-${p.version}`.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]/, '_');
  return `${clean.slice(0, 128 - 13)}-${p.sha256.slice(0, 12)}`;
}

export const isReferrersTag = (tag: string): boolean => /^sha256-[0-9a-f]{64}$/.test(tag);

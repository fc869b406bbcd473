/**
 * How bale lays packages, builds and images out in an OCI registry under a namespace `ns`:
 *
 * - every package is an artifact manifest (ARTIFACT.package) in `ns/packages`, tagged
 *   `<name>-<version>-<sha12>` (sanitised to a tag), whose layers are the .tar.gz and its bale
 *   manifest, then (when bale knows them) its build description and the recipes it names, one
 *   layer each, annotated with purl, interpreter, recipe digest and build key; its .minisig is an
 *   artifact (ARTIFACT.signature) attached to it, and every build attestation of it an artifact
 *   (ARTIFACT.attestation, one DSSE envelope as its layer) attached to it;
 * - an image is an OCI image manifest in `ns/<image name>` tagged with the image's tag, whose
 *   layers are the same package blobs (a registry stores each blob once, whatever uses it),
 *   exactly the manifest `bale image export` writes; the image file and its .minisig are an
 *   artifact (ARTIFACT.image) attached to it;
 * - a registry store (`--store oci://…`) adds one artifact (ARTIFACT.build) per build in
 *   `ns/builds`, tagged with the build key, whose layers are the build's package archives and its
 *   build record (JSON): pushed after the packages, so a tag there always means a complete build,
 *   annotated with when it was pushed (gc's grace period);
 * - builders' leases and `bale gc`'s marks (src/store/registry-leases.ts) are artifacts
 *   (ARTIFACT.lease) in `ns/leases`, one tag each, deleted when done.
 *
 * Pure names and annotations; the pushing and pulling is the store's (package-artifacts.ts) and
 * the image commands'.
 */
import { ANNOTATION } from './annotations.js';

export const packagesRepo = (ns: string): string => (ns === '' ? 'packages' : `${ns}/packages`);
export const buildsRepo = (ns: string): string => (ns === '' ? 'builds' : `${ns}/builds`);
export const leasesRepo = (ns: string): string => (ns === '' ? 'leases' : `${ns}/leases`);
/** The repositories a registry store keeps for itself (packages, build records, leases): none holds an image. */
export const storeRepos = (ns: string): ReadonlySet<string> => new Set([packagesRepo(ns), buildsRepo(ns), leasesRepo(ns)]);
export const imageRepo = (ns: string, name: string): string => (ns === '' ? name : `${ns}/${name}`);

/** A tag for a package: OCI tags allow `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`; the sha keeps sanitised names apart. */
export function packageTag(p: { name: string; version: string; sha256: string }): string {
  const clean = `${p.name}-${p.version}`.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]/, '_');
  return `${clean.slice(0, 128 - 13)}-${p.sha256.slice(0, 12)}`;
}

/** What a package artifact's manifest is annotated with. */
export interface PackageLabels {
  name: string;
  version: string;
  purl: string;
  interpreter: { kind: string; version: string } | null;
  recipeDigest: string;
  /** When the package's build description travels with it. */
  buildKey?: string;
}

/** The annotations of a package artifact's manifest, in the order they are written. */
export function packageAnnotations(p: PackageLabels): Record<string, string> {
  const i = p.interpreter;
  return {
    [ANNOTATION.package]: p.name,
    [ANNOTATION.packageVersion]: p.version,
    [ANNOTATION.purl]: p.purl,
    [ANNOTATION.interpreter]: i === null ? 'any' : `${i.kind}${i.version}`,
    [ANNOTATION.recipeDigest]: p.recipeDigest,
    ...(p.buildKey !== undefined ? { [ANNOTATION.buildKey]: p.buildKey } : {}),
  };
}

/** The tag the referrers fallback (OCI distribution 1.1) lists a sha256 digest's referrers under. */
export const isReferrersTag = (tag: string): boolean => /^sha256-[0-9a-f]{64}$/.test(tag);

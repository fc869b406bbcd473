/**
 * What every export needs to know about its packages, in one place: the one order layers and
 * entries are written in, the one timestamp (from the packages, never the clock), and the checks
 * that the files on disk are the ones the image names before a byte of them is used.
 */
import { BaleError, IntegrityError } from '../../errors/index.js';
import type { ImageFile, ImagePackage, ResolvedPackage } from '../types.js';

/** Name, then version: the image file's order (image-file.ts sorts the same way). */
export function comparePackages(a: { name: string; version: string }, b: { name: string; version: string }): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  return 0;
}

export function orderPackages<T extends { name: string; version: string }>(list: readonly T[]): T[] {
  return [...list].sort(comparePackages);
}

export const packageLabel = (p: { name: string; version: string }): string => `${p.name} ${p.version}`;

/** Seconds since 1970 that stand for the image: the newest package's source_date_epoch (0 when empty). */
export function imageEpoch(packages: readonly ResolvedPackage[]): number {
  let max = 0;
  for (const p of packages) max = Math.max(max, p.manifest.source_date_epoch);
  return max;
}

/** RFC 3339 in UTC without fractions, e.g. `2023-11-14T22:13:20Z`. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The package's own manifest must describe the file the image names. */
export function checkManifest(p: ResolvedPackage): void {
  const m = p.manifest;
  const wrong: string[] = [];
  if (m.name !== p.name) wrong.push(`name ${m.name}`);
  if (m.version !== p.version) wrong.push(`version ${m.version}`);
  if (m.tar_sha256 !== p.tar_sha256) wrong.push(`tar_sha256 ${m.tar_sha256}`);
  if (wrong.length > 0) {
    throw new IntegrityError(
      `${p.file}: its manifest says ${wrong.join(', ')} but the image names ${packageLabel(p)} (tar_sha256 ${p.tar_sha256}): the store entry is inconsistent; rebuild or re-fetch the package`,
    );
  }
}

const sameDescriptor = (a: ImagePackage, b: ImagePackage): boolean =>
  a.name === b.name &&
  a.version === b.version &&
  a.sha256 === b.sha256 &&
  a.size === b.size &&
  a.tar_sha256 === b.tar_sha256 &&
  a.purl === b.purl;

/**
 * The resolved packages in image order, after checking they are exactly the image's packages
 * (resolution is the caller's job; a difference is a bug there) and that each manifest agrees.
 */
export function packagesOfImage(image: ImageFile, packages: readonly ResolvedPackage[]): ResolvedPackage[] {
  const ordered = orderPackages(packages);
  const wanted = orderPackages(image.packages);
  for (let i = 0; i < Math.max(ordered.length, wanted.length); i++) {
    const got = ordered[i];
    const want = wanted[i];
    if (got === undefined || want === undefined || !sameDescriptor(got, want)) {
      const what =
        want === undefined
          ? `extra package ${packageLabel(got!)}`
          : `${packageLabel(want)} resolved as ${got === undefined ? 'nothing' : packageLabel(got)}`;
      throw new BaleError('EIMAGEPACKAGES', `image ${image.name}:${image.tag}: the resolved packages differ from the image file (${what})`);
    }
    if (i > 0 && comparePackages(ordered[i - 1]!, got) === 0) {
      throw new BaleError('EIMAGEPACKAGES', `image ${image.name}:${image.tag}: ${packageLabel(got)} is resolved twice`);
    }
    checkManifest(got);
  }
  return ordered;
}

/** Throws IntegrityError naming `shown` unless `actual` is what the package says it is. */
export function checkBytes(p: ImagePackage, shown: string, actual: { sha256: string; size: number }): void {
  if (actual.size !== p.size || actual.sha256 !== p.sha256) {
    throw new IntegrityError(
      `${shown}: expected ${packageLabel(p)} with sha256 ${p.sha256} (${p.size} bytes), found sha256 ${actual.sha256} (${actual.size} bytes): the file is corrupt or replaced; re-fetch or rebuild the package`,
    );
  }
}

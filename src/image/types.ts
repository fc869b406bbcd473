/**
 * An image: an unordered set of packages, written as a canonical TOML file (sorted, fixed key
 * order) so that the same set always has the same bytes and one signature covers it.
 */
import type { PackageManifest } from '../packer/manifest.js';

/** One package of an image, as the image file names it. */
export interface ImagePackage {
  /** Package name, e.g. `node-express`, `py3.11-httpx`, `ruby3.1-rack-bin`. */
  name: string;
  version: string;
  /** sha256 of the package's .tar.gz (the store's file, the OCI layer blob), lowercase hex. */
  sha256: string;
  /** Bytes of the .tar.gz. */
  size: number;
  /** sha256 of the uncompressed tar (the manifest's tar_sha256; the OCI layer's diff_id). */
  tar_sha256: string;
  /** The package URL it was built from. */
  purl: string;
}

export interface ImageFile {
  format: 1;
  name: string;
  tag: string;
  /** Every package, sorted by name then version (the file's order; a set has none). */
  packages: ImagePackage[];
}

/** A package of an image, resolved to local files (what export and push read). */
export interface ResolvedPackage extends ImagePackage {
  /** Absolute path of the .tar.gz. */
  file: string;
  manifest: PackageManifest;
}

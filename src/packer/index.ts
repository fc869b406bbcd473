/** The deterministic packer: entries in, reproducible .tar.gz and manifest rows out. */
export type { EntryType, PackEntry } from './entry.js';
export { pack, DEFAULT_GZIP_LEVEL, type PackOptions, type PackResult } from './pack.js';
export { readTree, type ReadTreeOptions } from './read-tree.js';
export { manifestJson, parseManifest, type ManifestFile, type PackageManifest } from './manifest.js';

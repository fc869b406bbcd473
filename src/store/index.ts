/** The local package store: packages, their manifests, and build records for cache hits. */
export { LocalStore, type PackageOutput, type StoreOptions, type StoredPackage } from './local-store.js';
export { defaultStoreRoot } from './paths.js';
export { writeFileAtomic } from '../util/atomic-write.js';

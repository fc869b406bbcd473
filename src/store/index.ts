/** Package stores: the local one (packages, manifests, build records) and a registry one in front of it. */
export { LocalStore, type PackageOutput, type StoreOptions, type StoredPackage } from './local-store.js';
export type { Store } from './store.js';
export { isRegistryStore, localStoreRoot, ociCacheRoot, openStoreAt, storeLocation, type OpenStoreOptions } from './open.js';
export { defaultStoreRoot } from './paths.js';
export { writeFileAtomic } from '../util/atomic-write.js';

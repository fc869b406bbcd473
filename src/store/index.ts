/** Package stores: the local one (packages, manifests, build records) and a registry one in front of it. */
export { LocalStore, type StoreOptions } from './local-store.js';
export type { PackageOutput, Store, StoredPackage } from './store.js';
export { isRegistryStore, localStoreRoot, openStoreAt, storeLocation, type OpenStoreOptions } from './open.js';
export { defaultStoreRoot, ociCacheRoot } from './paths.js';
export { writeFileAtomic } from '../util/atomic-write.js';

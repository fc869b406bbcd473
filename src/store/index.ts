/** Package stores: the local one (packages, manifests, build records) and a registry one in front of it. */
export { LocalStore, type StoreOptions } from './local-store.js';
export type { PackageBuild, PackageOutput, Store, StoredPackage } from './store.js';
export {
  checkRecipeText,
  descriptionJson,
  parseDescription,
  type BuildDescription,
  type BuildFacts,
  type DescribedInput,
  type RecipeText,
} from './description.js';
export { isRegistryStore, localStoreRoot, openStoreAt, storeLocation, type OpenStoreOptions } from './open.js';
export { defaultStoreRoot, ociCacheRoot, packageFiles, packageStem } from './paths.js';
export { writeFileAtomic } from '../util/atomic-write.js';

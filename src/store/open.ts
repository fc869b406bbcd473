/**
 * Opening a store from where the user said it is: a directory, or `oci://HOST[:PORT]/NAMESPACE`
 * for a registry store (loaded only then: local stores never load the registry client).
 */
import { resolve } from 'node:path';
import { parseRegistryUrl } from '../registry/reference.js';
import { LocalStore, type StoreOptions } from './local-store.js';
import { ociCacheRoot } from './paths.js';
import type { Store } from './store.js';

export const isRegistryStore = (location: string): boolean => location.startsWith('oci://');

/** A `--store` value as given on the command line: directories made absolute, registry URLs kept. */
export function storeLocation(value: string): string {
  return isRegistryStore(value) ? value : resolve(value);
}

export interface OpenStoreOptions {
  /** bale's cache directory: where a registry store keeps its local copy. */
  cacheDir: string;
  storeOptions?: StoreOptions;
}

export async function openStoreAt(location: string, opts: OpenStoreOptions): Promise<Store> {
  if (!isRegistryStore(location)) return new LocalStore(location, opts.storeOptions);
  const { OciStore } = await import('./oci-store.js');
  return new OciStore(location, opts);
}

/** The local directory a store's package files are in (a registry store's cache), without opening it. */
export function localStoreRoot(location: string, cacheDir: string): string {
  return isRegistryStore(location) ? ociCacheRoot(parseRegistryUrl(location), cacheDir) : resolve(location);
}

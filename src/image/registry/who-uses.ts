/**
 * `bale who-uses`: every image in a registry namespace that holds a package. Registries have no
 * reverse index, so this reads the catalog, each image repository's tags and their manifests,
 * whose layers carry the package's purl, name and version as annotations, through the registry
 * index (registry-index.ts), cached by manifest digest when given a cache dir.
 */
import type { RegistryClient } from '../../registry/index.js';
import type { VersionOrder } from '../../ecosystems/descriptor.js';
import { readRegistryIndex, type ImageLayer, type RegistryIndexOptions } from './registry-index.js';
import { sortVersions } from './version-range.js';

export type { ImageLayer } from './registry-index.js';

export interface Use {
  image: string;
  digest: string;
  package: string;
  version: string;
  purl?: string;
}

/**
 * `wanted` matches a layer by purl (`pkg:npm/debug@2.6.9`) or by package name (`node-debug` or
 * `node-debug@2.6.9`), over the registry index (registry-index.ts; cached when `index.cacheDir` is given).
 */
export async function whoUses(
  client: RegistryClient,
  ns: string,
  wanted: (layer: { purl?: string; name?: string; version?: string }) => boolean,
  index: RegistryIndexOptions = {},
): Promise<Use[]> {
  return usesOf((await readRegistryIndex(client, ns, index)).layers, wanted);
}

/** The layers `wanted` matches, as uses, by image then package. */
export async function usesOf(
  layers: AsyncIterable<ImageLayer> | Iterable<ImageLayer>,
  wanted: (layer: { purl?: string; name?: string; version?: string }) => boolean,
): Promise<Use[]> {
  const uses: Use[] = [];
  for await (const l of layers) {
    if (l.name === undefined || !wanted(l)) continue;
    uses.push({
      image: l.image,
      digest: l.manifestDigest,
      package: l.name,
      version: l.version ?? '',
      ...(l.purl !== undefined ? { purl: l.purl } : {}),
    });
  }
  return uses.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : a.package < b.package ? -1 : 1));
}

/** How many images hold each version (an image holding a package and its -bin counts once), in the ecosystem's order. */
export function countByVersion(uses: readonly Use[], order?: VersionOrder): { version: string; images: number }[] {
  const images = new Map<string, Set<string>>();
  for (const u of uses) {
    const set = images.get(u.version) ?? new Set<string>();
    set.add(u.image);
    images.set(u.version, set);
  }
  return sortVersions(images.keys(), order).map((version) => ({ version, images: images.get(version)?.size ?? 0 }));
}

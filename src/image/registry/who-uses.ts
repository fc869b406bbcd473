/**
 * `bale who-uses`: every image in a registry namespace that holds a package. Registries have no
 * reverse index, so this reads the catalog, each image repository's tags and their manifests,
 * whose layers carry the package's purl, name and version as annotations.
 */
import { ANNOTATION, buildsRepo, isReferrersTag, packagesRepo, type ImageManifest } from '../../oci/index.js';
import { parseManifest, type RegistryClient } from '../../registry/index.js';

export interface Use {
  image: string;
  digest: string;
  package: string;
  version: string;
  purl?: string;
}

/** `wanted` matches a layer by purl (`pkg:npm/debug@2.6.9`) or by package name (`node-debug` or `node-debug@2.6.9`). */
export async function whoUses(
  client: RegistryClient,
  ns: string,
  wanted: (layer: { purl?: string; name?: string; version?: string }) => boolean,
): Promise<Use[]> {
  const uses: Use[] = [];
  // Packages and a registry store's build records are not images.
  const skip = new Set([packagesRepo(ns), buildsRepo(ns)]);
  for (const repo of await client.catalog(ns === '' ? {} : { under: ns })) {
    if (skip.has(repo)) continue;
    for (const tag of await client.listTags(repo)) {
      if (isReferrersTag(tag)) continue;
      const m = await client.getManifest(repo, tag);
      let layers: ImageManifest['layers'];
      try {
        layers = parseManifest(m.bytes, `${repo}:${tag}`).layers;
      } catch {
        continue; // an index or something else: not a bale image
      }
      for (const l of layers) {
        const a = l.annotations ?? {};
        const layer = { purl: a[ANNOTATION.purl], name: a[ANNOTATION.package], version: a[ANNOTATION.packageVersion] };
        if (layer.name !== undefined && wanted(layer))
          uses.push({
            image: `${client.host}/${repo}:${tag}`,
            digest: m.digest,
            package: layer.name,
            version: layer.version ?? '',
            ...(layer.purl !== undefined ? { purl: layer.purl } : {}),
          });
      }
    }
  }
  return uses.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : a.package < b.package ? -1 : 1));
}

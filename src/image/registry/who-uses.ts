/**
 * `bale who-uses`: every image in a registry namespace that holds a package. Registries have no
 * reverse index, so this reads the catalog, each image repository's tags and their manifests,
 * whose layers carry the package's purl, name and version as annotations.
 */
import { ANNOTATION, buildsRepo, isReferrersTag, leasesRepo, packagesRepo, type ImageManifest } from '../../oci/index.js';
import { parseManifest, type RegistryClient } from '../../registry/index.js';

export interface Use {
  image: string;
  digest: string;
  package: string;
  version: string;
  purl?: string;
}

/** One package layer of one image in a namespace, as its annotations name it. */
export interface ImageLayer {
  /** `host/repo:tag` */
  image: string;
  /** The image manifest's digest. */
  manifestDigest: string;
  /** The layer's (the package archive's) digest. */
  digest: string;
  purl?: string;
  name?: string;
  version?: string;
}

/**
 * Every layer of every bale image under `ns`: the catalog, each image repository's tags, their
 * manifests. Packages and a registry store's build records and leases are not images; an index or an
 * artifact under an image's name is not a bale image and is passed over.
 */
export async function* imageLayers(client: RegistryClient, ns: string): AsyncGenerator<ImageLayer> {
  const skip = new Set([packagesRepo(ns), buildsRepo(ns), leasesRepo(ns)]);
  for (const repo of await client.catalog(ns === '' ? {} : { under: ns })) {
    if (skip.has(repo)) continue;
    for (const tag of await client.listTags(repo)) {
      if (isReferrersTag(tag)) continue;
      const m = await client.getManifest(repo, tag);
      let layers: ImageManifest['layers'];
      try {
        layers = parseManifest(m.bytes, `${repo}:${tag}`).layers;
      } catch {
        continue;
      }
      for (const l of layers) {
        const a = l.annotations ?? {};
        yield {
          image: `${client.host}/${repo}:${tag}`,
          manifestDigest: m.digest,
          digest: l.digest,
          purl: a[ANNOTATION.purl],
          name: a[ANNOTATION.package],
          version: a[ANNOTATION.packageVersion],
        };
      }
    }
  }
}

/** `wanted` matches a layer by purl (`pkg:npm/debug@2.6.9`) or by package name (`node-debug` or `node-debug@2.6.9`). */
export async function whoUses(
  client: RegistryClient,
  ns: string,
  wanted: (layer: { purl?: string; name?: string; version?: string }) => boolean,
): Promise<Use[]> {
  const uses: Use[] = [];
  for await (const l of imageLayers(client, ns)) {
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

/**
 * What an audit reads images from: image files (offline; the depends from a store's manifests when
 * the store holds the packages), or a registry namespace (the layers' annotations, no blobs).
 * The registry is read through its index, cached by manifest digest (registry-index.ts), which
 * also gives each layer's dev.bale.depends.
 */
import type { ImageLayer } from '../image/registry/who-uses.js';
import { indexedLayers, type RegistryIndexOptions } from '../image/registry/registry-index.js';
import { readImageFile } from '../image/image-file.js';
import type { RegistryClient } from '../registry/index.js';
import type { Store } from '../store/index.js';
import type { AuditedPackage, AuditTarget } from './audit.js';

/** A package's depends by its sha256, as the store's manifest says; null when the store lacks it. */
export type DependsMemo = Map<string, { name: string; version: string }[] | null>;

/**
 * One image file; `store`, when given and holding every package, says what depends on what.
 * `memo` carries what the store said across the image files of one audit: they share packages.
 */
export async function imageFileTarget(file: string, store: Store | undefined, memo: DependsMemo = new Map()): Promise<AuditTarget> {
  const { image } = await readImageFile(file);
  const packages: AuditedPackage[] = image.packages.map((p) => ({ name: p.name, version: p.version, purl: p.purl, depends: undefined }));
  if (store !== undefined) {
    // All or none: roots computed from part of the graph would name the wrong packages. So the first
    // package the store lacks ends the lookups (each miss rereads the store's directory).
    const depends: { name: string; version: string }[][] = [];
    for (const ip of image.packages) {
      let d = memo.get(ip.sha256);
      if (d === undefined) {
        const found = (await store.findPackages(ip.name, ip.version)).find((x) => x.sha256 === ip.sha256);
        d = found === undefined ? null : (await store.manifest(found)).depends;
        memo.set(ip.sha256, d);
      }
      if (d === null) break;
      depends.push(d);
    }
    if (depends.length === packages.length)
      depends.forEach((d, i) => {
        packages[i]!.depends = d;
      });
  }
  return { image: `${image.name}:${image.tag}`, source: file, packages };
}

/**
 * A layer's depends, from the `dev.bale.depends` annotation (packages of the same image, by name
 * and version): undefined when the layer does not say (images pushed before bale wrote it).
 */
export function layerDepends(layer: ImageLayer): AuditedPackage['depends'] {
  return layer.depends?.map((d) => ({ name: d.name, version: d.version }));
}

/**
 * The annotation is left out when a package depends on nothing, and also on images pushed before
 * bale wrote it: an image where some layer says its depends was pushed by a bale that writes them,
 * so its other layers depend on nothing; an image where none says is unknown.
 */
export function settleDepends(t: AuditTarget): AuditTarget {
  if (!t.packages.some((p) => p.depends !== undefined)) return t;
  return { ...t, packages: t.packages.map((p) => ({ ...p, depends: p.depends ?? [] })) };
}

/** Every bale image under `ns` (or only `only`, `NAME:TAG` under it), with its packages as the layers name them. */
export async function registryTargets(
  client: RegistryClient,
  ns: string,
  only: string | undefined,
  index: RegistryIndexOptions,
): Promise<AuditTarget[]> {
  const wanted = only === undefined ? undefined : `${client.host}/${ns === '' ? '' : `${ns}/`}${only}`;
  const images = new Map<string, AuditTarget>();
  for await (const l of indexedLayers(client, ns, index)) {
    if (wanted !== undefined && l.image !== wanted) continue;
    if (l.name === undefined) continue; // not a bale package layer
    let t = images.get(l.image);
    if (t === undefined) images.set(l.image, (t = { image: l.image, source: undefined, packages: [] }));
    t.packages.push({ name: l.name, version: l.version ?? '', purl: l.purl, depends: layerDepends(l) });
  }
  return [...images.values()].map(settleDepends).sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
}

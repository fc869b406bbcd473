/**
 * Images as the dashboard shows them (`--images DIR|oci://HOST/NAMESPACE`): every image and its
 * packages, and who uses a package. From image files (`*.image.toml` below DIR) or from a
 * registry namespace's manifests (their layers' annotations, as `bale who-uses` reads them, no
 * blob downloads). A registry has no reverse index, so one reading is kept for a while.
 */
import { oneLine } from '../../src/errors/index.js';

const FRESH_MS = 60_000;

export interface ImagePackage {
  name: string;
  version: string;
  purl?: string;
}

export interface ImageEntry {
  /** `host/repo:tag` for a registry's, the file's path below DIR for a file's. */
  image: string;
  packages: ImagePackage[];
}

export interface ImagesView {
  location: string;
  at: number;
  images: ImageEntry[];
  /** Why the images could not be read this time, if they could not (the page says it; the rest still shows). */
  error?: string;
}

async function fromDir(dir: string): Promise<ImageEntry[]> {
  const { readImageFile } = await import('../../src/image/image-file.js');
  const { findImageFiles } = await import('../../src/image/image-files.js');
  const out: ImageEntry[] = [];
  for (const f of await findImageFiles(dir)) {
    const { image } = await readImageFile(f);
    out.push({
      image: f.slice(dir.length).replace(/^\/+/, ''),
      packages: image.packages.map((p) => ({ name: p.name, version: p.version, ...(p.purl !== undefined ? { purl: p.purl } : {}) })),
    });
  }
  return out;
}

async function fromRegistry(url: string, cacheDir: string | undefined): Promise<ImageEntry[]> {
  const { parseRegistryUrl, RegistryClient } = await import('../../src/registry/index.js');
  const { whoUses } = await import('../../src/image/registry/who-uses.js');
  const target = parseRegistryUrl(url);
  const client = new RegistryClient(target.registry);
  try {
    const byImage = new Map<string, ImagePackage[]>();
    // With a cache dir, through the registry index: a re-reading fetches only manifests not seen before.
    for (const u of await whoUses(client, target.namespace, () => true, cacheDir !== undefined ? { cacheDir } : undefined)) {
      const list = byImage.get(u.image) ?? [];
      list.push({ name: u.package, version: u.version, ...(u.purl !== undefined ? { purl: u.purl } : {}) });
      byImage.set(u.image, list);
    }
    return [...byImage].map(([image, packages]) => ({ image, packages }));
  } finally {
    await client.close();
  }
}

export async function readImages(where: string, now = Date.now(), cacheDir?: string): Promise<ImagesView> {
  try {
    const images = where.startsWith('oci://') ? await fromRegistry(where, cacheDir) : await fromDir(where);
    return { location: where, at: now, images };
  } catch (err) {
    return { location: where, at: now, images: [], error: oneLine(err) };
  }
}

/** readImages, read again once the last reading is FRESH_MS old. */
export function imagesReader(where: string, cacheDir?: string): () => Promise<ImagesView> {
  let last: Promise<ImagesView> | undefined;
  let at = 0;
  return () => {
    if (last === undefined || Date.now() - at > FRESH_MS) {
      at = Date.now();
      last = readImages(where, at, cacheDir);
    }
    return last;
  };
}

/** A who-uses question answered: the images holding a matching package, or why the question cannot be asked. */
export type UsesAnswer = { hits: { image: string; packages: ImagePackage[] }[] } | { error: string };

/**
 * Each image holding a package the query matches, read as `bale who-uses` reads it (uses-query.ts):
 * a purl with a version, a range (`pkg:npm/lodash@<4.17.21`) or none, or a package name.
 */
export async function whoUsesIn(view: ImagesView, query: string): Promise<UsesAnswer> {
  const { usesQuery } = await import('../../src/image/registry/uses-query.js');
  let match: (p: ImagePackage) => boolean;
  try {
    match = (await usesQuery(query.trim())).match;
  } catch (err) {
    return { error: oneLine(err) };
  }
  return { hits: view.images.map((i) => ({ image: i.image, packages: i.packages.filter(match) })).filter((i) => i.packages.length > 0) };
}

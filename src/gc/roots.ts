/**
 * gc's roots: the spec list resolved against the recipes tree (their closures' recipe files and
 * digests), and the packages of images (image files in a directory, or images in an `oci://`
 * namespace). Anything that cannot be read is a usage error: a typo in a roots file would
 * otherwise remove that root's whole closure.
 */
import path from 'node:path';
import { isUserError, oneLine, UsageError } from '../errors/index.js';
import type { Purl } from '../purl/purl.js';

export interface RootClosure {
  /** Absolute paths of the recipe files the roots reach. */
  files: Set<string>;
  digests: Set<string>;
}

/** The closure of `specs` (as `bale build` reads them) in the tree; `label` names the file they came from. */
export async function rootClosure(
  specs: string[],
  recipesDir: string,
  label: string,
  resolveBuildRoots: (specs: string[], recipesDir: string) => Promise<({ purl: Purl } | { file: string })[]>,
): Promise<RootClosure> {
  const { loadGraph } = await import('../builder/index.js');
  const roots = [];
  for (const spec of specs) {
    try {
      roots.push(...(await resolveBuildRoots([spec], recipesDir)));
    } catch (err) {
      if (!isUserError(err)) throw err;
      throw new UsageError(
        `${label}: ${spec} is not in the recipes tree ${recipesDir}, so gc would remove its closure: fix or drop it (${oneLine(err)})`,
      );
    }
  }
  const { graph } = await loadGraph(recipesDir, roots).catch((err: unknown) => {
    if (!isUserError(err)) throw err;
    throw new UsageError(`${label}: a root's closure cannot be read, so gc removes nothing: ${oneLine(err)}`);
  });
  const nodes = [...graph.nodes.values()];
  return { files: new Set(nodes.map((n) => path.resolve(n.file))), digests: new Set(nodes.map((n) => n.digest)) };
}

/** Stems of every package of the image files under `dir`; a dir with none, or an unreadable image, is a usage error. */
export async function imageStemsFromDir(dir: string): Promise<Set<string>> {
  const { findImageFiles } = await import('../image/image-files.js');
  const files = await findImageFiles(dir).catch((err: unknown) => {
    const why = (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is not a directory' : 'does not exist or cannot be read';
    throw new UsageError(`--keep-images ${dir}: ${why}: give the directory your *.image.toml files are in, or oci://HOST/NAMESPACE`);
  });
  if (files.length === 0) {
    throw new UsageError(`--keep-images ${dir}: holds no *.image.toml files, so no image would be kept: give the directory they are in`);
  }
  const { readImageFile } = await import('../image/image-file.js');
  const { packageStem } = await import('../store/paths.js');
  const stems = new Set<string>();
  for (const f of files) {
    const { image } = await readImageFile(f).catch((err: unknown) => {
      throw new UsageError(`--keep-images ${dir}: ${oneLine(err)}`);
    });
    for (const p of image.packages) stems.add(packageStem(p.name, p.version, p.sha256));
  }
  return stems;
}

/**
 * Stems of every package layer of every image in an `oci://HOST/NAMESPACE` (layers carry name and
 * version annotations). Through the registry index when `cacheDir` is given: every tag is resolved
 * against the registry in this run and only manifests already read under the same digest come
 * from the cache (a digest names its bytes), so gc never keeps by a stale view of the tags.
 */
export async function imageStemsFromRegistry(url: string, cacheDir?: string, warn?: (line: string) => void): Promise<Set<string>> {
  const { parseRegistryUrl, RegistryClient } = await import('../registry/index.js');
  const { readRegistryIndex } = await import('../image/registry/registry-index.js');
  const { packageStem } = await import('../store/paths.js');
  const target = parseRegistryUrl(url);
  const client = new RegistryClient(target.registry);
  const stems = new Set<string>();
  try {
    const { layers } = await readRegistryIndex(client, target.namespace, {
      ...(cacheDir !== undefined ? { cacheDir } : {}),
      ...(warn !== undefined ? { warn } : {}),
    });
    for (const l of layers) {
      if (l.name !== undefined && l.version !== undefined && l.digest.startsWith('sha256:'))
        stems.add(packageStem(l.name, l.version, l.digest.slice('sha256:'.length)));
    }
  } catch (err) {
    if (!isUserError(err)) throw err;
    throw new UsageError(`--keep-images ${url}: ${oneLine(err)}`);
  } finally {
    await client.close();
  }
  if (stems.size === 0)
    throw new UsageError(`--keep-images ${url}: holds no bale images, so no image would be kept: give the namespace they were pushed to`);
  return stems;
}

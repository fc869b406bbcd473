/**
 * The package index of a registry namespace: every bale image and its packages, read from image
 * manifests and their layers' annotations (never blobs), cached on disk by manifest digest. A
 * manifest's digest names its bytes, so what the cache holds for a digest is never stale; only
 * which digest a tag names changes. Each reading therefore lists the catalog and the tags again,
 * asks for each tag's digest with a HEAD, and GETs only the manifests it has not seen; tags that
 * are gone drop out, and so do the manifests no tag names any more.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oneLine } from '../../errors/index.js';
import { ANNOTATION, isReferrersTag, storeRepos } from '../../oci/index.js';
import { parseManifest, type RegistryClient } from '../../registry/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import * as z from '../../util/zod.js';

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
  /** The image's packages this one depends on (`dev.bale.depends`); absent when none, and on images pushed before bale wrote it. */
  depends?: PackageRef[];
}

export interface RegistryIndexOptions {
  /**
   * Directory the cache file goes in (one file per registry and namespace); undefined: nothing is
   * read or written, every manifest is fetched.
   */
  cacheDir?: string;
  /** Told when a cache file is unreadable and discarded. */
  warn?: (line: string) => void;
  /**
   * Tags resolved at once.
   * @defaultValue 8 (the registry transport's connections)
   */
  concurrency?: number;
}

/** What one reading asked the registry for. */
export interface IndexStats {
  /** Image tags found (referrers fallback tags left out). */
  tags: number;
  /** Manifests fetched (their digest was not cached). */
  fetched: number;
  /** Tags whose manifest came from the cache. */
  cached: number;
  /** Tags the cache knew that are gone (or name another digest now). */
  dropped: number;
}

export interface RegistryIndex {
  /** Every package layer of every image, by image name then layer order. */
  layers: ImageLayer[];
  stats: IndexStats;
}

/** A package of an image, by name and exact version. */
export interface PackageRef {
  name: string;
  version: string;
}

/** `dev.bale.depends`: `name@version` tokens separated by one space; a token without both parts is passed over. */
export function parseDepends(value: string | undefined): PackageRef[] | undefined {
  if (value === undefined) return undefined;
  const refs: PackageRef[] = [];
  for (const token of value.split(' ')) {
    const at = token.lastIndexOf('@');
    if (at > 0 && at < token.length - 1) refs.push({ name: token.slice(0, at), version: token.slice(at + 1) });
  }
  return refs;
}

const layerSchema = z.strictObject({
  digest: z.string(),
  purl: z.optional(z.string()),
  name: z.optional(z.string()),
  version: z.optional(z.string()),
  depends: z.optional(z.array(z.strictObject({ name: z.string(), version: z.string() }))),
});
type CachedLayer = z.infer<typeof layerSchema>;
const CACHE_FORMAT = 2;
const cacheSchema = z.strictObject({
  format: z.literal(CACHE_FORMAT),
  registry: z.string(),
  namespace: z.string(),
  /** `repo:tag` -> manifest digest. */
  tags: z.record(z.string(), z.string()),
  /** Manifest digest -> its layers; null: not an image manifest (an index, an artifact), not read again. */
  manifests: z.record(z.string(), z.nullable(z.array(layerSchema))),
});
type CacheFile = z.infer<typeof cacheSchema>;

/** The cache file of one registry namespace: readable name, hashed so any namespace is one safe file name. */
export function indexCacheFile(cacheDir: string, host: string, ns: string): string {
  const key = `${host}/${ns}`;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(cacheDir, 'registry-index', `${key.replace(/[^A-Za-z0-9._-]+/g, '_')}-${hash}.json`);
}

async function readCache(file: string, host: string, ns: string, warn: (line: string) => void): Promise<CacheFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT')
      warn(`registry index cache ${file}: cannot read it (${oneLine(err)}): reading the registry again`);
    return undefined;
  }
  let why: string | undefined;
  try {
    const r = cacheSchema.safeParse(JSON.parse(text));
    if (r.success && r.data.registry === host && r.data.namespace === ns) return r.data;
    why = r.success ? `it is for ${r.data.registry}/${r.data.namespace}` : `not an index of format ${CACHE_FORMAT}`;
  } catch {
    why = 'not JSON';
  }
  warn(`registry index cache ${file}: ${why}: discarded, reading the registry again`);
  return undefined;
}

/** The package layers of a manifest, from their annotations; null when it is not an image manifest. */
export function layersOf(bytes: Buffer, where: string): CachedLayer[] | null {
  let manifest: ReturnType<typeof parseManifest>;
  try {
    manifest = parseManifest(bytes, where);
  } catch {
    return null; // an index or an artifact under an image's name: not a bale image
  }
  return manifest.layers.map((l) => {
    const a = l.annotations ?? {};
    const depends = parseDepends(a[ANNOTATION.depends]);
    return {
      digest: l.digest,
      ...(a[ANNOTATION.purl] !== undefined ? { purl: a[ANNOTATION.purl] } : {}),
      ...(a[ANNOTATION.package] !== undefined ? { name: a[ANNOTATION.package] } : {}),
      ...(a[ANNOTATION.packageVersion] !== undefined ? { version: a[ANNOTATION.packageVersion] } : {}),
      ...(depends !== undefined ? { depends } : {}),
    };
  });
}

/** Run `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** The images of `ns` on `client`'s registry and their packages; see the top of this file. */
export async function readRegistryIndex(client: RegistryClient, ns: string, opts: RegistryIndexOptions = {}): Promise<RegistryIndex> {
  const warn = opts.warn ?? (() => undefined);
  const file = opts.cacheDir !== undefined ? indexCacheFile(opts.cacheDir, client.host, ns) : undefined;
  const old = file !== undefined ? await readCache(file, client.host, ns, warn) : undefined;
  const known = new Map(Object.entries(old?.manifests ?? {}));

  const skip = storeRepos(ns);
  const repos = (await client.catalog(ns === '' ? {} : { under: ns })).filter((r) => !skip.has(r));
  const tagsOf = new Map<string, string[]>();
  const limit = opts.concurrency ?? 8;
  await eachLimited(repos, limit, async (repo) => {
    tagsOf.set(repo, await client.listTags(repo));
  });
  const refs = repos.flatMap((repo) => (tagsOf.get(repo) ?? []).filter((tag) => !isReferrersTag(tag)).map((tag) => ({ repo, tag })));

  const tags = new Map<string, string>();
  const manifests = new Map<string, CachedLayer[] | null>();
  const stats: IndexStats = { tags: 0, fetched: 0, cached: 0, dropped: 0 };
  await eachLimited(refs, limit, async ({ repo, tag }) => {
    const ref = `${repo}:${tag}`;
    const head = await client.headManifest(repo, tag);
    if (head === undefined) return; // deleted between the listing and now
    let digest = head.digest;
    if (digest === undefined || !known.has(digest)) {
      // By digest when known: the bytes are checked against it, and a tag moved meanwhile cannot mix two manifests.
      const m = digest !== undefined ? await client.findManifest(repo, digest) : await client.findManifest(repo, tag);
      if (m === undefined) return;
      digest = m.digest;
      if (!known.has(digest)) {
        known.set(digest, layersOf(m.bytes, `registry ${client.host}: ${ref}`));
        stats.fetched++;
      } else stats.cached++;
    } else stats.cached++;
    tags.set(ref, digest);
    manifests.set(digest, known.get(digest) ?? null);
  });
  stats.tags = tags.size;
  for (const [ref, digest] of Object.entries(old?.tags ?? {})) if (tags.get(ref) !== digest) stats.dropped++;

  const sortedTags = [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (file !== undefined) {
    const next: CacheFile = {
      format: CACHE_FORMAT,
      registry: client.host,
      namespace: ns,
      tags: Object.fromEntries(sortedTags),
      manifests: Object.fromEntries([...manifests].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
    const text = `${JSON.stringify(next)}\n`;
    if (stats.fetched > 0 || stats.dropped > 0 || old === undefined) await writeCache(file, text, warn);
  }

  const layers: ImageLayer[] = [];
  for (const [ref, digest] of sortedTags) {
    for (const l of manifests.get(digest) ?? []) layers.push({ image: `${client.host}/${ref}`, manifestDigest: digest, ...l });
  }
  return { layers, stats };
}

/** A cache that cannot be written costs speed, not answers: said, never fatal. */
async function writeCache(file: string, text: string, warn: (line: string) => void): Promise<void> {
  try {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFileAtomic(file, text, { durable: false });
  } catch (err) {
    warn(`registry index cache ${file}: cannot write it (${oneLine(err)}): the next reading fetches every manifest again`);
  }
}

/** The index's layers as an async iterable. */
export async function* indexedLayers(client: RegistryClient, ns: string, opts: RegistryIndexOptions = {}): AsyncGenerator<ImageLayer> {
  yield* (await readRegistryIndex(client, ns, opts)).layers;
}

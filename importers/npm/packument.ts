/**
 * The packument document: what the registry answers for a name, and where it is asked for. Its
 * own module so the fetchers (packuments.ts, quick-fetch.ts) both read it without importing each other.
 */
import type { NpmOptions } from './npmrc.js';
import { registryFor } from './npmrc.js';

/** One version as the abbreviated ("corgi") packument describes it. */
export interface NpmVersion {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bundleDependencies?: string[] | boolean;
  bundledDependencies?: string[] | boolean;
  engines?: Record<string, unknown>;
  os?: string[] | string;
  cpu?: string[] | string;
  libc?: string[] | string;
  deprecated?: string | boolean;
  hasInstallScript?: boolean;
  /** Present when the registry sends full metadata (some mirrors ignore the abbreviated Accept header). */
  scripts?: Record<string, unknown>;
  gypfile?: boolean;
  dist: { tarball: string; integrity?: string; shasum?: string };
}

export interface Packument {
  name: string;
  'dist-tags'?: Record<string, string>;
  versions: Record<string, NpmVersion>;
  time?: Record<string, string>;
}

/** Where a name's packument is asked for: its (scope's) registry and the name, a scope's `/` escaped. */
export function packumentUrl(name: string, o: NpmOptions): string {
  return packumentUrlAt(name, registryFor(name, o));
}

/** A packument's URL at one registry (the name's scope's); a scope's `/` escaped. */
export function packumentUrlAt(name: string, registry: string): string {
  return `${registry}${name.startsWith('@') ? name.replace('/', '%2f') : name}`;
}

/** The fields of a version the importer reads (NpmVersion's): everything else a registry sends is dropped. */
const VERSION_FIELDS = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bundledDependencies',
  'engines',
  'os',
  'cpu',
  'libc',
  'deprecated',
  'hasInstallScript',
  'scripts',
  'gypfile',
] as const;

/**
 * A packument reduced to what the importer reads. A crawl holds every packument it fetched until
 * the end, and registries send more than that per version (dist.signatures, fileCount, _npmUser,
 * whole manifests from mirrors without the abbreviated form): slimmed, 5,000 roots fit the memory
 * bound in BENCHMARKS.md. A version that is not an object is kept as it is, for the checks to name.
 */
export function slimPackument(doc: Packument): Packument {
  const versions: Record<string, NpmVersion> = {};
  for (const [v, m] of Object.entries(doc.versions)) {
    if (m === null || typeof m !== 'object') {
      versions[v] = m;
      continue;
    }
    const out: Record<string, unknown> = {};
    for (const k of VERSION_FIELDS) if (m[k] !== undefined) out[k] = m[k];
    const dist = m.dist as Partial<NpmVersion['dist']> | undefined;
    out['dist'] =
      dist === null || typeof dist !== 'object'
        ? dist
        : Object.fromEntries((['tarball', 'integrity', 'shasum'] as const).filter((k) => dist[k] !== undefined).map((k) => [k, dist[k]]));
    versions[v] = out as unknown as NpmVersion;
  }
  const slim: Packument = { name: doc.name, versions };
  if (doc['dist-tags'] !== undefined) slim['dist-tags'] = doc['dist-tags'];
  if (doc.time !== undefined) slim.time = doc.time;
  return slim;
}

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

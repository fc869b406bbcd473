/**
 * Where things live in a store, and the checks that keep caller-supplied names from becoming
 * path tricks. Pure, apart from reading the home directory as a fallback.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { BaleError, UserError } from '../errors/index.js';
import type { RegistryUrl } from '../registry/reference.js';

export const PACKAGES_DIR = 'packages';
export const BUILDS_DIR = 'builds';
/** Recipes by digest (`<digest>.toml`): the texts build descriptions name. */
export const RECIPES_DIR = 'recipes';
const MAX_PART_BYTES = 100;

/** $XDG_DATA_HOME/bale/store, else ~/.local/share/bale/store (a relative XDG path is ignored, as the spec says). */
export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'bale', 'store');
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return join(home, '.local', 'share', 'bale', 'store');
}

// No separators, no whitespace or control characters, no leading '.' (hidden files, '..').
const SAFE_PART = /^[^./\\\s\p{Cc}][^/\\\s\p{Cc}]*$/u;

/** A package name or version that can be used as part of a file name, or a UserError. */
export function checkNamePart(kind: 'name' | 'version', value: string): void {
  if (!SAFE_PART.test(value) || value.includes('..') || Buffer.byteLength(value) > MAX_PART_BYTES) {
    throw new UserError(
      'ESTORENAME',
      `package ${kind} ${JSON.stringify(value)} cannot be part of a file name ` +
        `(no '/', '\\', '..', spaces, or leading '.'; at most ${MAX_PART_BYTES} bytes): fix the recipe`,
    );
  }
}

/** Build keys are content hashes computed by bale; anything else is a bug in the caller. */
export function checkBuildKey(key: string): void {
  if (!/^[0-9a-f]{16,128}$/.test(key)) {
    throw new BaleError('EBUILDKEY', `build key ${JSON.stringify(key)} is not 16 to 128 lowercase hex digits`);
  }
}

export function checkSha256(sha256: string): void {
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new BaleError('ESTOREHASH', `sha256 ${JSON.stringify(sha256)} is not 64 lowercase hex digits`);
  }
}

/** The files of one package, relative to the store root. */
export interface PackageFiles {
  tgz: string;
  manifest: string;
  /** `sha256sum`-style line for the .tar.gz, so list() need not hash whole archives. */
  checksum: string;
  /** The build description of the build that made it (description.ts). */
  description: string;
}

/** `<name>-<version>-<first 12 hex of sha256>`: two builds of one version never share a file. */
export function packageStem(name: string, version: string, sha256: string): string {
  checkNamePart('name', name);
  checkNamePart('version', version);
  checkSha256(sha256);
  return `${name}-${version}-${sha256.slice(0, 12)}`;
}

export function packageFiles(stem: string): PackageFiles {
  const base = `${PACKAGES_DIR}/${stem}`;
  return { tgz: `${base}.tar.gz`, manifest: `${base}.manifest.json`, checksum: `${base}.sha256`, description: `${base}.build.json` };
}

/** The local cache directory of a registry store (`--store oci://…`), under bale's cache directory. */
export function ociCacheRoot(url: RegistryUrl, cacheDir: string): string {
  // Namespaces are `[a-z0-9._-]` components and hosts host[:port]: no '..' can come through.
  return join(cacheDir, 'oci-store', url.registry.host, url.namespace === '' ? '_root' : url.namespace);
}

export function buildRecordFile(buildKey: string): string {
  checkBuildKey(buildKey);
  return `${BUILDS_DIR}/${buildKey}.json`;
}

export function recipeFile(digest: string): string {
  checkSha256(digest);
  return `${RECIPES_DIR}/${digest}.toml`;
}

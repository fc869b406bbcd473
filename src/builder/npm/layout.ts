import { posix } from 'node:path';

/**
 * The isolated npm layout (like pnpm's store): every version of every package in its own
 * directory, its dependencies as relative symlinks beside it, so many versions coexist and no two
 * packages own the same path.
 *
 *   usr/lib/node_modules/.bale/<name>@<version>/node_modules/<name>/...      the package's files
 *   usr/lib/node_modules/.bale/<name>@<version>/node_modules/<dep>  -> ../../<dep>@<v>/node_modules/<dep>
 *   usr/lib/node_modules/<name>  -> .bale/<name>@<version>/node_modules/<name>     (-bin subpackage)
 *   usr/bin/<bin>                -> ../lib/node_modules/.bale/.../<file>            (-bin subpackage)
 */
export const NODE_MODULES = 'usr/lib/node_modules';
export const STORE = `${NODE_MODULES}/.bale`;

/** `@scope/name` -> `@scope+name`: one path segment, as pnpm spells it. */
export function flatName(name: string): string {
  return name.replace('/', '+');
}

/** Directory holding one package version and its dependency links. */
export function versionDir(name: string, version: string): string {
  return `${STORE}/${flatName(name)}@${version}/node_modules`;
}

/** Where the package's own files go. */
export function packageDir(name: string, version: string): string {
  return `${versionDir(name, version)}/${name}`;
}

/** The relative symlink a dependent keeps for a dependency it requires as `as`. */
export function dependencyLink(
  dependent: { name: string; version: string },
  as: string,
  dep: { name: string; version: string },
): { path: string; target: string } {
  const path = `${versionDir(dependent.name, dependent.version)}/${as}`;
  return { path, target: posix.relative(posix.dirname(path), packageDir(dep.name, dep.version)) };
}

/** The top-level link `usr/lib/node_modules/<name>`. */
export function rootLink(name: string, version: string): { path: string; target: string } {
  const path = `${NODE_MODULES}/${name}`;
  return { path, target: posix.relative(posix.dirname(path), packageDir(name, version)) };
}

/** `usr/bin/<bin>` pointing at a file inside the package. */
export function binLink(name: string, version: string, bin: string, file: string): { path: string; target: string } {
  const path = `usr/bin/${bin}`;
  return { path, target: posix.relative('usr/bin', posix.join(packageDir(name, version), file)) };
}

/**
 * Package names: `node-<name>` for what serves every Node, `node<major>-<name>` for a build tied to
 * one Node ABI (`nodeTag` is the major; `*` from a package serving every Node that depends on such a
 * build); the `-bin` subpackage carries the top-level link and executables. A scoped name keeps its
 * scope: `node-@types+node`.
 */
export function packageName(name: string, nodeTag: string, bin = false): string {
  return `node${nodeTag}-${flatName(name)}${bin ? '-bin' : ''}`;
}

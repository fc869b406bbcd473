/**
 * Compose: from root packages to an image. The closure follows the manifests' `depends` (what
 * the packages need at run time, interpreter-specific names included), every file path is
 * checked for conflicts, and the result is the image file's sorted package list.
 */
import { UserError } from '../errors/index.js';
import type { Store, StoredPackage } from '../store/index.js';
import { assertNoConflicts } from './conflicts.js';
import { comparePackages } from './image-file.js';
import type { ImageFile, ResolvedPackage } from './types.js';

const keyOf = (name: string, version: string): string => `${name}@${version}`;

/** The runtime closure of `roots`: the packages given first, then the store's, found by name and version. */
export async function closure(roots: StoredPackage[], store: Store): Promise<ResolvedPackage[]> {
  const known = new Map(roots.map((p) => [keyOf(p.name, p.version), p]));
  const find = async (name: string, version: string): Promise<StoredPackage | undefined> => {
    const k = keyOf(name, version);
    if (known.has(k)) return known.get(k);
    const found = await store.findPackages(name, version);
    if (found.length > 1) {
      throw new UserError(
        'EAMBIGUOUS',
        `the store ${store.root} holds ${found.length} different builds of ${name} ${version} (${found.map((p) => p.sha256.slice(0, 12)).join(', ')}): name the one you want (or remove the others)`,
      );
    }
    return found[0];
  };
  const out = new Map<string, ResolvedPackage>();
  const stack = [...roots];
  while (stack.length > 0) {
    const p = stack.pop()!;
    const k = keyOf(p.name, p.version);
    if (out.has(k)) continue;
    const manifest = await store.manifest(p);
    out.set(k, {
      name: p.name,
      version: p.version,
      sha256: p.sha256,
      size: p.size,
      tar_sha256: manifest.tar_sha256,
      purl: manifest.purl,
      file: p.file,
      manifest,
    });
    for (const d of manifest.depends) {
      if (out.has(keyOf(d.name, d.version))) continue;
      const dep = await find(d.name, d.version);
      if (dep === undefined) {
        throw new UserError(
          'EMISSING',
          `${p.name} ${p.version} depends on ${d.name} ${d.version}, which is not in the store ${store.root}: build it first (bale request or bale build)`,
        );
      }
      stack.push(dep);
    }
  }
  return [...out.values()].sort(comparePackages);
}

/** The image of `packages` (already a closure): conflict-checked, sorted. */
export function imageOf(name: string, tag: string, packages: ResolvedPackage[]): ImageFile {
  assertNoConflicts(packages.map((p) => ({ name: p.name, version: p.version, files: p.manifest.files })));
  return {
    format: 1,
    name,
    tag,
    packages: packages
      .map((p) => ({ name: p.name, version: p.version, sha256: p.sha256, size: p.size, tar_sha256: p.tar_sha256, purl: p.purl }))
      .sort(comparePackages),
  };
}

/** `name` or `name@version` against the store: the highest version when none is given. */
export async function storePackagesByName(args: string[], store: Store): Promise<StoredPackage[]> {
  const all = await store.list();
  return args.map((arg) => {
    const at = arg.lastIndexOf('@');
    const [name, version] = at > 0 ? [arg.slice(0, at), arg.slice(at + 1)] : [arg, undefined];
    const candidates = all.filter((p) => p.name === name && (version === undefined || p.version === version));
    if (candidates.length === 0) {
      const have = all.filter((p) => p.name === name).map((p) => p.version);
      throw new UserError(
        'ENOTFOUND',
        `no package ${arg} in the store ${store.root}${have.length > 0 ? ` (it has ${have.join(', ')})` : ''}: build it first, or name a spec such as npm:express@4.21.2`,
      );
    }
    return candidates[candidates.length - 1]!; // list() sorts by name then version
  });
}

/** Every package of an image resolved to the store's files; a missing one is named. */
export async function resolveImage(image: ImageFile, store: Store, source: string): Promise<ResolvedPackage[]> {
  const out: ResolvedPackage[] = [];
  for (const ip of image.packages) {
    // By file name: no manifest of a package outside the image is read.
    const p = (await store.findPackages(ip.name, ip.version)).find((x) => x.sha256 === ip.sha256);
    if (p === undefined) {
      throw new UserError(
        'EMISSING',
        `${source}: package ${ip.name} ${ip.version} (sha256 ${ip.sha256.slice(0, 12)}) is not in the store ${store.root}: build or pull it first`,
      );
    }
    out.push({ ...ip, file: p.file, manifest: await store.manifest(p) });
  }
  return out;
}

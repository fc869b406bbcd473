import type { PackEntry } from '../../packer/entry.js';
import { binLink, dependencyLink, packageDir, rootLink } from './layout.js';

export interface Pinned {
  name: string;
  version: string;
}

export interface LinkedDependency extends Pinned {
  /** The name it is required by. */
  as: string;
}

/** The main package: the files under their versioned directory plus a symlink per dependency. */
export function mainEntries(pkg: Pinned, files: PackEntry[], deps: LinkedDependency[], bins: Record<string, string>): PackEntry[] {
  const base = packageDir(pkg.name, pkg.version);
  const binFiles = new Set(Object.values(bins));
  const out: PackEntry[] = files
    .filter((f) => f.path !== '')
    .map((f) => ({
      ...f,
      path: `${base}/${f.path}`,
      // npm makes bin targets executable on install; the package must carry that.
      mode: f.type === 'file' && binFiles.has(f.path) ? f.mode | 0o111 : f.mode,
    }));
  for (const d of deps) {
    // A package that depends on its own name would shadow itself: its directory already answers.
    if (d.as === pkg.name) continue;
    const link = dependencyLink(pkg, d.as, d);
    out.push({ path: link.path, type: 'symlink', mode: 0o777, target: link.target });
  }
  return out;
}

/** The -bin subpackage: `usr/lib/node_modules/<name>` and `usr/bin/<bin>` links. */
export function binEntries(pkg: Pinned, bins: Record<string, string>): PackEntry[] {
  const root = rootLink(pkg.name, pkg.version);
  const out: PackEntry[] = [{ path: root.path, type: 'symlink', mode: 0o777, target: root.target }];
  for (const [bin, file] of Object.entries(bins)) {
    const l = binLink(pkg.name, pkg.version, bin, file);
    out.push({ path: l.path, type: 'symlink', mode: 0o777, target: l.target });
  }
  return out;
}

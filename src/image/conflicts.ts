/**
 * The rule that makes an image a set: every path belongs to one package. Directories may be
 * shared (all owners must agree it is a directory); a file or symlink may not, and nothing may
 * sit beneath another package's file or symlink (a symlinked directory would redirect it).
 * Two versions of one name that collide are named as alternatives, the usual cause.
 */
import { UserError } from '../errors/index.js';

export interface OwnedPackage {
  name: string;
  version: string;
  files: { path: string; type: string }[];
}

export interface Conflict {
  path: string;
  a: OwnedPackage;
  b: OwnedPackage;
  why: 'both own it' | 'beneath a file or symlink';
}

const label = (p: OwnedPackage): string => `${p.name} ${p.version}`;

/** Every conflict, sorted by path (an empty list: the set is an image). */
export function findConflicts(packages: OwnedPackage[]): Conflict[] {
  const dirs = new Map<string, OwnedPackage>();
  const leaves = new Map<string, OwnedPackage>();
  const out: Conflict[] = [];
  for (const p of packages) {
    for (const f of p.files) {
      const key = f.path.endsWith('/') ? f.path.slice(0, -1) : f.path;
      if (f.type === 'dir') {
        const leaf = leaves.get(key);
        if (leaf !== undefined && leaf !== p) out.push({ path: key, a: leaf, b: p, why: 'both own it' });
        if (!dirs.has(key)) dirs.set(key, p);
        continue;
      }
      const other = leaves.get(key) ?? dirs.get(key);
      if (other !== undefined && other !== p) out.push({ path: key, a: other, b: p, why: 'both own it' });
      else leaves.set(key, p);
    }
  }
  // Anything beneath another package's file or symlink: walk each path's ancestors, up to the
  // first directory already seen to have no file or symlink above it (siblings share parents).
  const clear = new Set<string>();
  const below = (key: string, owner: OwnedPackage): void => {
    const walked: string[] = [];
    for (let i = key.lastIndexOf('/'); i > 0; i = key.lastIndexOf('/', i - 1)) {
      const parent = key.slice(0, i);
      if (clear.has(parent)) break;
      const leaf = leaves.get(parent);
      if (leaf !== undefined && leaf !== owner) {
        out.push({ path: key, a: leaf, b: owner, why: 'beneath a file or symlink' });
        return;
      }
      walked.push(parent);
    }
    // Only what no leaf sits on is clear: a package's own symlinked dir is not clear for others.
    for (const w of walked) if (!leaves.has(w)) clear.add(w);
  };
  for (const [key, owner] of leaves) below(key, owner);
  for (const [key, owner] of dirs) below(key, owner);
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

export function describeConflict(c: Conflict): string {
  const [a, b] = [c.a, c.b].sort((x, y) => (label(x) < label(y) ? -1 : 1)) as [OwnedPackage, OwnedPackage];
  if (a.name === b.name) {
    return `${a.name} ${a.version} and ${b.version} are alternatives (two versions of one name) and both own ${c.path}: an image holds one of them; pick one version`;
  }
  const where = c.why === 'both own it' ? `both own ${c.path}` : `${c.path} lies beneath a file or symlink of the other`;
  return `conflict: ${label(a)} and ${label(b)} ${where}: an image holds each file once; leave one out, or move the file with an override (drop)`;
}

/** Throws the first conflict as one line, counting the rest. */
export function assertNoConflicts(packages: OwnedPackage[]): void {
  const all = findConflicts(packages);
  if (all.length === 0) return;
  const more = all.length > 1 ? ` (and ${all.length - 1} more conflicting path(s))` : '';
  throw new UserError('ECONFLICT', `${describeConflict(all[0]!)}${more}`);
}

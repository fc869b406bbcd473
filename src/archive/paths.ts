/**
 * Pure path decisions for extraction: normalising entry names and resolving symlink targets
 * against the tree, so that nothing an archive says can point outside its root.
 */

export type NormalisedPath =
  | { kind: 'ok'; path: string }
  /** The archive root itself, or a path removed entirely by stripComponents. */
  | { kind: 'skip' }
  | { kind: 'unsafe'; reason: string };

/**
 * Normalises an archive entry name: drops `.` and empty segments, resolves `..` inside the root,
 * then strips `strip` leading components. Absolute names and `..` that leave the root are unsafe
 * (checked before stripping, so stripping can never hide an escape).
 */
export function normaliseEntryPath(name: string, strip: number): NormalisedPath {
  if (name.startsWith('/')) return { kind: 'unsafe', reason: 'absolute path' };
  if (name.includes('\0')) return { kind: 'unsafe', reason: 'NUL in path' };
  const segments: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (segments.length === 0) return { kind: 'unsafe', reason: "'..' leaves the archive root" };
      segments.pop();
      continue;
    }
    segments.push(seg);
  }
  if (segments.length <= strip) return { kind: 'skip' };
  return { kind: 'ok', path: segments.slice(strip).join('/') };
}

/** True if `path` is already in normal form: what writeEntries demands of its input. */
export function isNormalPath(path: string): boolean {
  const n = normaliseEntryPath(path, 0);
  return n.kind === 'ok' && n.path === path;
}

/** Every proper ancestor of a normal path, outermost first: `a/b/c` -> `a`, `a/b`. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** Deep enough for any honest tree; a chain longer than this is a loop (Linux stops at 40 too). */
const MAX_LINK_DEPTH = 40;

type Resolution = string[] | 'escapes';

/**
 * Resolves the symlinks of one tree the way the kernel would, each through the others, to say
 * whether any leaves the root. Following chains matters: `a -> x/..` is harmless alone but not if
 * `x -> ../..`. Each link is resolved once (memoised), so hostile webs of links stay linear.
 */
export class SymlinkResolver {
  private readonly memo = new Map<string, Resolution>();
  private readonly active = new Set<string>();

  /** `links`: link path -> target, for every symlink in the tree. */
  constructor(private readonly links: ReadonlyMap<string, string>) {}

  /** Why the symlink at `linkPath` escapes the root, or undefined if it stays inside. */
  escape(linkPath: string): string | undefined {
    try {
      return this.resolveLink(linkPath) === 'escapes' ? 'its target leaves the archive root' : undefined;
    } catch {
      return 'its target is a symlink loop';
    }
  }

  private resolveLink(linkPath: string): Resolution {
    const known = this.memo.get(linkPath);
    if (known !== undefined) return known;
    if (this.active.has(linkPath) || this.active.size > MAX_LINK_DEPTH) throw new Error('symlink loop');
    this.active.add(linkPath);
    try {
      const target = this.links.get(linkPath) ?? '';
      const result = this.walk(linkPath.split('/').slice(0, -1), target);
      this.memo.set(linkPath, result);
      return result;
    } finally {
      this.active.delete(linkPath);
    }
  }

  /** The segments `target` resolves to, seen from directory `from`. */
  private walk(from: string[], target: string): Resolution {
    if (target === '' || target.startsWith('/') || target.includes('\0')) return 'escapes';
    let at = from;
    for (const seg of target.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (at.length === 0) return 'escapes';
        at = at.slice(0, -1);
        continue;
      }
      at = [...at, seg];
      const here = at.join('/');
      if (this.links.has(here)) {
        const resolved = this.resolveLink(here);
        if (resolved === 'escapes') return 'escapes';
        at = resolved;
      }
    }
    return at;
  }
}

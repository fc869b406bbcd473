/**
 * The extracted tree, in memory, with the rules that keep it safe and deterministic: one entry per
 * path, nothing is written through a symlink or a file, and every symlink resolves inside the root.
 * readTar, readZip and writeEntries all funnel their entries through here, so the checks exist once.
 */
import { UserError } from '../errors/index.js';
import type { PackEntry } from '../packer/entry.js';
import { ancestorsOf, SymlinkResolver } from './paths.js';

export function unsafeEntry(source: string, entry: string, reason: string): UserError {
  return new UserError(
    'EARCHIVE',
    `${source}: entry "${entry}": ${reason}: refusing to extract; the archive is unsafe or corrupt, report it upstream or pin another version`,
  );
}

export class EntryTree {
  /** Archive order. */
  private readonly order: PackEntry[] = [];
  /** The names as the archive spelled them, parallel to `order`, for error messages. */
  private readonly shown: string[] = [];
  private readonly index = new Map<string, number>();
  /** Paths that have descendants, whether or not the archive has an entry for them. */
  private readonly hasChildren = new Set<string>();

  constructor(private readonly source: string) {}

  get(path: string): PackEntry | undefined {
    const i = this.index.get(path);
    return i === undefined ? undefined : this.order[i];
  }

  /**
   * Adds an entry whose path is already normal; `shown` is the name to print in errors.
   * A second entry at a path is refused: tar keeps the last of two, other readers the first, so two
   * that differ make the archive mean different trees. Kept: a directory listed again (GNU tar and
   * old npm list one before and after its contents; the later mode wins, as with tar), and an exact
   * repeat (`tar czf x.tgz dir dir/file` stores dir/file twice), both in the first one's place.
   */
  add(entry: PackEntry, shown: string = entry.path): void {
    for (const dir of ancestorsOf(entry.path)) {
      const parent = this.get(dir);
      if (parent?.type === 'symlink') throw unsafeEntry(this.source, shown, `writes through the symlink "${dir}"`);
      if (parent?.type === 'file') throw unsafeEntry(this.source, shown, `its parent "${dir}" is a file`);
    }
    const previous = this.index.get(entry.path);
    if (previous !== undefined) {
      const before = this.order[previous]!;
      if (before.type === 'dir' && entry.type === 'dir') this.order[previous] = entry;
      else if (!sameEntry(before, entry))
        throw unsafeEntry(this.source, shown, `a second entry named "${entry.path}", different from the first: the archive is ambiguous`);
      return;
    }
    if (entry.type !== 'dir' && this.hasChildren.has(entry.path)) {
      // A directory the archive never listed, implied by its contents: a file or symlink there would orphan them, or put them behind a symlink.
      throw unsafeEntry(this.source, shown, `replaces a directory that has contents with a ${entry.type}`);
    }
    this.index.set(entry.path, this.order.length);
    this.order.push(entry);
    this.shown.push(shown);
    for (const dir of ancestorsOf(entry.path)) this.hasChildren.add(dir);
  }

  /** The final entries in archive order, once every symlink is known to stay inside the root. */
  finish(): PackEntry[] {
    const links = new Map<string, string>();
    for (const e of this.order) if (e.type === 'symlink') links.set(e.path, e.target ?? '');
    const resolver = new SymlinkResolver(links);
    for (const [path, target] of links) {
      const why = resolver.escape(path);
      const shown = this.shown[this.index.get(path) ?? -1] ?? path;
      if (why) throw unsafeEntry(this.source, shown, `symlink to "${target}": ${why}`);
    }
    return this.order;
  }
}

function sameEntry(a: PackEntry, b: PackEntry): boolean {
  if (a.type !== b.type || a.mode !== b.mode || a.target !== b.target) return false;
  return a.data === b.data || (a.data !== undefined && b.data !== undefined && a.data.equals(b.data));
}

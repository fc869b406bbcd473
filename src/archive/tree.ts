/**
 * The extracted tree, in memory, with the rules that keep it safe and deterministic: later
 * entries replace earlier ones at the same path (as tar does), nothing is written through a
 * symlink or a file, and every symlink resolves inside the root. readTar and writeEntries both
 * funnel their entries through here, so the checks exist once.
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
  /** Archive order; a replaced entry leaves a hole, filtered out in finish(). */
  private readonly order: Array<PackEntry | undefined> = [];
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

  /** Adds an entry whose path is already normal; `shown` is the name to print in errors. */
  add(entry: PackEntry, shown: string = entry.path): void {
    for (const dir of ancestorsOf(entry.path)) {
      const parent = this.get(dir);
      if (parent?.type === 'symlink') throw unsafeEntry(this.source, shown, `writes through the symlink "${dir}"`);
      if (parent?.type === 'file') throw unsafeEntry(this.source, shown, `its parent "${dir}" is a file`);
    }
    const previous = this.index.get(entry.path);
    if (entry.type !== 'dir' && this.hasChildren.has(entry.path)) {
      // Replacing a populated directory would orphan its entries, or put them behind a symlink.
      throw unsafeEntry(this.source, shown, `replaces a directory that has contents with a ${entry.type}`);
    }
    if (previous !== undefined) this.order[previous] = undefined;
    this.index.set(entry.path, this.order.length);
    this.order.push(entry);
    this.shown.push(shown);
    for (const dir of ancestorsOf(entry.path)) this.hasChildren.add(dir);
  }

  /** The final entries in archive order, once every symlink is known to stay inside the root. */
  finish(): PackEntry[] {
    const entries = this.order.filter((e): e is PackEntry => e !== undefined);
    const links = new Map<string, string>();
    for (const e of entries) if (e.type === 'symlink') links.set(e.path, e.target ?? '');
    const resolver = new SymlinkResolver(links);
    for (const [path, target] of links) {
      const escape = resolver.escape(path);
      const shown = this.shown[this.index.get(path) ?? -1] ?? path;
      if (escape) throw unsafeEntry(this.source, shown, `symlink to "${target}": ${escape}`);
    }
    return entries;
  }
}

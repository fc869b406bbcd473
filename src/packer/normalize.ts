/**
 * The reproducibility rules for a package tree, as pure functions: which paths are allowed,
 * which modes survive, and the one order entries are written in. No I/O here.
 */
import { UserError } from '../errors/index.js';
import type { EntryType, PackEntry } from './entry.js';
import { findEscapingSymlink } from './symlinks.js';

/** An entry as it goes into the tar: validated, mode normalised, named as in the archive. */
export interface TarEntry {
  /** Name in the tar: the path, plus a trailing '/' for directories. */
  name: string;
  path: string;
  type: EntryType;
  mode: number;
  data?: Buffer;
  target?: string;
}

const DIR_MODE = 0o755;
const EXEC_MODE = 0o755;
const FILE_MODE = 0o644;
const SYMLINK_MODE = 0o777;

/**
 * Only the executable bit survives: setuid/setgid/sticky and group/world write never reach a
 * package, and the umask of the build machine cannot change a single byte.
 */
export function normalMode(type: EntryType, mode: number): number {
  if (type === 'dir') return DIR_MODE;
  if (type === 'symlink') return SYMLINK_MODE;
  return (mode & 0o111) !== 0 ? EXEC_MODE : FILE_MODE;
}

/** Bytewise order of UTF-8, so the order never depends on a locale or on UTF-16 code units. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function pathError(path: string, why: string): UserError {
  return new UserError('EPACKPATH', `package entry ${JSON.stringify(path)}: ${why}`);
}

/** A path relative to the package root, '/'-separated, with nothing that could climb out. */
export function checkPath(path: string): void {
  if (path === '') throw pathError(path, 'empty path: give every entry a path under the package root');
  if (path.includes('\0')) throw pathError(path, 'contains a NUL byte: rename the file');
  if (path.startsWith('/')) throw pathError(path, 'absolute path: make it relative to the package root');
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw pathError(path, "empty, '.' or '..' segment: use a plain relative path like usr/lib/x");
    }
  }
}

function checkEntry(e: PackEntry): void {
  checkPath(e.path);
  if (e.type !== 'file' && e.type !== 'dir' && e.type !== 'symlink') {
    throw pathError(e.path, `unsupported type ${JSON.stringify(e.type)}: only files, directories and symlinks`);
  }
  if (e.type === 'file' && !Buffer.isBuffer(e.data)) {
    throw pathError(e.path, 'file entry without data: give it a Buffer (empty for an empty file)');
  }
  if (e.type !== 'file' && e.data !== undefined) {
    throw pathError(e.path, `${e.type} entry with data: only files carry content`);
  }
  if (e.type === 'symlink') {
    const t = e.target;
    if (t === undefined || t === '') throw pathError(e.path, 'symlink without a target: give it a relative target');
    if (t.includes('\0')) throw pathError(e.path, 'symlink target contains a NUL byte');
    if (t.startsWith('/')) {
      throw pathError(e.path, `symlink to the absolute path ${JSON.stringify(t)}: make the target relative`);
    }
  } else if (e.target !== undefined) {
    throw pathError(e.path, `${e.type} entry with a symlink target`);
  }
}

/**
 * Validate entries and turn them into the exact list written to the tar: modes normalised,
 * every missing ancestor directory added (so extraction never invents a directory with the
 * extractor's umask), sorted bytewise by tar name. Directories sort before their contents,
 * because "a/" is a prefix of "a/b".
 */
export function planEntries(entries: readonly PackEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    checkEntry(e);
    if (byPath.has(e.path)) {
      throw new UserError('EPACKDUP', `package entry ${JSON.stringify(e.path)} appears twice: keep one of them`);
    }
    const t: TarEntry = {
      name: e.type === 'dir' ? `${e.path}/` : e.path,
      path: e.path,
      type: e.type,
      mode: normalMode(e.type, e.mode),
    };
    if (e.data !== undefined) t.data = e.data;
    if (e.target !== undefined) t.target = e.target;
    byPath.set(e.path, t);
  }
  addAncestors(byPath);

  const links = new Map<string, string>();
  for (const t of byPath.values()) if (t.type === 'symlink') links.set(t.path, t.target as string);
  for (const [path, target] of links) {
    const why = findEscapingSymlink(path, target, links);
    if (why !== undefined) throw new UserError('EPACKSYMLINK', `package entry ${JSON.stringify(path)}: ${why}`);
  }
  return sortBytewise([...byPath.values()], (t) => t.name);
}

/** Add implied parent directories; a parent that exists as a file or symlink is an error. */
function addAncestors(byPath: Map<string, TarEntry>): void {
  for (const t of [...byPath.values()]) {
    let end = t.path.lastIndexOf('/');
    while (end > 0) {
      const parent = t.path.slice(0, end);
      const found = byPath.get(parent);
      if (found === undefined) {
        byPath.set(parent, { name: `${parent}/`, path: parent, type: 'dir', mode: DIR_MODE });
      } else if (found.type !== 'dir') {
        // Extracting a child through a symlinked parent would write outside the package.
        throw pathError(t.path, `its parent ${JSON.stringify(parent)} is a ${found.type}, not a directory`);
      } else {
        break; // a known directory: its ancestors are handled when it is visited itself
      }
      end = parent.lastIndexOf('/');
    }
  }
}

/** Sort by the UTF-8 bytes of `key(item)`, encoding each key once. */
export function sortBytewise<T>(list: readonly T[], key: (item: T) => string): T[] {
  const keyed = list.map((item) => ({ k: Buffer.from(key(item), 'utf8'), item }));
  keyed.sort((a, b) => Buffer.compare(a.k, b.k));
  return keyed.map((x) => x.item);
}

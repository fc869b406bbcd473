/**
 * Read a staging directory into entries for pack(). lstat semantics: a symlink is kept as a
 * link, never followed; a hardlinked file is read as a plain file; anything else is refused.
 *
 * Synchronous syscalls, in slices that yield to the event loop: with fs.promises each call
 * costs ~40 µs of main-thread time, and the measured walk of a 4,700-file tree took 450 ms
 * against 120 ms this way (GNU tar: 115 ms). No slice blocks the loop for more than ~10 ms.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
  readlinkSync,
  type Dirent,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { UserError } from '../errors/index.js';
import { fileKind } from '../util/read-file.js';
import type { PackEntry } from './entry.js';
import { sortBytewise } from './normalize.js';

/** Never follow a link, never block on a fifo swapped in after readdir. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const SLICE_MS = 10;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface ReadTreeOptions {
  /**
   * The package whose build made the tree (`fx-app@1.0.0`, `nokogiri-1.16.0 for Ruby 3.1.4`). With
   * it, a refusal names the package and the path inside the tree: the tree is a temp staging
   * directory, gone by the time anyone reads the message. Without it, the full path.
   */
  package?: string;
}

function unsupported(root: string, rel: string, st: Stats | Dirent<Buffer>, o: ReadTreeOptions): UserError {
  if (o.package === undefined) {
    return new UserError(
      'EPACKTYPE',
      `${join(root, rel)}: is ${fileKind(st)}; a package holds only files, directories and symlinks: remove it from the staging tree`,
    );
  }
  return new UserError(
    'EPACKTYPE',
    `${o.package}: its build left ${fileKind(st)} at ${rel} (in the package's tree); a package holds only files, directories and symlinks, so it cannot be packed: make the build remove it, or report it to the package's authors`,
  );
}

/** A name as UTF-8, or a UserError: a name that is not UTF-8 would be mangled, not packed. */
function decodeName(root: string, parent: string, raw: Buffer, o: ReadTreeOptions): string {
  try {
    return strictUtf8.decode(raw);
  } catch {
    const rel = join(parent, raw.toString('latin1'));
    if (o.package === undefined) throw new UserError('EPACKNAME', `${join(root, rel)}: file name is not valid UTF-8: rename it`);
    throw new UserError(
      'EPACKNAME',
      `${o.package}: its build left ${JSON.stringify(rel)} (in the package's tree), a file name that is not valid UTF-8, so it cannot be packed: make the build rename it`,
    );
  }
}

/** open + fstat + read + close on one descriptor, so the file checked is the file read. */
function readRegular(root: string, rel: string, o: ReadTreeOptions): PackEntry {
  const abs = join(root, rel);
  const fd = openSync(abs, OPEN_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw unsupported(root, rel, st, o);
    const data = Buffer.allocUnsafe(st.size);
    for (let done = 0; done < data.length; ) {
      const n = readSync(fd, data, done, data.length - done, done);
      if (n === 0)
        throw new UserError(
          'EPACKREAD',
          `${o.package === undefined ? abs : `${o.package}: ${rel}`}: file shrank while being read: leave the staging tree alone while packing`,
        );
      done += n;
    }
    return { path: rel, type: 'file', mode: st.mode & 0o7777, data };
  } finally {
    closeSync(fd);
  }
}

/** The entries of one directory; subdirectories are pushed onto `todo`. */
function readDir(root: string, parent: string, todo: string[], out: PackEntry[], o: ReadTreeOptions): void {
  const dir = join(root, parent);
  // Dirent types come from readdir (d_type, or an lstat when the file system has none).
  for (const d of readdirSync(dir, { encoding: 'buffer', withFileTypes: true })) {
    const name = decodeName(root, parent, d.name, o);
    const rel = parent === '' ? name : `${parent}/${name}`;
    const abs = join(root, rel);
    if (d.isFile()) out.push(readRegular(root, rel, o));
    else if (d.isSymbolicLink()) out.push({ path: rel, type: 'symlink', mode: 0o777, target: readlinkSync(abs) });
    else if (d.isDirectory()) {
      out.push({ path: rel, type: 'dir', mode: lstatSync(abs).mode & 0o7777 });
      todo.push(rel);
    } else throw unsupported(root, rel, d, o);
  }
}

/**
 * Every file, directory and symlink under `dir` (not `dir` itself), with '/'-separated paths
 * relative to it, sorted bytewise.
 */
export async function readTree(dir: string, opts: ReadTreeOptions = {}): Promise<PackEntry[]> {
  let rootStat: Stats;
  try {
    rootStat = lstatSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError('ENOTREE', `${dir}: cannot read the staging directory (${code})`, { cause: err });
  }
  if (!rootStat.isDirectory()) throw new UserError('ENOTREE', `${dir}: not a directory: give the staging root`);

  const out: PackEntry[] = [];
  const todo = [''];
  let sliceStart = performance.now();
  while (todo.length > 0) {
    readDir(dir, todo.pop() as string, todo, out, opts);
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return sortBytewise(out, (e) => e.path);
}

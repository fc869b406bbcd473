/**
 * Read a staging directory into entries for pack(). lstat-based: a symlink is kept as a link,
 * never followed; a hardlinked file is read as a plain file; anything else is refused.
 */
import type { Stats } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/index.js';
import type { PackEntry } from './entry.js';
import { sortBytewise } from './normalize.js';

/** Enough reads in flight to keep the disk busy, few enough to stay far from EMFILE. */
const CONCURRENCY = 32;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a fifo';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'an unknown kind of file';
}

/** Names as raw bytes, so a name that is not UTF-8 is refused instead of silently mangled. */
async function listNames(dir: string): Promise<string[]> {
  const raw = await readdir(dir, { encoding: 'buffer' });
  return raw.map((b) => {
    try {
      return strictUtf8.decode(b);
    } catch {
      throw new UserError('EPACKNAME', `${join(dir, b.toString('latin1'))}: file name is not valid UTF-8: rename it`);
    }
  });
}

/** Run `work` over `items` with at most `limit` running at once. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function readOne(root: string, rel: string, dirs: string[]): Promise<PackEntry> {
  const abs = join(root, rel);
  const st = await lstat(abs);
  if (st.isFile()) return { path: rel, type: 'file', mode: st.mode & 0o7777, data: await readFile(abs) };
  if (st.isDirectory()) {
    dirs.push(rel);
    return { path: rel, type: 'dir', mode: st.mode & 0o7777 };
  }
  if (st.isSymbolicLink()) return { path: rel, type: 'symlink', mode: 0o777, target: await readlink(abs) };
  throw new UserError(
    'EPACKTYPE',
    `${abs}: is ${kindOf(st)}; a package holds only files, directories and symlinks: remove it from the staging tree`,
  );
}

/**
 * Every file, directory and symlink under `dir` (not `dir` itself), with '/'-separated paths
 * relative to it, sorted bytewise.
 */
export async function readTree(dir: string): Promise<PackEntry[]> {
  const rootStat = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new UserError('ENOTREE', `${dir}: cannot read the staging directory (${err.code ?? err.message})`, { cause: err });
  });
  if (!rootStat.isDirectory()) throw new UserError('ENOTREE', `${dir}: not a directory: give the staging root`);

  const out: PackEntry[] = [];
  let pending = [''];
  while (pending.length > 0) {
    // Breadth-first, one level at a time: reads within a level run concurrently.
    const paths: string[] = [];
    await eachLimited(pending, CONCURRENCY, async (parent) => {
      for (const name of await listNames(join(dir, parent))) paths.push(parent === '' ? name : `${parent}/${name}`);
    });
    const dirs: string[] = [];
    await eachLimited(paths, CONCURRENCY, async (rel) => {
      out.push(await readOne(dir, rel, dirs));
    });
    pending = dirs;
  }
  return sortBytewise(out, (e) => e.path);
}

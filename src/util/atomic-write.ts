/**
 * Every file bale writes goes through here: atomic replacement (readers see the old file or the
 * new one, never a half-written one, even if the writer is killed), and only ever of a regular
 * file. What already sits at the target decides:
 * - nothing: the file is created;
 * - a regular file: it is replaced (a new inode renamed over the name; other hard links to the
 *   old one keep the old content);
 * - anything else is refused with one line, and left exactly as it was: a device (as root,
 *   `--rootfs /dev/full` would otherwise replace the device node), a fifo, a socket, a directory,
 *   and any symbolic link, whatever it points to. bale never writes through a link (as root in a
 *   shared directory, a planted link would turn an output into an overwrite of the file it
 *   names) and never silently replaces one either: remove it, or name the file it points to.
 * The check runs before the temp file is written and again just before the rename; only the
 * final path component is checked (parent directories may be links).
 *
 * A crash can leave a temp file behind; its name contains `.tmp-` and starts with '.', so nothing
 * that scans the store mistakes it for real content.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, open, readlink, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { UsageError, UserError } from '../errors/index.js';
import { fileKind } from './read-file.js';

export const TEMP_MARKER = '.tmp-';

/** Hostnames as a file name part: anything unusual becomes `_`. */
const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host';

/**
 * A temp name in the same directory (rename is only atomic within one file system), unique per
 * process and call, naming its host and pid so a crashed writer's leftovers can be told from a
 * live writer's (queue/sweep.ts).
 */
export function tempNameFor(file: string): string {
  return join(dirname(file), `.${basename(file)}${TEMP_MARKER}${HOST}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** The writer of a temp file, from its name; undefined for anything else. */
export function parseTempName(name: string): { host: string; pid: number } | undefined {
  const m = /\.tmp-(.+)-(\d+)-[0-9a-f]{12}$/.exec(name);
  return m === null ? undefined : { host: m[1]!, pid: Number(m[2]) };
}

/** This host, as temp names spell it. */
export const TEMP_HOST = HOST;

export function isTempName(name: string): boolean {
  return name.includes(TEMP_MARKER);
}

export interface OutputOptions {
  /** How the message names the target, e.g. `--rootfs out.tar`. @defaultValue the path */
  label?: string;
  /** The target was named by a flag: a refusal is a usage error (exit 2). @defaultValue false */
  usage?: boolean;
}

const outputError = (o: OutputOptions, message: string, cause?: unknown): UserError =>
  o.usage === true ? new UsageError(message, { cause }) : new UserError('EOUTPUT', message, { cause });

export interface AtomicWriteOptions extends OutputOptions {
  /**
   * fsync the file before the rename, and its directory after, so a power loss cannot leave a
   * renamed but empty file or lose the rename. Worth its cost for the store (what a fleet serves)
   * and for what a user asked for; recipes (kept in git) and the source cache (re-verified on
   * every read) can be rebuilt and skip it.
   * @defaultValue true
   */
  durable?: boolean;
}

const errCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

/** What is at `file` (lstat'ed as `st`), for messages: `a fifo`, `a symbolic link to /dev/null (a character device)`. */
export async function describeExisting(file: string, st: Stats): Promise<string> {
  if (!st.isSymbolicLink()) return fileKind(st);
  const target = await readlink(file).catch(() => '?');
  const to = await stat(file).catch(() => undefined);
  return `a symbolic link to ${target} (${to === undefined ? 'dangling' : fileKind(to)})`;
}

async function refusal(file: string, st: Stats, o: OutputOptions, expected: 'file' | 'directory'): Promise<UserError> {
  const label = o.label ?? file;
  if (st.isSymbolicLink()) {
    return outputError(
      o,
      `${label}: is ${await describeExisting(file, st)}: bale never writes through or replaces a link: remove it, or write somewhere else`,
    );
  }
  const replaces = expected === 'file' ? 'replaces only a regular file' : 'writes only into a directory';
  return outputError(
    o,
    `${label}: exists and is ${fileKind(st)}, not a ${expected === 'file' ? 'regular file' : 'directory'}: bale ${replaces}; choose another path, or remove it first`,
  );
}

/** Path problems the person running bale can fix, as they would read them. */
const PATH_ERRORS: Record<string, string> = {
  ENOTDIR: 'a parent is not a directory',
  EACCES: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/** lstat, with undefined for nothing there and a UserError for a path that cannot be one. */
async function lstatOrMissing(file: string, o: OutputOptions): Promise<Stats | undefined> {
  try {
    return await lstat(file);
  } catch (err) {
    const code = errCode(err) ?? '';
    if (code === 'ENOENT') return undefined;
    const reason = PATH_ERRORS[code];
    if (reason === undefined) throw err;
    throw outputError(o, `${o.label ?? file}: cannot write there (${reason}): choose another path`, err);
  }
}

/**
 * May bale write the file `file`? Resolves to 'new' (nothing there) or 'replace' (a regular
 * file); throws UserError 'EOUTPUT' for anything else, touching nothing, and for a path that
 * cannot hold a file (a parent that is not a directory, no permission to look).
 */
export async function checkOutputFile(file: string, o: OutputOptions = {}): Promise<'new' | 'replace'> {
  const st = await lstatOrMissing(file, o);
  if (st === undefined) return 'new';
  if (st.isFile()) return 'replace';
  throw await refusal(file, st, o, 'file');
}

/** checkOutputFile for a directory output (`--oci DIR`): nothing there, or a real directory (not a link to one). */
export async function checkOutputDir(dir: string, o: OutputOptions = {}): Promise<'new' | 'exists'> {
  const st = await lstatOrMissing(dir, o);
  if (st === undefined) return 'new';
  if (st.isDirectory()) return 'exists';
  throw await refusal(dir, st, o, 'directory');
}

/** fsync a directory, so a rename in it survives a power loss; best effort (some file systems refuse). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // EINVAL/EISDIR on file systems without directory fsync: the rename is still atomic.
  }
}

/**
 * Replace `file` atomically with whatever `writeTemp` writes to the temp path it is given (it
 * creates the file, exclusively, and syncs it when durability matters). The target is checked
 * (checkOutputFile) before and again just before the rename; the temp name is removed on any
 * failure, and after the rename (`writeTemp` may hard-link the target's own inode there, and a
 * rename between two names of one inode leaves both). The directory must exist.
 */
export async function replaceFileAtomic(
  file: string,
  writeTemp: (temp: string) => Promise<void>,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await checkOutputFile(file, opts);
  const temp = tempNameFor(file);
  try {
    await writeTemp(temp);
    await checkOutputFile(file, opts); // again: the window between check and rename stays small
    await rename(temp, file);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  if (opts.durable !== false) await syncDir(dirname(file));
}

/** Write `data` to `file` atomically (see replaceFileAtomic): temp file, optional fsync, rename over the target. */
export async function writeFileAtomic(file: string, data: Buffer | string, opts: AtomicWriteOptions = {}): Promise<void> {
  await replaceFileAtomic(
    file,
    async (temp) => {
      const fh = await open(temp, 'wx', 0o644);
      try {
        await fh.writeFile(data);
        if (opts.durable !== false) await fh.sync();
      } finally {
        await fh.close();
      }
    },
    opts,
  );
}

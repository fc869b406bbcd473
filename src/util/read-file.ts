/**
 * Reading a file a user named, or one an untrusted party could have replaced: only a regular
 * file (a device, fifo, socket or directory is refused, also behind a symlink), and only up to a
 * bound per kind of file, so `/dev/urandom`, a fifo nobody writes to or a 50 MB "recipe" is one
 * clear line instead of a hang or an out-of-memory. The type is checked twice: a stat before the
 * open (so no device is ever opened: opening some has side effects) and an fstat of the opened
 * descriptor (so the file checked is the file read, whatever was swapped in between). Opened
 * with O_NONBLOCK, so even a fifo swapped in after the stat cannot block the open.
 *
 * Symlinks are followed: a recipes tree or a trust directory of links is legitimate; what the
 * link resolves to is what gets checked.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { UserError } from '../errors/index.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/**
 * How many bytes bale reads of each kind of file, at most. Generous against real files (about
 * 100 times the largest seen), small against memory.
 */
export const READ_BOUNDS = {
  /** A recipe .toml: real ones are a few KiB (a hundred dependencies, a few sources). */
  recipe: 1 * MIB,
  /** An override table (overrides/npm.toml ...): the shipped ones are under 32 KiB. */
  overrides: 4 * MIB,
  /** A .minisig: two lines of base64 and two comments, a few hundred bytes. */
  signature: 64 * KIB,
  /** A minisign public or secret key file: two lines. */
  key: 64 * KIB,
  /** An image file: about 350 bytes per package, so 16 MiB is some 45,000 packages. */
  image: 16 * MIB,
  /** A package manifest: one line per file (path, size, mode, sha256); 64 MiB is ~300,000 files. */
  manifest: 64 * MIB,
  /** A build record (a handful of packages) or a store checksum line. */
  record: 1 * MIB,
  /** Other JSON bale reads back from disk (an OCI layout's index.json and oci-layout). */
  json: 16 * MIB,
  /** A spec list (`enqueue --from-file`): one spec per line. */
  specList: 16 * MIB,
  /** A local source archive (a `file:` URL in a recipe), read whole: one Node buffer's ceiling. */
  source: 2 * GIB - 1,
  /** A file whose legacy (non-prehashed) minisign signature covers its bytes, read whole. */
  legacySigned: 1 * GIB,
} as const;

export interface ReadBoundedOptions {
  /** The largest file accepted, in bytes (one of READ_BOUNDS). */
  maxBytes: number;
  /** What the file should be, with its article, for the message: "a recipe", "an image file". */
  what: string;
  /** The error code of the UserError. @defaultValue 'EREADFILE' */
  code?: string;
  /** How the message names the file (e.g. `recipe /x.toml`, `--from-file x`). @defaultValue the path */
  label?: string;
  /** What to do, ending the message. @defaultValue 'give the path of a regular file' */
  hint?: string;
}

/** "a character device", "a fifo" ...: what a non-regular file is, for messages. */
export function fileKind(st: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isSymbolicLink'>): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a fifo';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'an unknown kind of file';
}

function sizeText(n: number): string {
  if (n >= MIB && n % MIB === 0) return `${n / MIB} MiB`;
  if (n >= KIB && n % KIB === 0) return `${n / KIB} KiB`;
  return `${n} bytes`;
}

function notRegular(file: string, st: Stats, o: ReadBoundedOptions): UserError {
  return new UserError(
    o.code ?? 'EREADFILE',
    `${o.label ?? file}: is ${fileKind(st)}, not a regular file; bale reads ${o.what} only from a regular file: ${o.hint ?? 'give the path of a regular file'}`,
  );
}

function tooLarge(file: string, size: number | undefined, o: ReadBoundedOptions): UserError {
  const got = size === undefined ? 'grew to more' : `${size} bytes, more`;
  return new UserError(
    o.code ?? 'EREADFILE',
    `${o.label ?? file}: ${got} than the ${sizeText(o.maxBytes)} bale reads of ${o.what}: ${o.hint ?? 'check that it is the right file'}`,
  );
}

/** Read-only, never block (a fifo), never become the controlling terminal (a tty). */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Open `file` for reading after checking it is a regular file (fs errors such as ENOENT are
 * thrown as they are, for the caller to word). The handle's fstat is checked too; `size` is
 * what it said. The caller closes the handle.
 */
export async function openRegular(file: string, o: ReadBoundedOptions): Promise<{ fh: FileHandle; size: number }> {
  const before = await stat(file);
  if (!before.isFile()) throw notRegular(file, before, o);
  const fh = await open(file, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notRegular(file, st, o);
    if (st.size > o.maxBytes) throw tooLarge(file, st.size, o);
    return { fh, size: st.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The whole of a regular file of at most `maxBytes`; a file that grows past it while read is refused too. */
export async function readBounded(file: string, o: ReadBoundedOptions): Promise<Buffer> {
  const { fh, size } = await openRegular(file, o);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte more than the fstat said: a read that fills it means the file grew, so read on.
    let chunk = Buffer.allocUnsafe(size + 1);
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      total += bytesRead;
      if (total > o.maxBytes) throw tooLarge(file, undefined, o);
      chunks.push(chunk.subarray(0, bytesRead));
      chunk = Buffer.allocUnsafe(64 * KIB);
    }
  } finally {
    await fh.close();
  }
}

/** readBounded, as UTF-8 text. */
export async function readBoundedText(file: string, o: ReadBoundedOptions): Promise<string> {
  return (await readBounded(file, o)).toString('utf8');
}

/** The synchronous readBounded, for the store's manifest reads (see LocalStore.readManifest for why synchronous). */
export function readBoundedSync(file: string, o: ReadBoundedOptions): Buffer {
  const before = statSync(file);
  if (!before.isFile()) throw notRegular(file, before, o);
  const fd = openSync(file, OPEN_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(file, st, o);
    if (st.size > o.maxBytes) throw tooLarge(file, st.size, o);
    const chunks: Buffer[] = [];
    let total = 0;
    let chunk = Buffer.allocUnsafe(st.size + 1);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, total);
      if (n === 0) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      total += n;
      if (total > o.maxBytes) throw tooLarge(file, undefined, o);
      chunks.push(chunk.subarray(0, n));
      chunk = Buffer.allocUnsafe(64 * KIB);
    }
  } finally {
    closeSync(fd);
  }
}

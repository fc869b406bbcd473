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
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { type ErrorCode, isUserError, UsageError, UserError } from '../errors/index.js';
import { formatSize } from '../limits/index.js';

/**
 * How many bytes bale reads of each kind of file, at most. Generous against real files (about
 * 100 times the largest seen), small against memory.
 */
export const READ_BOUNDS = {
  /** A recipe .toml: real ones are a few KiB (a hundred dependencies, a few sources). */
  recipe: 1024 ** 2,
  /** An override table (overrides/npm.toml ...): the shipped ones are under 32 KiB. */
  overrides: 4 * 1024 ** 2,
  /** A .minisig: two lines of base64 and two comments, a few hundred bytes. */
  signature: 64 * 1024,
  /** A minisign public or secret key file: two lines. */
  key: 64 * 1024,
  /** An image file: about 350 bytes per package, so 16 MiB is some 45,000 packages. */
  image: 16 * 1024 ** 2,
  /** A package manifest: one line per file (path, size, mode, sha256); 64 MiB is ~300,000 files. */
  manifest: 64 * 1024 ** 2,
  /** A build record (a handful of packages) or a store checksum line. */
  record: 1024 ** 2,
  /** Other JSON bale reads back from disk (an OCI layout's index.json and oci-layout). */
  json: 16 * 1024 ** 2,
  /** A spec list (`enqueue --from-file`): one spec per line. */
  specList: 16 * 1024 ** 2,
  /** A local source archive (a `file:` URL in a recipe), read whole: one Node buffer's ceiling. */
  source: 2 * 1024 ** 3 - 1,
  /** A file whose legacy (non-prehashed) minisign signature covers its bytes, read whole. */
  legacySigned: 1024 ** 3,
} as const;

/** Size of the reads after the first (which is the whole file as its fstat says, plus one byte). */
const CHUNK_BYTES = 64 * 1024;

export interface ReadBoundedOptions {
  /** The largest file accepted, in bytes (one of READ_BOUNDS). @defaultValue no bound: for hashRegular, which streams */
  maxBytes?: number;
  /** What the file should be, with its article, for the message: "a recipe", "an image file". */
  what: string;
  /** The error code of the UserError. @defaultValue 'EREADFILE' */
  code?: ErrorCode;
  /** How the message names the file (e.g. `recipe /x.toml`, `--from-file x`). @defaultValue the path */
  label?: string;
  /** What to do, ending the message. @defaultValue a hint for each kind of refusal */
  hint?: string;
  /**
   * What the message says after the label when there is no such file, e.g.
   * "not found; run `bale import <spec>` to create it". @defaultValue `no such file: <hint>`
   */
  missing?: string;
  /** No such file is no error: the read resolves to undefined. @defaultValue false */
  optional?: true;
  /** The file was named by a flag: a refusal is a usage error (exit 2). @defaultValue false */
  usage?: boolean;
}

/** The options that make a missing file `undefined` instead of an error. */
type Optional = ReadBoundedOptions & { optional: true };

/** "a character device", "a fifo" ...: what a non-regular file is, for messages. */
export function fileKind(
  st: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isSymbolicLink'>,
): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a fifo';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'an unknown kind of file';
}

const refusal = (o: ReadBoundedOptions, message: string, cause?: unknown): UserError =>
  o.usage === true ? new UsageError(message, { cause }) : new UserError(o.code ?? 'EREADFILE', message, { cause });

function notRegular(file: string, st: Stats, o: ReadBoundedOptions): UserError {
  return refusal(
    o,
    `${o.label ?? file}: is ${fileKind(st)}, not a regular file; bale reads ${o.what} only from a regular file: ${o.hint ?? 'give the path of a regular file'}`,
  );
}

function tooLarge(file: string, size: number | undefined, maxBytes: number, o: ReadBoundedOptions): UserError {
  const got = size === undefined ? 'grew to more' : `${size} bytes, more`;
  return refusal(
    o,
    `${o.label ?? file}: ${got} than the ${formatSize(maxBytes)} bale reads of ${o.what}: ${o.hint ?? 'check that it is the right file'}`,
  );
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/**
 * An fs error (ENOENT, EACCES, EIO ...) as one line naming the file: ENOENT says `missing`, the
 * rest `cannot read it (CODE)`. Anything else (a refusal above, a bug) is returned as it is.
 */
function worded(file: string, err: unknown, o: ReadBoundedOptions): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (isUserError(err) || typeof e?.code !== 'string' || typeof e.syscall !== 'string') return err;
  const hint = o.hint ?? 'check the path and its permissions';
  return refusal(
    o,
    `${o.label ?? file}: ${e.code === 'ENOENT' ? (o.missing ?? `no such file: ${hint}`) : `cannot read it (${e.code}): ${hint}`}`,
    err,
  );
}

/** The stat before the open (no device is ever opened) and the fstat after (the file checked is the file read). */
function checkRegular(file: string, st: Stats, o: ReadBoundedOptions): void {
  if (!st.isFile()) throw notRegular(file, st, o);
  if (o.maxBytes !== undefined && st.size > o.maxBytes) throw tooLarge(file, st.size, o.maxBytes, o);
}

/** Read-only, never block (a fifo), never become the controlling terminal (a tty). */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * The reads of one file, for the async and sync loops alike: the first into a buffer one byte
 * larger than the fstat said (a read that fills it means the file grew, so read on), refused
 * once past maxBytes.
 */
class Chunks {
  private readonly chunks: Buffer[] = [];
  total = 0;
  buffer: Buffer;

  constructor(
    private readonly file: string,
    size: number,
    private readonly o: ReadBoundedOptions,
  ) {
    this.buffer = Buffer.allocUnsafe(size + 1);
  }

  /** `n` bytes were read into `buffer`: true at the end of the file. */
  took(n: number): boolean {
    if (n === 0) return true;
    this.total += n;
    if (this.o.maxBytes !== undefined && this.total > this.o.maxBytes) throw tooLarge(this.file, undefined, this.o.maxBytes, this.o);
    this.chunks.push(this.buffer.subarray(0, n));
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    return false;
  }

  get bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.total);
  }
}

/** Open `file` after checking it is a regular file, and check its fstat; fs errors are thrown as they are. */
async function openChecked(file: string, o: ReadBoundedOptions): Promise<{ fh: FileHandle; size: number }> {
  checkRegular(file, await stat(file), o);
  const fh = await open(file, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    checkRegular(file, st, o);
    return { fh, size: st.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Open `file` for reading after checking it is a regular file; the handle's fstat is checked too,
 * and `size` is what it said. The caller closes the handle. fs errors are worded as readBounded
 * words them.
 */
export async function openRegular(file: string, o: ReadBoundedOptions): Promise<{ fh: FileHandle; size: number }> {
  try {
    return await openChecked(file, o);
  } catch (err) {
    throw worded(file, err, o);
  }
}

/**
 * The whole of a regular file of at most `maxBytes`; a file that grows past it while read is
 * refused too. Every failure is one line naming the file (see ReadBoundedOptions.missing);
 * undefined for a missing file when `optional`.
 */
export async function readBounded(file: string, o: Optional): Promise<Buffer | undefined>;
export async function readBounded(file: string, o: ReadBoundedOptions): Promise<Buffer>;
export async function readBounded(file: string, o: ReadBoundedOptions): Promise<Buffer | undefined> {
  try {
    const { fh, size } = await openChecked(file, o);
    try {
      const c = new Chunks(file, size, o);
      for (let end = false; !end; ) end = c.took((await fh.read(c.buffer, 0, c.buffer.length, c.total)).bytesRead);
      return c.bytes;
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (o.optional === true && isMissing(err)) return undefined;
    throw worded(file, err, o);
  }
}

/** readBounded, as UTF-8 text. */
export async function readBoundedText(file: string, o: Optional): Promise<string | undefined>;
export async function readBoundedText(file: string, o: ReadBoundedOptions): Promise<string>;
export async function readBoundedText(file: string, o: ReadBoundedOptions): Promise<string | undefined> {
  return (await readBounded(file, o))?.toString('utf8');
}

/**
 * The synchronous readBounded, for the store's reads (see LocalStore.readManifest for why
 * synchronous), with the fstat of what it read: a cache of the file can be keyed on it.
 */
export function readBoundedSync(file: string, o: Optional): { bytes: Buffer; stat: Stats } | undefined;
export function readBoundedSync(file: string, o: ReadBoundedOptions): { bytes: Buffer; stat: Stats };
export function readBoundedSync(file: string, o: ReadBoundedOptions): { bytes: Buffer; stat: Stats } | undefined {
  try {
    checkRegular(file, statSync(file), o);
    const fd = openSync(file, OPEN_FLAGS);
    try {
      const st = fstatSync(fd);
      checkRegular(file, st, o);
      const c = new Chunks(file, st.size, o);
      for (let end = false; !end; ) end = c.took(readSync(fd, c.buffer, 0, c.buffer.length, c.total));
      return { bytes: c.bytes, stat: st };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (o.optional === true && isMissing(err)) return undefined;
    throw worded(file, err, o);
  }
}

/**
 * The digest (`algorithm`, e.g. sha256) and size of a regular file of any size, streamed: a
 * device or fifo is refused, not hashed forever. fs errors are worded as readBounded words them.
 */
export async function hashRegular(file: string, algorithm: string, o: ReadBoundedOptions): Promise<{ digest: Buffer; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  try {
    const { fh } = await openChecked(file, o);
    try {
      for await (const chunk of fh.createReadStream({ highWaterMark: 1024 ** 2, autoClose: false })) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw worded(file, err, o);
  }
  return { digest: hash.digest(), size };
}

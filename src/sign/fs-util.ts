/**
 * File helpers for the signing commands: fs errors people can fix become one-line UserErrors
 * naming the file, and key files are created without ever replacing an existing one.
 */
import { createHash } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import { UserError } from '../errors/index.js';
import { tempNameFor } from '../util/atomic-write.js';
import { openRegular, readBounded } from '../util/read-file.js';

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** fs errors that are about the path or its permissions, not about bale. */
const USER_FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/** Rethrow `err` as a UserError `<file>: <what>: <reason>: <hint>` when it is a path problem. */
export function fsUserError(err: unknown, file: string, code: string, what: string, hint: string): unknown {
  const reason = USER_FS_ERRORS[errCode(err) ?? ''];
  return reason === undefined ? err : new UserError(code, `${file}: ${what}: ${reason}: ${hint}`, { cause: err });
}

export function isMissing(err: unknown): boolean {
  return errCode(err) === 'ENOENT';
}

/** What a file should be and how large it may be (READ_BOUNDS): a device, fifo or oversized file is refused. */
export interface Expected {
  /** With its article: "a signature". */
  kind: string;
  maxBytes: number;
  /** What to do when it is not a regular file or too large. @defaultValue the hint for fs errors */
  hint?: string;
}

export async function readFileOr(file: string, code: string, what: string, hint: string, expected: Expected): Promise<Buffer> {
  try {
    return await readBounded(file, { maxBytes: expected.maxBytes, what: expected.kind, code, hint: expected.hint ?? hint });
  } catch (err) {
    throw fsUserError(err, file, code, what, hint);
  }
}

/**
 * BLAKE2b-512 of a file, streamed (signed files are whole packages, possibly large). Only a
 * regular file: `bale sign /dev/urandom` is refused, not hashed forever.
 */
export async function hashFile(file: string, code = 'ESIGN'): Promise<Buffer> {
  const hash = createHash('blake2b512');
  const { fh } = await openRegular(file, { maxBytes: Number.MAX_SAFE_INTEGER, what: 'a file to sign or verify', code, hint: 'sign and verify regular files' });
  try {
    for await (const chunk of fh.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await fh.close();
  }
  return hash.digest();
}

/**
 * Create `file` with `data` and `mode`, failing with EEXIST if it exists. The content is
 * written to a temp file first and hard-linked into place, so the name never refers to a
 * partial key and an existing file is never replaced, even by a concurrent writer. File
 * systems without hard links fall back to an exclusive create.
 */
export async function createExclusive(file: string, data: string, mode: number): Promise<void> {
  const temp = tempNameFor(file);
  try {
    await writeWithMode(temp, data, mode);
    try {
      await link(temp, file);
    } catch (err) {
      if (errCode(err) === 'EEXIST') throw err;
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errCode(err) ?? '')) throw err;
      await writeWithMode(file, data, mode);
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Exclusive create, then chmod: the umask can only narrow the mode, but be exact anyway. */
async function writeWithMode(file: string, data: string, mode: number): Promise<void> {
  const fh = await open(file, 'wx', mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

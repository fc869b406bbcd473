/**
 * File helpers for the signing commands: fs errors people can fix become one-line UserErrors
 * naming the file, and key files are created without ever replacing an existing one.
 */
import { link, open, unlink } from 'node:fs/promises';
import { type ErrorCode, UserError } from '../errors/index.js';
import { tempNameFor } from '../util/atomic-write.js';
import { readBounded, type ReadBoundedOptions } from '../util/read-file.js';

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
export function fsUserError(err: unknown, file: string, code: ErrorCode, what: string, hint: string): unknown {
  const reason = USER_FS_ERRORS[errCode(err) ?? ''];
  return reason === undefined ? err : new UserError(code, `${file}: ${what}: ${reason}: ${hint}`, { cause: err });
}

export function isMissing(err: unknown): boolean {
  return errCode(err) === 'ENOENT';
}

/**
 * readBounded for the signing commands: no such file is `<file>: <doing>: no such file: <hint>`,
 * as fsUserError words it for the files they write.
 */
export function readFileOr(file: string, doing: string, o: ReadBoundedOptions & { hint: string }): Promise<Buffer> {
  return readBounded(file, { ...o, missing: `${doing}: no such file: ${o.hint}` });
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

/**
 * Atomic file replacement: readers see the old file or the new one, never a half-written one,
 * even if the writer is killed. A crash can leave a temp file behind; its name contains `.tmp-`
 * and starts with '.', so nothing that scans the store mistakes it for real content.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const TEMP_MARKER = '.tmp-';

/** A temp name in the same directory (rename is only atomic within one file system), unique per process and call. */
export function tempNameFor(file: string): string {
  return join(dirname(file), `.${basename(file)}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`);
}

export function isTempName(name: string): boolean {
  return name.includes(TEMP_MARKER);
}

export interface AtomicWriteOptions {
  /**
   * fsync before the rename, so a power loss cannot leave a renamed but empty file. Worth its
   * cost for the store (what a fleet serves); recipes (kept in git) and the source cache
   * (re-verified on every read) can be rebuilt and skip it.
   * @defaultValue true
   */
  durable?: boolean;
}

/** Write `data` to `file` atomically: temp file, optional fsync, rename over the target. The directory must exist. */
export async function writeFileAtomic(file: string, data: Buffer | string, opts: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempNameFor(file);
  try {
    const fh = await open(temp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      if (opts.durable !== false) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

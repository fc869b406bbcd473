/**
 * Atomic file replacement: readers see the old file or the new one, never a half-written one,
 * even if the writer is killed. A crash can leave a temp file behind; its name contains `.tmp-`
 * and starts with '.', so nothing that scans the store mistakes it for real content.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

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

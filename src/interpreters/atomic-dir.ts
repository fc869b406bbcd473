import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Makes `dir` exist with the content `fill` writes, without ever exposing a half-written `dir`:
 * fill a private temp dir beside it, then rename. When another process wins the race, its
 * (equivalent) copy is kept and ours discarded. Returns true when this call installed `dir`.
 */
export async function installDirAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<boolean> {
  if (existsSync(dir)) return false;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  // Dot-prefixed, so scans of the parent for finished installs skip it.
  const tmp = join(parent, `.tmp-${basename(dir)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fill(tmp);
    try {
      await rename(tmp, dir);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(dir)) return false;
      throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

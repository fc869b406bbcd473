/**
 * The content-addressed source cache: <cacheDir>/sources/<algorithm>/<hex[0..2]>/<hex>.
 * Writes are atomic (unique temp file in the same directory, then rename), so a reader, a crash,
 * or a second process writing the same digest never sees a partial file.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { dirname, join } from 'node:path';
import type { PinnedDigest } from './integrity.js';

export class SourceCache {
  readonly dir: string;

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'sources');
  }

  pathFor(digest: PinnedDigest): string {
    // Two hex characters of fan-out keep directories small when thousands of sources are cached.
    return join(this.dir, digest.algorithm, digest.hex.slice(0, 2), digest.hex);
  }

  /** The cached bytes, or undefined if absent. The caller re-verifies them. */
  async read(digest: PinnedDigest): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathFor(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Stores verified bytes. Concurrent writers of one digest write identical bytes, so the last rename wins harmlessly. */
  async write(digest: PinnedDigest, data: Buffer): Promise<void> {
    const final = this.pathFor(digest);
    await mkdir(dirname(final), { recursive: true });
    // Not fsynced: every read re-verifies the hash and drops a damaged file.
    await writeFileAtomic(final, data, { durable: false });
  }

  /** Drops a file that failed re-verification (disk corruption, manual edits). */
  async remove(digest: PinnedDigest): Promise<void> {
    await rm(this.pathFor(digest), { force: true });
  }
}

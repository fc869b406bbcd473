/**
 * The content-addressed source cache: <cacheDir>/sources/<algorithm>/<hex[0..2]>/<hex>.
 * Writes are atomic (unique temp file in the same directory, then rename), so a reader, a crash,
 * or a second process writing the same digest never sees a partial file.
 */
import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import { prefaultFromEnd } from '../util/prefault.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { dirname, join } from 'node:path';
import type { PinnedDigest } from './integrity.js';

/**
 * All of an open file, read by the pool in one request while the main thread maps the buffer's
 * pages from the far end (prefault.ts: a 4 MB source took 16 ms, most of it first touches).
 * Files here are renamed into place whole; one that changed under the read fails its hash.
 */
async function readWhole(fh: FileHandle): Promise<Buffer> {
  const { size } = await fh.stat();
  const buf = Buffer.allocUnsafe(size);
  let done = false;
  if (size > PREFAULT_FROM) prefaultFromEnd(buf, () => done);
  let at = 0;
  try {
    while (at < size) {
      const { bytesRead } = await fh.read(buf, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
  } finally {
    done = true;
  }
  return at < size ? buf.subarray(0, at) : buf;
}

/** Smaller files are read as they come: the pages are few. */
const PREFAULT_FROM = 1024 * 1024;

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
    let fh: FileHandle;
    try {
      fh = await open(this.pathFor(digest), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return await readWhole(fh);
    } finally {
      await fh.close();
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

/**
 * What the importer reads from each .deb itself: its release time. No apt metadata says it, and a
 * fixed date would tell nothing; the data tar's newest mtime is the changelog date (Debian builds
 * clamp mtimes to it), the same on every mirror. The .deb is fetched through the source fetcher,
 * verified against apt's sha256 and left in the content-addressed cache the builder reads, so
 * `bale request` downloads each package once.
 */
import pLimit from 'p-limit';
import { debDataMtime } from '../../src/archive/deb-file.js';
import { SourceFetcher } from '../../src/fetch/index.js';
import { MIN_SOURCE_DATE_EPOCH } from '../../src/recipe/schema.js';
import type { DebLocation } from './apt.js';

/** `sha256-<base64>` from apt's hex digest. */
export const sriFromHex = (hex: string): string => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;

/** SOURCE_DATE_EPOCH per package name: the newest data mtime, never before 1980. */
export async function debEpochs(locations: Map<string, DebLocation>, cacheDir: string, concurrency: number, onDone: () => void): Promise<Map<string, number>> {
  const fetcher = new SourceFetcher({ cacheDir });
  const limit = pLimit(concurrency);
  const out = new Map<string, number>();
  try {
    await Promise.all(
      [...locations].map(([name, loc]) =>
        limit(async () => {
          const deb = await fetcher.fetch({ url: loc.url, integrity: sriFromHex(loc.sha256) });
          out.set(name, Math.max(MIN_SOURCE_DATE_EPOCH, await debDataMtime(deb, loc.filename)));
          onDone();
        }),
      ),
    );
  } finally {
    await fetcher.close();
  }
  return out;
}

/**
 * What the importer reads from each .deb itself: its release time. No apt metadata says it, and a
 * fixed date would tell nothing; the data tar's newest mtime is the changelog date (Debian builds
 * clamp mtimes to it), the same on every mirror. The .deb is fetched through the source fetcher,
 * verified against apt's sha256 and left in the content-addressed cache the builder reads, so
 * `bale request` downloads each package once.
 */
import pLimit from 'p-limit';
import { openDeb, type DebFile } from '../../src/archive/deb-file.js';
import { identityError } from '../identity.js';
import { SourceFetcher } from '../../src/fetch/index.js';
import { MIN_SOURCE_DATE_EPOCH } from '../../src/recipe/schema.js';
import type { DebLocation } from './apt.js';

/** `sha256-<base64>` from apt's hex digest. */
export const sriFromHex = (hex: string): string => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;

/** The .deb's control names the package and version apt chose (the builder checks it again against the recipe). */
async function checkDebIdentity(deb: DebFile, name: string, loc: DebLocation): Promise<void> {
  const fields = (await deb.control()).fields;
  const got = { name: fields.get('Package'), version: fields.get('Version') };
  if (got.name === name && got.version === loc.version) return;
  throw identityError(
    `deb:${name}@${loc.version}`,
    `a .deb whose control names ${got.name ?? '(no Package)'} ${got.version ?? '(no Version)'}`,
    loc.url,
    "the mirror serves another package under this name: check the host's apt sources",
  );
}

/** SOURCE_DATE_EPOCH per package name: the newest data mtime, never before 1980. */
export async function debEpochs(
  locations: Map<string, DebLocation>,
  cacheDir: string,
  concurrency: number,
  onDone: () => void,
): Promise<Map<string, number>> {
  const fetcher = new SourceFetcher({ cacheDir });
  const limit = pLimit(concurrency);
  const out = new Map<string, number>();
  try {
    await Promise.all(
      [...locations].map(([name, loc]) =>
        limit(async () => {
          const deb = await openDeb(await fetcher.fetch({ url: loc.url, integrity: sriFromHex(loc.sha256) }), loc.filename);
          try {
            await checkDebIdentity(deb, name, loc);
            out.set(name, Math.max(MIN_SOURCE_DATE_EPOCH, await deb.dataMtime()));
          } finally {
            await deb.close();
          }
          onDone();
        }),
      ),
    );
  } finally {
    await fetcher.close();
  }
  return out;
}

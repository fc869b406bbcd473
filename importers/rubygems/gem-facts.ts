/**
 * What the importer reads from the .gem itself, because no index API says it: whether the gem
 * compiles an extension (its build then needs its runtime dependencies on GEM_PATH, since an
 * extconf.rb may require them: nokogiri's requires mini_portile2) and the spec's date (the
 * recipe's SOURCE_DATE_EPOCH, the same whichever API or mirror listed the gem). The verified bytes
 * go into the source cache the builder reads, so `bale request` downloads each gem once.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { readGemMetadata, specDate, specIdentity, specList } from '../../src/archive/gem-file.js';
import { SourceCache } from '../../src/fetch/cache.js';
import type { GemIndex, GemRelease } from './gem-index.js';
import { checkSourceUrl, identityError } from '../identity.js';

export interface GemFacts {
  /** The .gem's sha256, lowercase hex (the source's when it gave one, verified on download). */
  sha256: string;
  /** `extensions` from the spec (`ext/foo/extconf.rb`); empty for a pure or precompiled gem. */
  extensions: string[];
  /** The spec's `date` in seconds since the epoch, when it has a readable one. */
  date?: number;
}

/** Facts for every release, fetched with bounded concurrency, keyed by the .gem's URL. */
export async function gemFacts(
  index: GemIndex,
  releases: GemRelease[],
  cacheDir: string,
  concurrency = 16,
): Promise<Map<string, GemFacts>> {
  const cache = new SourceCache(cacheDir);
  const limit = pLimit(concurrency);
  const unique = new Map(releases.map((r) => [r.gemUrl, r]));
  const out = new Map<string, GemFacts>();
  await Promise.all(
    [...unique.values()].map((r) =>
      limit(async () => {
        out.set(r.gemUrl, await factsOf(index, r, cache));
      }),
    ),
  );
  return out;
}

/** A .gem listed as `r` whose spec names another gem or version is refused (it would install as that one). */
export function checkGemIdentity(r: GemRelease, metadataYaml: string): void {
  const spec = specIdentity(metadataYaml);
  if (spec.name === r.name && spec.version === r.version) return;
  throw identityError(
    `gem "${r.name}" ${r.version}`,
    `a .gem whose spec names ${JSON.stringify(spec.name ?? '(no name)')} ${spec.version ?? '(no version)'}`,
    r.gemUrl,
    'the source (--source) serves another gem under this name: check it, or use another',
  );
}

async function factsOf(index: GemIndex, r: GemRelease, cache: SourceCache): Promise<GemFacts> {
  // Before the cache or the network is asked: a recipe source is an http(s) URL, nothing else.
  checkSourceUrl(`gem "${r.name}" ${r.version}`, r.gemUrl, 'the source', 'check the source (--source)');
  const known = r.sha256 === undefined ? undefined : { algorithm: 'sha256' as const, hex: r.sha256, sri: '' };
  let data = known === undefined ? undefined : await cache.read(known);
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  if (data !== undefined && sha(data) !== r.sha256) {
    await cache.remove(known!);
    data = undefined;
  }
  if (data === undefined) {
    data = await index.download(r);
    await cache.write({ algorithm: 'sha256', hex: sha(data), sri: '' }, data);
  }
  const yaml = await readGemMetadata(data, r.gemUrl.slice(r.gemUrl.lastIndexOf('/') + 1));
  checkGemIdentity(r, yaml);
  const date = specDate(yaml);
  return { sha256: r.sha256 ?? sha(data), extensions: specList(yaml, 'extensions'), ...(date === undefined ? {} : { date }) };
}

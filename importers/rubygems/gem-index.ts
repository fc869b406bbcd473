/**
 * What a RubyGems source (`--source URL`: rubygems.org, a gemstash or Artifactory mirror, a
 * `gem generate_index` directory) says about a gem, whichever index it serves, and the one place
 * that picks the index:
 *
 * - compact-index.ts: the compact index Bundler uses (`/info/<gem>`: one request per gem);
 * - json-api.ts: the JSON API (`/api/v1/versions/<gem>.json`, then one `/api/v2/...` per release);
 * - marshal-index.ts: the Marshal index (`specs.4.8.gz`, then one `quick/Marshal.4.8/...` per release);
 * - below them: gem-release.ts (the types they answer with, the format rules) and source-client.ts
 *   (what the three do alike, over the index client shared with PyPI, importers/index-http.ts).
 *
 * `gemIndex()` detects which one the source speaks from its answers about the first gems, in this
 * order, stopping at the first that knows the gem (that index is then used for every later gem):
 *
 * 1. `/info/<gem>`: a 200 settles it (compact index), for free on a compact-index source.
 * 2. A 404 means "no such gem" or "no compact index here", so the JSON API is asked the same question.
 * 3. Neither knows the gem: `/versions` is asked for its status line only (its body is tens of
 *    megabytes on rubygems.org and is never read); a 2xx means a compact-index source, so the gem is
 *    unknown (and the question is settled).
 * 4. Otherwise `specs.4.8.gz` is read: if it is there, the source is a Marshal index and answers.
 * 5. Nothing: the gem is unknown, or the source speaks none of the three; the error says both.
 *
 * Probing `/versions` in full instead would cost tens of megabytes, and HEAD is not something every
 * mirror answers; a compact-index source only pays for step 3 when its first gem is unknown.
 */
import { isUserError, UserError } from '../../src/errors/index.js';
import { compactIndex, servesCompactIndex } from './compact-index.js';
import type { GemIndex, GemIndexOptions, GemRelease } from './gem-release.js';
import { jsonApi } from './json-api.js';
import { marshalIndex, SPECS_FILE, type MarshalIndex } from './marshal-index.js';

const isNotFound = (err: unknown): boolean => isUserError(err) && err.code === 'ENOTFOUND';

export type GemApi = 'compact' | 'json' | 'marshal';

/** Compact index, JSON API or Marshal index, decided by the source's first answers (see the top of this file). */
class DetectingIndex implements GemIndex {
  readonly source: string;
  private readonly compact: GemIndex;
  private readonly json: GemIndex;
  private readonly marshal: MarshalIndex;
  private api: GemApi | undefined;

  constructor(
    source: string,
    private readonly opts?: GemIndexOptions,
  ) {
    this.compact = compactIndex(source, opts);
    this.json = jsonApi(source, opts);
    this.marshal = marshalIndex(source, opts);
    this.source = this.compact.source;
  }

  /** Which index the source was found to speak, once it is known. */
  get detected(): GemApi | undefined {
    return this.api;
  }

  async releases(name: string): Promise<GemRelease[]> {
    if (this.api === 'json') return this.json.releases(name);
    if (this.api === 'marshal') return this.marshal.releases(name);
    let unknown: unknown;
    try {
      const found = await this.compact.releases(name);
      this.api = 'compact';
      return found;
    } catch (err) {
      if (this.api === 'compact' || !isNotFound(err)) throw err;
      unknown = err;
    }
    try {
      const found = await this.json.releases(name);
      this.api = 'json';
      return found;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (await servesCompactIndex(this.source, this.opts)) {
      this.api = 'compact';
      throw unknown;
    }
    if (await this.marshal.available()) {
      this.api = 'marshal';
      return this.marshal.releases(name);
    }
    const info = `info/${encodeURIComponent(name)}`;
    throw new UserError(
      'ENOTFOUND',
      `no gem "${name}" on ${this.source}, which answers none of the RubyGems index kinds for it (compact index ${info}, JSON API api/v1/versions/${encodeURIComponent(name)}.json, Marshal index ${SPECS_FILE}: all HTTP 404): check the name, and that --source is the root URL of a RubyGems source`,
    );
  }

  download(r: GemRelease): Promise<Buffer> {
    return (this.api === 'json' ? this.json : this.api === 'marshal' ? this.marshal : this.compact).download(r);
  }

  async close(): Promise<void> {
    await Promise.all([this.compact.close(), this.json.close(), this.marshal.close()]);
  }
}

/** A client of the RubyGems source at `source` (`https://rubygems.org`, a mirror's URL), speaking whichever index it serves. */
export function gemIndex(source: string, opts?: GemIndexOptions): GemIndex & { readonly detected: GemApi | undefined } {
  return new DetectingIndex(source, opts);
}

export { compactIndex, jsonApi, marshalIndex };
/** The types the clients answer with live in gem-release.ts (below the clients: no cycle); named here too for callers. */
export type { GemDependency, GemIndex, GemIndexOptions, GemRelease } from './gem-release.js';

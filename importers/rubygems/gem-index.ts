/**
 * What a RubyGems source (`--source URL`: rubygems.org, a gemstash or Artifactory mirror) says about
 * a gem, whichever API it speaks, and the one place that picks the API:
 *
 * - compact-index.ts: the compact index Bundler uses (`/info/<gem>`: one request per gem);
 * - json-api.ts: the JSON API (`/api/v1/versions/<gem>.json`, then one `/api/v2/...` per release).
 *
 * `gemIndex()` detects which one the source speaks, for free on a compact-index source: it asks
 * `/info/<gem>` for the first gem; a 200 settles it (compact index). A 404 means either "no such gem"
 * or "no compact index here", so the JSON API is asked the same question: if it knows the gem, the
 * source has no compact index and every later gem goes to the JSON API; if not, the gem is unknown
 * (and the question stays open for the next gem). Probing `/versions` instead would cost a request
 * every time, or tens of megabytes on rubygems.org, and HEAD is not something every mirror answers.
 */
import { isUserError } from '../../src/errors/index.js';
import type { IndexClientOptions } from '../pypi/index-types.js';
import { compactIndex } from './compact-index.js';
import { jsonApi } from './json-api.js';

export interface GemDependency {
  name: string;
  /**
   * Every constraint as `<op> <version>`, sorted bytewise, joined by `, ` (`< 3, >= 1.0`): the same
   * string whichever API it came from (the compact index sorts and `&`-joins, the JSON API keeps the
   * gemspec's order).
   */
  requirement: string;
}

/** One release of a gem for one platform, as the source lists it. */
export interface GemRelease {
  name: string;
  /** Gem::Version as written (`1.4.0.rc1`). */
  version: string;
  /** `ruby`, or e.g. `x86_64-linux`, `java`. */
  platform: string;
  /** Runtime dependencies only (development ones are never installed), sorted by name. */
  dependencies: GemDependency[];
  /** The .gem file's sha256, lowercase hex; absent when the source gives none. */
  sha256?: string;
  /** `required_ruby_version`, normalised like a dependency's requirement; absent when it is `>= 0` (any Ruby). */
  requiredRuby?: string;
  /** `required_rubygems_version`, likewise; absent when it is `>= 0`. */
  requiredRubygems?: string;
  /** `<source>/gems/<name>-<version>[-<platform>].gem`, where gem and Bundler fetch it from. */
  gemUrl: string;
}

export interface GemIndex {
  /** The source this client asks, with a trailing slash. */
  readonly source: string;
  /**
   * Every release of a gem, every platform, in the order the source lists them (not Gem::Version
   * order: that is the resolver's). One request per gem per client on the compact index (memoised;
   * a failure is not remembered); unknown gem: UserError ENOTFOUND.
   */
  releases(name: string): Promise<GemRelease[]>;
  /** The .gem's bytes, verified against `sha256` when known (IntegrityError otherwise). */
  download(r: GemRelease): Promise<Buffer>;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

/** How the clients talk HTTP (the PyPI clients' options: same pool, retries and timeouts). */
export interface GemIndexOptions extends IndexClientOptions {
  /** @defaultValue 'bale (RubyGems importer)' */
  userAgent?: string;
}

const isNotFound = (err: unknown): boolean => isUserError(err) && err.code === 'ENOTFOUND';

/** Compact index or JSON API, decided by the source's first answer (see the top of this file). */
class DetectingIndex implements GemIndex {
  readonly source: string;
  private readonly compact: GemIndex;
  private readonly json: GemIndex;
  private api: 'compact' | 'json' | undefined;

  constructor(source: string, opts?: GemIndexOptions) {
    this.compact = compactIndex(source, opts);
    this.json = jsonApi(source, opts);
    this.source = this.compact.source;
  }

  /** Which API the source was found to speak, once it is known. */
  get detected(): 'compact' | 'json' | undefined {
    return this.api;
  }

  async releases(name: string): Promise<GemRelease[]> {
    if (this.api === 'json') return this.json.releases(name);
    try {
      const found = await this.compact.releases(name);
      this.api = 'compact';
      return found;
    } catch (err) {
      if (this.api === 'compact' || !isNotFound(err)) throw err;
    }
    const found = await this.json.releases(name);
    this.api = 'json';
    return found;
  }

  download(r: GemRelease): Promise<Buffer> {
    return (this.api === 'json' ? this.json : this.compact).download(r);
  }

  async close(): Promise<void> {
    await Promise.all([this.compact.close(), this.json.close()]);
  }
}

/** A client of the RubyGems source at `source` (`https://rubygems.org`, a mirror's URL), speaking whichever API it serves. */
export function gemIndex(source: string, opts?: GemIndexOptions): GemIndex & { readonly detected: 'compact' | 'json' | undefined } {
  return new DetectingIndex(source, opts);
}

export { compactIndex, jsonApi };

/**
 * What a RubyGems source says about a gem, whichever index it serves (compact index, JSON API,
 * Marshal index): the types every client answers with, the format rules all of them read by
 * (names, versions, platforms, requirements), and where a release's .gem is downloaded from.
 * Imported by every module of this folder that reads a source; it imports none of them.
 */
import { withSlash, type IndexClientOptions } from '../index-http.js';

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

/** How the clients talk HTTP (the index client's options, as PyPI's: same pool, retries and timeouts). */
export interface GemIndexOptions extends IndexClientOptions {
  /** @defaultValue GEM_USER_AGENT */
  userAgent?: string;
}

/** What every RubyGems client says it is. */
export const GEM_USER_AGENT = 'bale (RubyGems importer)';

/** A page that is not what the API says (parsers throw it; clients turn it into a UserError naming the URL). */
export class GemIndexFormatError extends Error {}

/** Gem names as RubyGems allows them: letters, digits, `.`, `_`, `-` (anything else never reaches a URL). */
export const GEM_NAME = /^[A-Za-z0-9._-]+$/;
/** Gem::Version::VERSION_PATTERN. */
const GEM_VERSION = /^[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const PLATFORM = /^[A-Za-z0-9._-]+$/;
const CONSTRAINT = /^\s*(=|!=|>=|<=|~>|>|<)?\s*([0-9][0-9a-zA-Z.-]*)\s*$/;
export const SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Gem::Requirement constraints (`['>= 1.0', '< 3']`, or `~>1.2`) as one canonical string: each
 * `<op> <version>` (a bare version is `= v`), sorted bytewise, joined by `, `.
 */
export function normalizeRequirement(constraints: string[]): string {
  const parts = constraints.map((c) => {
    const m = CONSTRAINT.exec(c);
    if (!m) throw new GemIndexFormatError(`not a version constraint: ${JSON.stringify(c)}`);
    return `${m[1] ?? '='} ${m[2]}`;
  });
  if (parts.length === 0) throw new GemIndexFormatError('an empty requirement');
  return [...new Set(parts)].sort().join(', ');
}

/** `required_ruby_version` and friends: undefined when absent or `>= 0`, the requirement every version meets. */
export function platformRequirement(constraints: string[] | undefined): string | undefined {
  if (constraints === undefined || constraints.every((c) => c.trim() === '')) return undefined;
  const req = normalizeRequirement(constraints.filter((c) => c.trim() !== ''));
  return req === '>= 0' ? undefined : req;
}

/** Where gem and Bundler download a release from: `<source>gems/<name>-<version>[-<platform>].gem`. */
export function gemFileUrl(source: string, name: string, version: string, platform: string): string {
  const stem = platform === 'ruby' ? `${name}-${version}` : `${name}-${version}-${platform}`;
  return new URL(`gems/${encodeURIComponent(stem)}.gem`, withSlash(source)).href;
}

export function checkVersion(version: string, platform: string): void {
  if (!GEM_VERSION.test(version)) throw new GemIndexFormatError(`not a gem version: ${JSON.stringify(version)}`);
  if (!PLATFORM.test(platform)) throw new GemIndexFormatError(`not a gem platform: ${JSON.stringify(platform)}`);
}

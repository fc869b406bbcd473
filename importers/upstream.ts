/**
 * What `bale refresh` asks of an ecosystem: every version upstream lists for a name now, and the
 * ecosystem's own version order (semver, PEP 440, Gem::Version, dpkg). One implementation per
 * ecosystem, importers/<eco>/upstream.ts, loaded through its descriptor (src/ecosystems). Types only.
 */

/** One version upstream lists. */
export interface UpstreamVersion {
  version: string;
  /** Withdrawn but still listed (PEP 592 yanked): never chosen. The reason, '' when none is given. */
  yanked?: string;
  /** Still installable but discouraged (npm `deprecated`): the message. */
  deprecated?: string;
}

export interface UpstreamListing {
  /** Every version upstream lists, any order. Versions taken down entirely (npm unpublish, a yanked gem) are simply absent. */
  versions: UpstreamVersion[];
  /** What upstream itself calls latest (npm's `latest` dist-tag, apt's candidate); undefined: the newest final release. */
  latest: string | undefined;
  /** Named tags (npm dist-tags), for a root whose range is a tag. */
  tags: Readonly<Record<string, string>>;
}

/** Where to ask: the index option's value, or the ecosystem's default. */
export interface ListOptions {
  registry?: string;
  cacheDir: string;
}

/** How far apart two versions are, as Renovate groups updates. */
export type UpdateKind = 'major' | 'minor' | 'patch';

export interface UpstreamVersions {
  /** Asks upstream once per name per instance. Unknown name: UserError ENOTFOUND; upstream down: the importer's own error. */
  list(name: string, opts: ListOptions): Promise<UpstreamListing>;
  /** The ecosystem's order: negative, zero or positive. */
  compare(a: string, b: string): number;
  /** Whether `version` is in a root's range (`^1.0.0`, `>=1,<2`, `~> 7.1`); a tag names one version of the listing. */
  inRange(version: string, range: string, listing: UpstreamListing): boolean;
  /** A pre-release (chosen only when the pinned version is one, or upstream calls it latest). */
  isPrerelease(version: string): boolean;
  /** Which release number moves from `from` to a newer `to`: the first (or the epoch) is major, the second minor, anything after patch. */
  kind(from: string, to: string): UpdateKind;
  /** Closes what list() opened. */
  close(): Promise<void>;
}

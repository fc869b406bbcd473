/**
 * Which version a root moves to: pure, from the pinned version, the root's range, what upstream
 * lists now and the policy. The root's range always bounds the choice (`npm:x@^1.0.0` never moves
 * to 2.0.0, whatever the policy); the policy narrows it relative to the pinned version.
 */
import type { UpdateKind, UpstreamListing, UpstreamVersion, UpstreamVersions } from '../../importers/upstream.js';

export const POLICIES = ['patch', 'minor', 'major', 'latest'] as const;
export type Policy = (typeof POLICIES)[number];

/** A version passed over, and why. */
export interface Skipped {
  version: string;
  why: 'yanked' | 'deprecated';
  /** Upstream's reason or message ('' when none). */
  detail: string;
}

export interface Decision {
  /** The version the recipes tree pins now. */
  from: string;
  /** The version to re-import; undefined: the root stays. */
  to?: string;
  update?: UpdateKind;
  /** Newer versions the policy and range allowed but that were passed over: yanked or deprecated ones are never moved to. */
  skipped: Skipped[];
  /** The pinned version is yanked, or gone from upstream altogether (unpublished, yanked gem, dropped from the archive). */
  pinnedWithdrawn?: 'yanked' | 'gone';
  /** The newest release upstream, when the policy or the range kept the root below it. */
  heldBack?: string;
}

export type Scheme = Pick<UpstreamVersions, 'compare' | 'inRange' | 'isPrerelease' | 'kind'>;

function allowed(policy: Policy, kind: UpdateKind): boolean {
  return policy === 'patch' ? kind === 'patch' : policy === 'minor' ? kind !== 'major' : true;
}

/** What upstream calls latest, else its newest final release that is not yanked. */
function latestOf(listing: UpstreamListing, s: Scheme): string | undefined {
  if (listing.latest !== undefined) return listing.latest;
  return newestFirst(
    listing.versions.filter((v) => v.yanked === undefined && !s.isPrerelease(v.version)),
    s,
  )[0]?.version;
}

function newestFirst(vs: UpstreamVersion[], s: Scheme): UpstreamVersion[] {
  return [...vs].sort((a, b) => s.compare(b.version, a.version));
}

export function decide(pinned: string, range: string | undefined, listing: UpstreamListing, policy: Policy, s: Scheme): Decision {
  const mine = listing.versions.find((v) => s.compare(v.version, pinned) === 0);
  const pinnedWithdrawn = mine === undefined ? 'gone' : mine.yanked !== undefined ? 'yanked' : undefined;
  const newer = listing.versions.filter((v) => s.compare(v.version, pinned) > 0);
  const inRange = (v: UpstreamVersion): boolean => range === undefined || s.inRange(v.version, range, listing);
  // Pre-releases only for a root already on one (or when upstream tags one latest).
  const pre = s.isPrerelease(pinned);
  const latest = policy === 'latest' ? latestOf(listing, s) : undefined;
  const eligible = newestFirst(
    newer.filter((v) =>
      policy === 'latest'
        ? latest !== undefined && s.compare(v.version, latest) === 0
        : (pre || !s.isPrerelease(v.version)) && allowed(policy, s.kind(pinned, v.version)),
    ),
    s,
  ).filter(inRange);
  // A deprecated version is passed over as npm passes it over, even when upstream tags it latest.
  const usable = (v: UpstreamVersion): boolean => v.yanked === undefined && v.deprecated === undefined;
  const chosen = eligible.find(usable);
  const skipped: Skipped[] = eligible
    .filter((v) => !usable(v))
    .map((v) =>
      v.yanked !== undefined
        ? { version: v.version, why: 'yanked', detail: v.yanked }
        : { version: v.version, why: 'deprecated', detail: v.deprecated! },
    );
  skipped.sort((a, b) => s.compare(b.version, a.version));
  const top = newestFirst(
    newer.filter((v) => usable(v) && (pre || !s.isPrerelease(v.version))),
    s,
  )[0];
  const reached = chosen?.version ?? pinned;
  const d: Decision = { from: pinned, skipped };
  if (chosen !== undefined) {
    d.to = chosen.version;
    d.update = s.kind(pinned, chosen.version);
  }
  if (pinnedWithdrawn !== undefined) d.pinnedWithdrawn = pinnedWithdrawn;
  if (top !== undefined && s.compare(top.version, reached) > 0) d.heldBack = top.version;
  return d;
}

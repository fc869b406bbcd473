/**
 * Whether a version lies in an OSV range, exactly as the schema's evaluation pseudo-code says
 * (https://ossf.github.io/osv-schema/#evaluation): the version must be below one of the `limit`
 * events (none means an implicit `*`), then the events are walked in version order: `introduced`
 * (`"0"` sorts before every version) makes it affected, `fixed` at or below it and
 * `last_affected` below it make it unaffected again.
 */
import semver from 'semver';
import type { VersionOrder } from '../ecosystems/descriptor.js';
import type { EventKind, OsvEvent, OsvRange } from './osv-schema.js';

/** SEMVER ranges compare by SemVer 2.0 precedence, whatever the package's ecosystem orders by. */
export const SEMVER_ORDER: VersionOrder = {
  valid: (v) => semver.valid(v) !== null,
  compare: (a, b) => semver.compare(a, b),
};

/** `introduced: "0"` and a `limit` holding `*` are the schema's two special values, valid in every order. */
export const isSpecial = (e: OsvEvent): boolean =>
  (e.kind === 'introduced' && e.version === '0') || (e.kind === 'limit' && e.version.includes('*'));

// Equal versions: the event that opens a range before those that close it, so `introduced X, fixed X` is empty.
const KIND_RANK: Record<EventKind, number> = { introduced: 0, last_affected: 1, fixed: 2, limit: 3 };

function compareEvents(order: VersionOrder, a: OsvEvent, b: OsvEvent): number {
  const zeroA = a.kind === 'introduced' && a.version === '0';
  const zeroB = b.kind === 'introduced' && b.version === '0';
  if (zeroA || zeroB) return zeroA && zeroB ? 0 : zeroA ? -1 : 1;
  return order.compare(a.version, b.version) || KIND_RANK[a.kind] - KIND_RANK[b.kind];
}

export interface RangeVerdict {
  affected: boolean;
  /** When affected: the first `fixed` event above the version (the upgrade that leaves this range), if the range has one. */
  fixed: string | undefined;
}

/**
 * `version` against one SEMVER or ECOSYSTEM range, in `order` (the caller picks it by range type).
 * Both the version and the events must be valid in `order` (the index checks events when it loads them).
 */
export function evaluateRange(range: OsvRange, version: string, order: VersionOrder): RangeVerdict {
  const limits = range.events.filter((e) => e.kind === 'limit');
  const belowLimit = limits.length === 0 || limits.some((l) => l.version.includes('*') || order.compare(version, l.version) < 0);
  if (!belowLimit) return { affected: false, fixed: undefined };
  const sorted = range.events.filter((e) => e.kind !== 'limit').sort((a, b) => compareEvents(order, a, b));
  let affected = false;
  for (const e of sorted) {
    if (e.kind === 'introduced') {
      if (e.version === '0' || order.compare(version, e.version) >= 0) affected = true;
    } else if (e.kind === 'fixed') {
      if (order.compare(version, e.version) >= 0) affected = false;
    } else if (order.compare(version, e.version) > 0) {
      affected = false; // last_affected: inclusive
    }
  }
  if (!affected) return { affected, fixed: undefined };
  const next = sorted.find((e) => e.kind === 'fixed' && order.compare(e.version, version) > 0);
  return { affected, fixed: next?.version };
}

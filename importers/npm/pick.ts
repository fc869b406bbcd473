import semver from 'semver';
import type { NodeTargets } from './node-targets.js';

/** The parts of a packument that version choice reads. */
export interface PickablePackument {
  'dist-tags'?: Record<string, string>;
  versions: Record<string, { deprecated?: string | boolean; engines?: Record<string, unknown> }>;
}

/**
 * Choose a version for a spec the way npm (npm-pick-manifest) does: a dist-tag names its version;
 * a range prefers the `latest` tag when it satisfies, is not deprecated and its engines admit every
 * target Node (`*` takes it even as a prerelease); then orders matches by: not deprecated with
 * engines admitting every target, most targets admitted, not deprecated, highest. Depends on the
 * target Nodes given, never on the host's, so every machine pins the same closure from the same
 * metadata and targets. Without targets engines are not read.
 */
export function pickVersion(p: PickablePackument, spec: string, targets?: NodeTargets): string | undefined {
  const wanted = spec.trim() === '' ? '*' : spec.trim();
  const tags = p['dist-tags'] ?? {};
  if (Object.hasOwn(p.versions, wanted)) return wanted;
  const exact = semver.valid(wanted, { loose: true });
  if (exact !== null) return Object.hasOwn(p.versions, exact) ? exact : undefined;
  const range = semver.validRange(wanted, { loose: true });
  if (range === null) {
    const tagged = tags[wanted];
    return tagged !== undefined && Object.hasOwn(p.versions, tagged) ? tagged : undefined;
  }
  const all = targets?.size ?? 0;
  const admitted = (v: string): number => (targets === undefined ? 0 : targets.admittedCount(p.versions[v]!.engines));
  const latest = tags.latest;
  // As npm: `*` means the latest tag even when it is a prerelease; a deprecated latest is passed over.
  if (
    latest !== undefined &&
    Object.hasOwn(p.versions, latest) &&
    !p.versions[latest]!.deprecated &&
    admitted(latest) === all &&
    (range === '*' || semver.satisfies(latest, range, { loose: true }))
  ) {
    return latest;
  }
  const matching = Object.keys(p.versions)
    .filter((v) => semver.valid(v, { loose: true }) !== null && semver.satisfies(v, range, { loose: true }))
    .sort((a, b) => semver.rcompare(a, b, { loose: true }));
  const live = (v: string): boolean => !p.versions[v]!.deprecated;
  // Engines are read only as far as needed: usually the highest live match admits every target.
  const fits = matching.find((v) => live(v) && admitted(v) === all);
  if (fits !== undefined || targets === undefined) return fits ?? matching[0];
  const ranked = matching.map((v, i) => ({ v, i, n: admitted(v), live: live(v) ? 1 : 0 }));
  ranked.sort((a, b) => b.n - a.n || b.live - a.live || a.i - b.i);
  return ranked[0]?.v;
}

/** npm's `os`/`cpu` lists: empty allows all; `!x` excludes x; otherwise the value must be listed. */
export function platformAllows(list: string[] | string | undefined, value: string): boolean {
  const items = (Array.isArray(list) ? list : list === undefined ? [] : [list]).filter((s) => s !== '');
  if (items.length === 0) return true;
  if (items.includes(`!${value}`)) return false;
  const positives = items.filter((s) => !s.startsWith('!'));
  return positives.length === 0 || positives.includes(value) || positives.includes('any');
}

/** Versions to quote in a "no version matches" error: the highest few. */
export function sampleVersions(p: PickablePackument, n = 5): string[] {
  return Object.keys(p.versions)
    .filter((v) => semver.valid(v, { loose: true }) !== null)
    .sort((a, b) => semver.rcompare(a, b, { loose: true }))
    .slice(0, n);
}

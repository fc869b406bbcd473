import semver from 'semver';

/** The parts of a packument that version choice reads. */
export interface PickablePackument {
  'dist-tags'?: Record<string, string>;
  versions: Record<string, { deprecated?: string | boolean }>;
}

/**
 * Choose a version for a spec the way npm does, but deterministically: a dist-tag names its
 * version; a range prefers the `latest` tag when it satisfies and is not deprecated (`*` takes it
 * even as a prerelease), then the highest non-deprecated match, then the highest match. Never depends on the host's Node version, so every machine
 * pins the same closure from the same metadata.
 */
export function pickVersion(p: PickablePackument, spec: string): string | undefined {
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
  const latest = tags.latest;
  // As npm: `*` means the latest tag even when it is a prerelease; a deprecated latest is passed over.
  if (
    latest !== undefined &&
    Object.hasOwn(p.versions, latest) &&
    !p.versions[latest]!.deprecated &&
    (range === '*' || semver.satisfies(latest, range, { loose: true }))
  ) {
    return latest;
  }
  const matching = Object.keys(p.versions)
    .filter((v) => semver.valid(v, { loose: true }) !== null && semver.satisfies(v, range, { loose: true }))
    .sort((a, b) => semver.rcompare(a, b, { loose: true }));
  return matching.find((v) => !p.versions[v]!.deprecated) ?? matching[0];
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

/**
 * Debian as core modules see it: data only, importing nothing (see importers/npm/ecosystem-core.ts).
 * A .deb is installed as it comes; Debian packages have no override table.
 */
export const debCore = {
  id: 'deb',
  sources: [{ kind: 'deb', prebuilt: true }],
  overrides: undefined,
  /**
   * Debian versions (policy 5.6.12): `[epoch:]upstream[-revision]`; `~` and `:` are legal there, and
   * the revision (after the last `-`) is not empty.
   */
  exactVersion: /^(?:\d+:)?[A-Za-z0-9][A-Za-z0-9.+~-]*(?<!-)$/,
  semver: false,
  pureRuntime: undefined,
  // bookworm (Debian 12) is the release the host apt resolves against; OSV scopes Debian records by release.
  // OSV names source packages, bale's purls binary ones: a record matches where the two agree (README, Auditing images).
  osv: { ecosystems: ['Debian:12'], names: 'exact' },
} as const;

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
} as const;

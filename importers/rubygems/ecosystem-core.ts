/**
 * RubyGems as core modules see it: data only, importing nothing (see importers/npm/ecosystem-core.ts).
 * The override table is named for the registry (`rubygems.toml`), the purl type is shorter (`gem`).
 */
export const gemCore = {
  id: 'gem',
  sources: [{ kind: 'gem', prebuilt: false }],
  overrides: 'rubygems.toml',
  exactVersion: undefined,
  semver: false,
  // Pure gems are built per interpreter: their manifests name it.
  pureRuntime: undefined,
  osv: { ecosystems: ['RubyGems'], names: 'exact' },
} as const;

/**
 * npm as core modules see it (the recipe schema, the override tables, the builder's native checks,
 * image bases): data only, importing nothing, so the recipe schema can read it without reaching the
 * importer or builder that ecosystem.ts loads. Checked against EcosystemCore in src/ecosystems/core.ts.
 */
export const npmCore = {
  id: 'npm',
  sources: [{ kind: 'npm-tarball', prebuilt: false }],
  overrides: 'npm.toml',
  exactVersion: undefined,
  semver: true,
  // A pure npm package still needs a Node to run.
  pureRuntime: 'node',
  osv: { ecosystems: ['npm'], names: 'exact' },
} as const;

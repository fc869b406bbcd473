/**
 * PyPI as core modules see it: data only, importing nothing (see importers/npm/ecosystem-core.ts).
 * A wheel is installed as it comes; an sdist is built.
 */
export const pypiCore = {
  id: 'pypi',
  sources: [
    { kind: 'wheel', prebuilt: true },
    { kind: 'sdist', prebuilt: false },
  ],
  overrides: 'pypi.toml',
  exactVersion: undefined,
  semver: false,
  // Pure Python packages are built per interpreter: their manifests name it.
  pureRuntime: undefined,
  osv: { ecosystems: ['PyPI'], names: 'pep503' },
} as const;

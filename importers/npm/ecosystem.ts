/**
 * npm, as the rest of bale asks of it (src/ecosystems/descriptor.ts). Core: statically it imports
 * only types and its core part; the importer, the builder and semver load when asked.
 */
import type { EcosystemDescriptor } from '../../src/ecosystems/descriptor.js';
import { npmCore } from './ecosystem-core.js';

export const npmEcosystem: EcosystemDescriptor = {
  ...npmCore,
  index: { option: 'registry', checkOnUse: { flag: '--registry', example: 'https://registry.npmjs.org/' } },
  matrix: { option: 'node' },
  picker: async () => {
    const { default: maxSatisfying } = await import('semver/ranges/max-satisfying.js');
    return (versions, range) => maxSatisfying(versions, range, { loose: true }) ?? undefined;
  },
  versionOrder: async () => {
    const { default: semver } = await import('semver');
    return { valid: (v) => semver.valid(v, { loose: true }) !== null, compare: (a, b) => semver.compare(a, b, { loose: true }) };
  },
  advisoryNames: undefined,
  importer: async () => new (await import('./index.js')).NpmImporter(),
  upstream: async () => (await import('./upstream.js')).upstreamVersions(),
  builder: async (opts) => {
    const { NpmBuilder } = await import('../../src/builder/npm/index.js');
    return new NpmBuilder({ cacheDir: opts.cacheDir, ...(opts.npmOptions ? { npmOptions: opts.npmOptions } : {}) });
  },
};

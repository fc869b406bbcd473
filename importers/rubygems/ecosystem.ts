/**
 * RubyGems, as the rest of bale asks of it (src/ecosystems/descriptor.ts). Core: statically it
 * imports only types and its core part; the importer, the builder and gem versions load when asked.
 */
import type { EcosystemDescriptor } from '../../src/ecosystems/descriptor.js';
import { gemCore } from './ecosystem-core.js';

export const gemEcosystem: EcosystemDescriptor = {
  ...gemCore,
  // --source was checked as it was parsed.
  index: { option: 'source', checkOnUse: undefined },
  matrix: { option: 'ruby' },
  picker: async () => {
    const [{ satisfiesGem }, { sortGemVersions }] = await Promise.all([import('./gem-requirement.js'), import('./gem-version.js')]);
    return (versions, range) => sortGemVersions(versions, true).find((v) => range === '*' || satisfiesGem(v, range));
  },
  versionOrder: async () => {
    const { compareGemVersions, isValidGemVersion } = await import('./gem-version.js');
    return { valid: isValidGemVersion, compare: compareGemVersions };
  },
  advisoryNames: undefined,
  importer: async () => new (await import('./index.js')).GemImporter(),
  upstream: async () => (await import('./upstream.js')).upstreamVersions(),
  builder: async () => new (await import('../../src/builder/rubygems/index.js')).GemBuilder(),
};

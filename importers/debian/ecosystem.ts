/**
 * Debian, as the rest of bale asks of it (src/ecosystems/descriptor.ts). Core: statically it
 * imports only types and its core part; the importer, the builder and dpkg versions load when asked.
 */
import type { EcosystemDescriptor } from '../../src/ecosystems/descriptor.js';
import { debCore } from './ecosystem-core.js';

export const debEcosystem: EcosystemDescriptor = {
  ...debCore,
  // No flag: apt's own sources are the index.
  index: undefined,
  // Debian packages are built for no interpreter.
  matrix: undefined,
  // Debian specs name one exact version (matched before the picker is asked) or none: the newest.
  picker: async () => {
    const { sortDebVersionsDescending } = await import('./version.js');
    return (versions, range) => (range === '*' ? sortDebVersionsDescending(versions)[0] : undefined);
  },
  versionOrder: async () => {
    const { compareDebVersions, isValidDebVersion } = await import('./version.js');
    return { valid: isValidDebVersion, compare: compareDebVersions };
  },
  // OSV's Debian records name source packages (zlib), bale's purls binary ones (zlib1g).
  advisoryNames: async () => (await import('./advisory-names.js')).debAdvisoryNames,
  importer: async () => new (await import('./index.js')).DebImporter(),
  upstream: async () => (await import('./upstream.js')).upstreamVersions(),
  builder: async () => new (await import('../../src/builder/debian/index.js')).DebBuilder(),
};

/**
 * PyPI, as the rest of bale asks of it (src/ecosystems/descriptor.ts). Core: statically it imports
 * only types and its core part; the importer, the builder and PEP 440 load when asked.
 */
import type { EcosystemDescriptor } from '../../src/ecosystems/descriptor.js';
import { pypiCore } from './ecosystem-core.js';

export const pypiEcosystem: EcosystemDescriptor = {
  ...pypiCore,
  // --index-url was checked as it was parsed (http(s) or file://).
  index: { option: 'indexUrl', checkOnUse: undefined },
  matrix: { option: 'python' },
  picker: async () => {
    const { bestVersion, isValidVersion } = await import('./versions.js');
    return (versions, range) => bestVersion(versions, range === '*' ? '' : isValidVersion(range) ? `==${range}` : range);
  },
  versionOrder: async () => {
    const { compareVersions, isValidVersion } = await import('./versions.js');
    return { valid: isValidVersion, compare: compareVersions };
  },
  advisoryNames: undefined,
  importer: async () => new (await import('./index.js')).PypiImporter(),
  upstream: async () => (await import('./upstream.js')).upstreamVersions(),
  builder: async () => new (await import('../../src/builder/pypi/index.js')).PypiBuilder(),
};

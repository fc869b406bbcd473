/**
 * The registry of ecosystems: one line per ecosystem, each a descriptor from the ecosystem's own
 * folder. The CLI, the queue, the builder and importers/index.ts ask it; core modules ask its data
 * half, src/ecosystems/core.ts. A missing ecosystem is a compile error.
 *
 * Core: it and the descriptors import only types, core and each other statically; their import()
 * thunks are the only ways to an importer or a builder, taken when one is asked for.
 */
import type { Ecosystem } from '../purl/purl.js';
import type { EcosystemDescriptor } from './descriptor.js';
import { npmEcosystem } from '../../importers/npm/ecosystem.js';
import { pypiEcosystem } from '../../importers/pypi/ecosystem.js';
import { gemEcosystem } from '../../importers/rubygems/ecosystem.js';
import { debEcosystem } from '../../importers/debian/ecosystem.js';

const DESCRIPTORS = {
  npm: npmEcosystem,
  pypi: pypiEcosystem,
  gem: gemEcosystem,
  deb: debEcosystem,
} satisfies Record<Ecosystem, EcosystemDescriptor>;

/** Every descriptor, by purl type. */
export const ECOSYSTEM_DESCRIPTORS: Readonly<Record<Ecosystem, EcosystemDescriptor>> = DESCRIPTORS;

export function ecosystem(id: Ecosystem): EcosystemDescriptor {
  return DESCRIPTORS[id];
}

export type { EcosystemDescriptor, Picker } from './descriptor.js';

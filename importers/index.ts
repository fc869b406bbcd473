import { ecosystem } from '../src/ecosystems/index.js';
import type { Ecosystem } from '../src/purl/purl.js';
import type { Importer } from './importer.js';

/** The importer of an ecosystem, as its descriptor (src/ecosystems) loads it: lazily, so `bale build` stays light. */
export function importerFor(eco: Ecosystem): Promise<Importer> {
  return ecosystem(eco).importer();
}

export type { Importer, ImportOptions, Resolution, ImportProgress } from './importer.js';

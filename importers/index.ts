import type { Ecosystem } from '../src/purl/purl.js';
import type { Importer } from './importer.js';

/** The one place that maps an ecosystem to its importer; loaded lazily so `bale build` stays light. */
export async function importerFor(ecosystem: Ecosystem): Promise<Importer> {
  switch (ecosystem) {
    case 'npm': {
      const { NpmImporter } = await import('./npm/index.js');
      return new NpmImporter();
    }
    case 'pypi': {
      const { PypiImporter } = await import('./pypi/index.js');
      return new PypiImporter();
    }
    case 'gem': {
      const { GemImporter } = await import('./rubygems/index.js');
      return new GemImporter();
    }
    case 'deb': {
      const { DebImporter } = await import('./debian/index.js');
      return new DebImporter();
    }
    default: {
      const never: never = ecosystem;
      throw new Error(`unknown ecosystem ${String(never)}`);
    }
  }
}

export type { Importer, ImportOptions, Resolution, ImportProgress } from './importer.js';

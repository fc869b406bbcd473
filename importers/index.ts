import type { Ecosystem } from '../src/purl/purl.js';
import { UserError } from '../src/errors/index.js';
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
    case 'gem':
      throw new UserError('EUNSUPPORTED', `importing ${ecosystem} packages is not implemented yet (only npm works in this version)`);
    default: {
      const never: never = ecosystem;
      throw new Error(`unknown ecosystem ${String(never)}`);
    }
  }
}

export type { Importer, ImportOptions, Resolution, ImportProgress } from './importer.js';

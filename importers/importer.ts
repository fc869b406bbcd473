import type { Ecosystem, Purl, Spec } from '../src/purl/purl.js';

/** What an import reports as it goes, for a progress display. */
export interface ImportProgress {
  resolved: number;
  /** Known so far: grows as the crawl discovers dependencies. */
  discovered: number;
  current?: string;
}

export interface ImportOptions {
  /** Root of the recipes tree: `<recipes>/<ecosystem>/<name>/<version>.toml`. */
  recipesDir: string;
  /** Registry or index base URL for mirrors; default: what the ecosystem's own client is configured with. */
  registry?: string;
  /** Cache for registry metadata. */
  cacheDir: string;
  /** Bounded concurrency of registry requests. @defaultValue 16 */
  concurrency?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Non-fatal notes (a skipped optional dependency), one line each. */
  onNote?: (line: string) => void;
}

export interface ImportedRecipe {
  purl: string;
  file: string;
  /** recipeDigest of what was written. */
  digest: string;
  /** false when the file already held exactly these bytes. */
  changed: boolean;
}

export interface ImportResult {
  /** What each requested spec resolved to, in request order. */
  roots: Purl[];
  /** The whole pinned closure, sorted by purl. */
  recipes: ImportedRecipe[];
}

/** One per ecosystem: resolves specs against a registry and writes the closure's recipes. */
export interface Importer {
  readonly ecosystem: Ecosystem;
  importClosure(specs: Spec[], opts: ImportOptions): Promise<ImportResult>;
}

import type { Ecosystem, Purl, Spec } from '../src/purl/purl.js';
import type { Recipe } from '../src/recipe/index.js';
import type { ErrorCode } from '../src/errors/index.js';

/** What an import reports as it goes, for a progress display. */
export interface ImportProgress {
  resolved: number;
  /** Known so far: grows as the crawl discovers dependencies. */
  discovered: number;
  current?: string;
}

export interface ImportOptions {
  /** Registry or index base URL for mirrors; default: what the ecosystem's own client is configured with. */
  registry?: string;
  /** Cache for registry metadata. */
  cacheDir: string;
  /** Folder of override tables (`<ecosystem>.toml`); default: the tables shipped with bale. */
  overridesDir?: string;
  /** Interpreter versions to resolve for (`['3.11', '3.12']`), where the ecosystem has a matrix; default: every one found. */
  interpreters?: string[];
  /** Bounded concurrency of registry requests. @defaultValue 16 */
  concurrency?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Non-fatal notes (a skipped optional dependency), one line each. */
  onNote?: (line: string) => void;
  /**
   * A root that cannot be resolved is set aside in `rootFailures` and the others are resolved
   * (keep-going.ts). @defaultValue false: any root that fails fails the whole resolution
   */
  keepGoing?: boolean;
  /**
   * The versions of a name already pinned (the recipes tree's, for `bale refresh`): where one
   * satisfies a dependency's range it is kept rather than a newer one, so a re-import moves only what
   * it must (npm's tree, and the backtracking resolvers through resolver/prefer.ts). Debian's apt
   * resolves whole closures and does not read it. @defaultValue none: the newest that fits
   */
  pinned?: (name: string) => Promise<readonly string[]>;
}

export interface Resolution {
  /** What each requested spec resolved to, in request order. */
  roots: Purl[];
  /** The whole pinned closure, sorted by purl, not yet written anywhere. */
  recipes: Recipe[];
  /** Targets that could not be resolved while the others were: the caller decides (all or nothing, or --keep-going). */
  failures?: TargetFailure[];
  /** Roots set aside (only with `keepGoing`): the spec as given, and why. */
  rootFailures?: RootFailure[];
}

/** A root that could not be resolved (with `keepGoing`). */
export interface RootFailure {
  spec: Spec;
  code: ErrorCode;
  error: string;
}

/** One target of a matrix that failed (`Python 3.9`), with its error line. */
export interface TargetFailure {
  target: string;
  error: string;
  /** The error's code, when it was a BaleError's. */
  code?: ErrorCode;
}

/**
 * One per ecosystem: resolves specs against a registry into the closure's recipes. Importers never
 * write: the caller writes recipes once everything resolved (and, for `request`, built), so a
 * failure leaves the recipes tree as it was.
 */
export interface Importer {
  readonly ecosystem: Ecosystem;
  resolveClosure(specs: Spec[], opts: ImportOptions): Promise<Resolution>;
}

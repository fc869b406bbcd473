/** One project's outcome in the PyPI coverage run: what pip resolved, what bale did, what imports. */

/** A closure as PEP 503-normalized name -> version. */
export type Closure = Record<string, string>;

export interface PipOutcome {
  ok: boolean;
  /** The version pip picked for the project itself. */
  version?: string;
  closure?: Closure;
  /** The first `ERROR:` line pip printed. */
  errorLine?: string;
  /** pip's lines naming a cause: `X 1.0 depends on Y>=2`, `No matching distribution found for Y`. */
  causes?: string[];
  seconds: number;
}

export interface BaleOutcome {
  ok: boolean;
  /** The spec requested: `pypi:NAME@VERSION` (pip's pick) or `pypi:NAME`. */
  spec: string;
  closure?: Closure;
  exitCode: number;
  errorLine?: string;
  timedOut?: boolean;
  seconds: number;
}

/** Module name -> null (imported) or the exception's first line. */
export type ImportResults = Record<string, string | null>;

export interface ImportOutcome {
  /** Where the names came from: the root's top_level.txt or its RECORD. */
  namesFrom: 'top_level.txt' | 'RECORD' | 'none';
  bale: ImportResults;
  /** The same names imported from a `pip install --target` tree; only when some failed from bale's root. */
  pip?: ImportResults;
  pipInstallError?: string;
}

export interface ClosureDiff {
  onlyBale: string[];
  onlyPip: string[];
  versions: string[];
}

export interface ProjectResult {
  project: string;
  pip: PipOutcome;
  bale?: BaleOutcome;
  diff?: ClosureDiff;
  imports?: ImportOutcome;
  /** Primary category (see classify.ts) and, for errors, the subcategory. */
  category: string;
  subcategory?: string;
}

export const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

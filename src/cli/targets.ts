/**
 * The one rule for a request over a matrix of targets (`--python 3.9,3.11`, `--node 20,22`,
 * `--ruby`): all or nothing. When any target fails to resolve or to build, nothing is written, to
 * the recipes tree or the store, and the error names every target that failed. `--keep-going`
 * keeps what resolved and built, and the command still exits 1 naming what failed. Either way
 * `--json` lists the failed targets with their error lines. The same for every ecosystem: failures
 * come from the importers' per-interpreter resolution and from the scheduler, never from a builder.
 */
import type { TargetFailure } from '../../importers/importer.js';
import type { Task } from '../builder/index.js';
import { ERROR_CODES, type ErrorCode, oneLine, UserError } from '../errors/index.js';
import { printJson } from './output.js';

/** A target that failed: `Python 3.9` (resolution), or `node 22.11.0` with the package whose build failed. */
export interface FailedTarget extends TargetFailure {
  /** The package whose build failed for this target (absent: the target did not resolve). */
  package?: string;
  /** It was not built because a build it needs failed (only with --keep-going). */
  skipped?: true;
}

/** A build's failure as a failed target: the interpreter it was for, the package, its error line. */
export function buildFailure(task: Task, error: unknown): FailedTarget {
  const i = task.target.interpreter;
  const code = (error as { code?: unknown } | null)?.code;
  return {
    target: i === null ? 'any' : `${i.kind} ${i.version}`,
    package: task.node.id,
    error: oneLine(error),
    ...(code === 'EDEPFAILED' ? { skipped: true as const } : {}),
    ...(typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? { code: code as ErrorCode } : {}),
  };
}

const listed = (names: string[]): string =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/**
 * One line naming every failed target and why (builds skipped for a failed dependency are counted,
 * not repeated), then what happened: nothing written, or (kept) the rest kept.
 */
export function targetsFailed(failures: FailedTarget[], kept: boolean): UserError {
  const targets = [...new Set(failures.map((f) => f.target))];
  const causes = failures.filter((f) => f.skipped !== true);
  const skipped = failures.length - causes.length;
  const why = [
    ...new Set(causes.map((f) => (f.package !== undefined && !f.error.includes(f.package) ? `${f.package}: ${f.error}` : f.error))),
  ].join('; ');
  const more = skipped > 0 ? ` (and ${skipped} build(s) that needed them)` : '';
  const outcome = kept
    ? 'kept what resolved and built (--keep-going)'
    : 'nothing was written: a request is all or nothing (--keep-going keeps what resolves and builds)';
  return new UserError('ETARGETS', `${listed(targets)} failed: ${why}${more}; ${outcome}`);
}

/**
 * Refuses the whole request (nothing was written): with --json and failed targets, first the
 * document a success would print with nothing in it but the failures, so a script reads them as it
 * reads a success. `error`: the error that stopped the run (a failed build's own); else the line
 * targetsFailed words.
 */
export function refuse(failures: FailedTarget[], json: boolean, roots: string[], error?: unknown): never {
  if (json && failures.length > 0) printJson({ roots, recipes: [], packages: [], failures });
  throw error ?? targetsFailed(failures, false);
}

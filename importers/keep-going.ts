/**
 * `--keep-going` for the roots of one import: a root that cannot be resolved is set aside with its
 * error, and the others are resolved together, as they would have been without it. Every attempt
 * goes through the importer's own `attempt`, which shares that importer's caches (a packument or
 * index page is fetched once, however many attempts need it).
 */
import { BaleError, oneLine } from '../src/errors/index.js';
import type { Spec } from '../src/purl/purl.js';
import type { RootFailure } from './importer.js';

/** A root that failed, with the error that says why. */
export interface FailedRoot<T> {
  root: T;
  error: BaleError;
}

export interface KeptRoots<T, R> {
  /** The resolution of `kept`, together; undefined when every root failed. */
  value: R | undefined;
  /** The roots resolved, in the order given. */
  kept: T[];
  /** The roots set aside, in the order given. */
  failed: FailedRoot<T>[];
}

/**
 * Resolve every root together; when that fails, halve the roots that failed until each failure is
 * pinned on one root (about k·log n attempts for k broken roots of n, each on fewer roots), then
 * resolve the rest together. A bug (anything but a BaleError) is thrown, not set aside; so is a
 * failure of roots that resolve apart but not together (a conflict between roots: nothing to
 * pin on one of them).
 */
export async function keepResolving<T, R>(roots: T[], attempt: (some: T[]) => Promise<R>): Promise<KeptRoots<T, R>> {
  const failed: FailedRoot<T>[] = [];
  const isolate = async (group: T[], first?: unknown): Promise<T[]> => {
    let err = first;
    if (err === undefined) {
      try {
        await attempt(group);
        return group;
      } catch (e) {
        err = e;
      }
    }
    if (!(err instanceof BaleError)) throw err;
    if (group.length === 1) {
      failed.push({ root: group[0]!, error: err });
      return [];
    }
    const mid = Math.ceil(group.length / 2);
    // One half after the other: attempts interleaved would only contend for the same cache.
    const left = await isolate(group.slice(0, mid));
    return [...left, ...(await isolate(group.slice(mid)))];
  };
  let whole: unknown;
  try {
    return { value: await attempt(roots), kept: roots, failed };
  } catch (err) {
    whole = err;
  }
  const kept = await isolate(roots, whole);
  const order = new Map(roots.map((r, i) => [r, i]));
  failed.sort((a, b) => order.get(a.root)! - order.get(b.root)!);
  return { value: kept.length === 0 ? undefined : await attempt(kept), kept, failed };
}

/** keepResolving over an importer's specs, its failures as a Resolution words them. */
export async function keepResolvingSpecs<R>(
  specs: Spec[],
  keepGoing: boolean | undefined,
  attempt: (some: Spec[]) => Promise<R>,
): Promise<{ value: R | undefined; kept: Spec[]; rootFailures: RootFailure[] }> {
  if (keepGoing !== true) return { value: await attempt(specs), kept: specs, rootFailures: [] };
  const r = await keepResolving(specs, attempt);
  return { ...r, rootFailures: r.failed.map((f) => ({ spec: f.root, code: f.error.code, error: oneLine(f.error) })) };
}

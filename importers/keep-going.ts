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
 * pin on one of them). `precheck`, when given, checks each root on its own first (npm: its
 * packument, version and platform), so only failures deeper in a closure need halving.
 */
export async function keepResolving<T, R>(
  roots: T[],
  attempt: (some: T[]) => Promise<R>,
  precheck?: (root: T) => Promise<void>,
): Promise<KeptRoots<T, R>> {
  const failed: FailedRoot<T>[] = [];
  const order = new Map(roots.map((r, i) => [r, i]));
  const byOrder = (): void => void failed.sort((a, b) => order.get(a.root)! - order.get(b.root)!);
  // A root's own failure (no such package, no such version), found for all at once without
  // resolving anything together: what is left to halve is a failure deeper in some closure.
  if (precheck !== undefined) {
    const checked = await Promise.allSettled(roots.map((r) => precheck(r)));
    for (const [i, c] of checked.entries()) {
      if (c.status === 'fulfilled') continue;
      if (!(c.reason instanceof BaleError)) throw c.reason;
      failed.push({ root: roots[i]!, error: c.reason });
    }
    const bad = new Set(failed.map((f) => f.root));
    const rest = roots.filter((r) => !bad.has(r));
    if (rest.length < roots.length) {
      const r = rest.length === 0 ? undefined : await keepResolving(rest, attempt);
      failed.push(...(r?.failed ?? []));
      byOrder();
      return { value: r?.value, kept: r?.kept ?? [], failed };
    }
  }
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
  byOrder();
  return { value: kept.length === 0 ? undefined : await attempt(kept), kept, failed };
}

/** keepResolving over an importer's specs, its failures as a Resolution words them. */
export async function keepResolvingSpecs<R>(
  specs: Spec[],
  keepGoing: boolean | undefined,
  attempt: (some: Spec[]) => Promise<R>,
  precheck?: (spec: Spec) => Promise<void>,
): Promise<{ value: R | undefined; kept: Spec[]; rootFailures: RootFailure[] }> {
  if (keepGoing !== true) return { value: await attempt(specs), kept: specs, rootFailures: [] };
  const r = await keepResolving(specs, attempt, precheck);
  return { ...r, rootFailures: r.failed.map((f) => ({ spec: f.root, code: f.error.code, error: oneLine(f.error) })) };
}

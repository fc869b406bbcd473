/**
 * What importers with an interpreter matrix (PyPI, RubyGems) share: one resolution per interpreter,
 * where an interpreter that cannot be resolved (a wheel-only release without its wheel) is a failure
 * of that interpreter only, and the pinned roots gathered across them.
 */
import { UserError } from '../src/errors/index.js';
import type { Ecosystem, Purl } from '../src/purl/purl.js';
import type { ImportOptions, TargetFailure } from './importer.js';

/** Every interpreter of the matrix failed: one line naming each, and the failures for --json. */
export class EveryTargetFailed extends UserError {
  constructor(readonly failures: TargetFailure[]) {
    // One cause for every interpreter (a project not found anywhere) keeps its code: --keep-going sorts roots by it.
    const codes = new Set(failures.map((f) => f.code));
    const [only] = codes;
    super(codes.size === 1 && only !== undefined ? only : 'ERESOLVE', failures.map((f) => f.error).join('; ') || 'nothing to resolve');
    this.name = 'EveryTargetFailed';
  }
}

export async function resolvePerInterpreter<I extends { version: string }, R>(
  interpreters: I[],
  resolveOne: (i: I) => Promise<R>,
  opts: ImportOptions,
  label: string,
): Promise<{ results: Map<string, R>; failures: TargetFailure[] }> {
  const results = new Map<string, R>();
  const failures: TargetFailure[] = [];
  // One interpreter at a time keeps the request pattern deterministic; each file is fetched once for all.
  for (const i of interpreters) {
    try {
      results.set(i.version, await resolveOne(i));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      failures.push({ target: `${label} ${i.version}`, error: err.message, code: err.code });
    }
    opts.onProgress?.({ resolved: results.size + failures.length, discovered: interpreters.length, current: `${label} ${i.version}` });
  }
  // Partial failures are the caller's to judge (all or nothing, or --keep-going); it names every one.
  if (results.size === 0) throw new EveryTargetFailed(failures);
  return { results, failures };
}

/** Every (name, version) the roots were pinned to, across interpreters (they may differ). */
export function pinnedRoots<R>(
  type: Ecosystem,
  results: Map<string, R>,
  roots: string[],
  pinOf: (r: R, root: string) => { name: string; version: string },
): Purl[] {
  const out = new Map<string, Purl>();
  for (const r of results.values()) {
    for (const root of roots) {
      const p = pinOf(r, root);
      out.set(`${p.name}@${p.version}`, { type, name: p.name, version: p.version });
    }
  }
  return [...out.values()];
}

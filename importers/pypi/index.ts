import { discoverPythons, missingPythonsError, resolvePythons } from '../../src/interpreters/python.js';
import type { PythonInterpreter } from '../../src/interpreters/python.js';
import type { Spec } from '../../src/purl/purl.js';
import type { Importer, ImportOptions, Resolution } from '../importer.js';
import { keepResolvingSpecs } from '../keep-going.js';
import { pinnedRoots, resolvePerInterpreter } from '../matrix.js';
import { jsonApi } from './json-api.js';
import type { IndexClient } from './index-types.js';
import { parseRequirement } from './requirement.js';
import type { Requirement } from './requirement.js';
import { Resolver } from './resolve.js';
import type { Pin, ResolveTarget } from './resolve.js';
import { simpleIndex } from './simple-api.js';
import { recipesFromPins } from './to-recipe.js';
import type { TargetPins } from './to-recipe.js';
import { isValidVersion } from './versions.js';

/** PyPI's Simple API (PEP 691 JSON with PEP 658 metadata files). */
export const DEFAULT_INDEX = 'https://pypi.org/simple/';

/**
 * `--index-url` (or a purl's `repository_url`): a Simple API (`.../simple/`), or PyPI's JSON API
 * when the URL ends in `/pypi`. A bare host (`https://pypi.org`, the purl spec's default repository)
 * means its `/simple/`, where PyPI and its mirrors serve the Simple API. A `file:` URL is an index on
 * this machine's disk, read as pip reads one (index-file.ts).
 */
export function indexClient(url: string): IndexClient {
  const u = URL.canParse(url) ? new URL(url) : undefined;
  if (u !== undefined && /^https?:$/.test(u.protocol) && u.pathname === '/' && u.search === '')
    return simpleIndex(new URL('/simple/', u).href);
  return /\/pypi\/?$/.test(url) ? jsonApi(url) : simpleIndex(url);
}

const isFileUrl = (url: string | undefined): boolean => url !== undefined && URL.canParse(url) && new URL(url).protocol === 'file:';

/** `pypi:name`, `pypi:name@1.2.3` (exact) or `pypi:name@>=1.2,<2` (a PEP 440 specifier). */
export function specRequirement(s: Spec): Requirement {
  const name = s.extras !== undefined && s.extras.length > 0 ? `${s.name}[${s.extras.join(',')}]` : s.name;
  if (s.range === undefined) return parseRequirement(name);
  const spec = s.range.trim();
  return parseRequirement(isValidVersion(spec) ? `${name}==${spec}` : `${name}${spec}`);
}

function target(p: PythonInterpreter): ResolveTarget {
  return { python: { version: p.version, fullVersion: p.fullVersion }, tags: { version: p.version, glibc: p.glibc, arch: 'x86_64' } };
}

/** Resolve, then give every sdist its build environment (a closure of its own), until none is left. */
async function resolveTarget(resolver: Resolver, roots: Requirement[], t: ResolveTarget): Promise<TargetPins> {
  const runtime = await resolver.resolve(roots, t);
  const build = new Map<string, { direct: string[]; pins: Map<string, Pin> }>();
  const pending = [...runtime.values()];
  while (pending.length > 0) {
    const pin = pending.shift()!;
    if (pin.dist.kind !== 'sdist' || build.has(pin.name)) continue;
    const reqs = pin.info.buildSystem?.requires ?? [];
    const pins = reqs.length === 0 ? new Map<string, Pin>() : await resolver.resolve(reqs, t);
    build.set(pin.name, { direct: reqs.map((r) => r.normalized), pins });
    pending.push(...pins.values());
  }
  return { runtime, build };
}

/** The interpreters asked for (only those are run when named), else every one found. */
async function targetPythons(opts: ImportOptions): Promise<PythonInterpreter[]> {
  const wanted = opts.interpreters;
  const found = await discoverPythons({ cacheDir: opts.cacheDir, ...(wanted === undefined ? {} : { minors: wanted }) });
  const { ok, missing } = await resolvePythons(wanted ?? found.map((p) => p.version), found);
  // The error lists every interpreter there is, so those not asked for are looked at after all.
  if (missing.length > 0)
    throw missingPythonsError(missing, wanted === undefined ? found : await discoverPythons({ cacheDir: opts.cacheDir }));
  return ok;
}

export class PypiImporter implements Importer {
  readonly ecosystem = 'pypi' as const;

  async resolveClosure(specs: Spec[], opts: ImportOptions): Promise<Resolution> {
    const roots = specs.map(specRequirement);
    const client = indexClient(opts.registry ?? DEFAULT_INDEX);
    // The roots' pages and the override table load while the interpreters are run.
    for (const r of roots) void client.project(r.normalized).catch(() => undefined);
    const overrides = import('../../src/overrides/table.js').then((m) => m.loadOverrides('pypi', opts.overridesDir));
    overrides.catch(() => undefined);
    try {
      const ok = await targetPythons(opts);
      const resolver = new Resolver(client, isFileUrl(opts.registry), opts.pinned);
      // One resolver for every attempt (keep-going.ts): each page is fetched once.
      const attempt = (some: Spec[]): ReturnType<typeof resolvePerInterpreter<PythonInterpreter, TargetPins>> => {
        const reqs = some.map((s) => roots[specs.indexOf(s)]!);
        return resolvePerInterpreter(ok, (p) => resolveTarget(resolver, reqs, target(p)), opts, 'Python');
      };
      const { value, kept, rootFailures } = await keepResolvingSpecs(specs, opts.keepGoing, attempt);
      const failed = rootFailures.length > 0 ? { rootFailures } : {};
      if (value === undefined) return { roots: [], recipes: [], ...failed };
      const { results, failures } = value;
      const recipes = recipesFromPins(results, await overrides);
      const rootPurls = pinnedRoots(
        'pypi',
        results,
        kept.map((s) => roots[specs.indexOf(s)]!.normalized),
        (tp, name) => tp.runtime.get(name)!,
      );
      return { roots: rootPurls, recipes, ...(failures.length > 0 ? { failures } : {}), ...failed };
    } finally {
      await client.close();
    }
  }
}

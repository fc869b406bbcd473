import { discoverRubies, missingRubiesError } from '../../src/interpreters/ruby.js';
import type { Spec } from '../../src/purl/purl.js';
import type { Importer, ImportOptions, Resolution } from '../importer.js';
import { keepResolvingSpecs } from '../keep-going.js';
import { pinnedRoots, resolvePerInterpreter } from '../matrix.js';
import { gemIndex } from './gem-index.js';
import type { GemRelease } from './gem-index.js';
import { isValidGemVersion } from './gem-version.js';
import { GemResolver, type GemPin } from './resolve.js';
import { gemFacts, type GemFacts } from './gem-facts.js';
import { gemRecipes } from './to-recipe.js';

/** rubygems.org: the compact index Bundler uses, the JSON API otherwise. */
export const DEFAULT_SOURCE = 'https://rubygems.org/';

/** `gem:rack`, `gem:rack@3.0.8` (exact) or `gem:rails@~> 7.1` (a Gem::Requirement). */
export function specRequirement(s: Spec): { name: string; requirement: string } {
  if (s.range === undefined) return { name: s.name, requirement: '' };
  const r = s.range.trim();
  return { name: s.name, requirement: isValidGemVersion(r) ? `= ${r}` : r };
}

export class GemImporter implements Importer {
  readonly ecosystem = 'gem' as const;

  async resolveClosure(specs: Spec[], opts: ImportOptions): Promise<Resolution> {
    const found = await discoverRubies();
    const wanted = opts.interpreters ?? found.map((r) => r.version);
    const missing = wanted.filter((v) => !found.some((r) => r.version === v));
    if (missing.length > 0) throw missingRubiesError(missing, found);
    const index = gemIndex(opts.registry ?? DEFAULT_SOURCE);
    try {
      const roots = specs.map(specRequirement);
      const { loadOverrides } = await import('../../src/overrides/table.js');
      const overrides = await loadOverrides('gem', opts.overridesDir);
      const resolver = new GemResolver(index, (name) => overrides.rowsFor(name).some((r) => r.build.length > 0), opts.pinned);
      const rubies = found.filter((r) => wanted.includes(r.version));
      // One resolver for every attempt (keep-going.ts): each index page is fetched once.
      const attempt = (some: Spec[]): ReturnType<typeof resolvePerInterpreter<(typeof rubies)[number], Map<string, GemPin>>> =>
        resolvePerInterpreter(
          rubies,
          (ruby) =>
            resolver.resolve(
              some.map((s) => roots[specs.indexOf(s)]!),
              { version: ruby.version, fullVersion: ruby.fullVersion, platform: { cpu: 'x86_64', os: 'linux', libc: 'gnu' } },
            ),
          opts,
          'Ruby',
        );
      const { value, kept, rootFailures } = await keepResolvingSpecs(specs, opts.keepGoing, attempt);
      const failed = rootFailures.length > 0 ? { rootFailures } : {};
      if (value === undefined) return { roots: [], recipes: [], ...failed };
      const { results: perRuby, failures } = value;
      const releases = [...perRuby.values()].flatMap((pins) => [...pins.values()].map((p) => p.release));
      const facts = await gemFacts(index, releases, opts.cacheDir, opts.concurrency);
      const factsOf = (r: GemRelease): GemFacts => facts.get(r.gemUrl)!;
      const recipes = gemRecipes(perRuby, factsOf, overrides);
      const rootPurls = pinnedRoots(
        'gem',
        perRuby,
        kept.map((s) => roots[specs.indexOf(s)]!.name),
        (pins, name) => pins.get(name)!,
      );
      return { roots: rootPurls, recipes, ...(failures.length > 0 ? { failures } : {}), ...failed };
    } finally {
      await index.close();
    }
  }
}

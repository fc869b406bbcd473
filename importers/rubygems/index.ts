import { UserError } from '../../src/errors/index.js';
import { discoverRubies, missingRubiesError } from '../../src/interpreters/ruby.js';
import type { Purl, Spec } from '../../src/purl/purl.js';
import type { Importer, ImportOptions, Resolution } from '../importer.js';
import { gemIndex } from './gem-index.js';
import type { GemRelease } from './gem-index.js';
import { isValidGemVersion } from './gem-version.js';
import { GemResolver } from './resolve.js';
import type { GemPin } from './resolve.js';
import { gemRecipes, sha256Hex } from './to-recipe.js';

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
      const resolver = new GemResolver(index, (name) => overrides.rowsFor(name).some((r) => r.build.length > 0));
      const perRuby = new Map<string, Map<string, GemPin>>();
      const failures: string[] = [];
      for (const ruby of found.filter((r) => wanted.includes(r.version))) {
        try {
          perRuby.set(ruby.version, await resolver.resolve(roots, { version: ruby.version, fullVersion: ruby.fullVersion, platform: { cpu: 'x86_64', os: 'linux', libc: 'gnu' } }));
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          failures.push(err.message);
        }
      }
      if (perRuby.size === 0) throw new UserError('ERESOLVE', failures[0] ?? 'nothing to resolve');
      for (const f of failures.slice(1)) opts.onNote?.(`error: ${f}`);
      // A source without checksums: download once and pin what came.
      const shas = new Map<string, string>();
      for (const pins of perRuby.values()) {
        for (const p of pins.values()) {
          if (p.release.sha256 === undefined && !shas.has(p.release.gemUrl)) shas.set(p.release.gemUrl, sha256Hex(await index.download(p.release)));
        }
      }
      const shaOf = (r: GemRelease): string => r.sha256 ?? shas.get(r.gemUrl)!;
      const recipes = gemRecipes(perRuby, shaOf, overrides);
      const rootPurls = new Map<string, Purl>();
      for (const pins of perRuby.values()) {
        for (const r of roots) {
          const p = pins.get(r.name)!;
          rootPurls.set(`${p.name}@${p.version}`, { type: 'gem', name: p.name, version: p.version });
        }
      }
      return { roots: [...rootPurls.values()], recipes, ...(failures.length > 0 ? { failures } : {}) };
    } finally {
      await index.close();
    }
  }
}

import { overrideBuild, overrideNative } from '../../src/overrides/recipe-fields.js';
import type { OverrideRow, OverrideTable } from '../../src/overrides/table.js';
import { formatPurl } from '../../src/purl/purl.js';
import { compareInterpreters } from '../../src/recipe/index.js';
import type { Recipe, RecipeDependency, RecipeSource } from '../../src/recipe/index.js';
import type { GemFacts } from './gem-facts.js';
import type { GemRelease } from './gem-index.js';
import { satisfiesGem } from './gem-requirement.js';
import type { GemPin } from './resolve.js';

/** The floor for SOURCE_DATE_EPOCH (zip's and the packer's 1980-01-01), for gems dated earlier or not at all. */
export const GEM_FALLBACK_EPOCH = 315532800;

export function matchGemOverride(table: OverrideTable, name: string, version: string): OverrideRow | undefined {
  return table.match(name, version, satisfiesGem);
}

/**
 * One recipe per gem version across the Rubies: sources (a platform gem for one Ruby, the plain
 * one for another) and dependencies say which Rubies they apply to when not all.
 */
export function gemRecipes(
  perRuby: Map<string, Map<string, GemPin>>,
  factsOf: (r: GemRelease) => GemFacts,
  overrides: OverrideTable,
): Recipe[] {
  const groups = new Map<string, Map<string, { pin: GemPin; versions: Map<string, string> }>>();
  for (const [ruby, pins] of perRuby) {
    for (const pin of pins.values()) {
      const key = `${pin.name}@${pin.version}`;
      const g = groups.get(key) ?? new Map();
      g.set(ruby, { pin, versions: new Map(pin.deps.map((d) => [d, pins.get(d)!.version])) });
      groups.set(key, g);
    }
  }
  return [...groups.values()].map((g) => toRecipe(g, factsOf, overrides)).sort((a, b) => (a.purl < b.purl ? -1 : 1));
}

function toRecipe(
  g: Map<string, { pin: GemPin; versions: Map<string, string> }>,
  factsOf: (r: GemRelease) => GemFacts,
  overrides: OverrideTable,
): Recipe {
  const rubies = [...g.keys()].sort(compareInterpreters);
  const only = (ts: string[]): { interpreters?: string[] } =>
    ts.length === rubies.length ? {} : { interpreters: ts.sort(compareInterpreters) };
  const sources = new Map<string, { release: GemRelease; rubies: string[] }>();
  const deps = new Map<string, { name: string; purl: string; rubies: string[] }>();
  for (const ruby of rubies) {
    const { pin, versions } = g.get(ruby)!;
    const s = sources.get(pin.release.gemUrl) ?? { release: pin.release, rubies: [] };
    s.rubies.push(ruby);
    sources.set(pin.release.gemUrl, s);
    for (const [name, version] of versions) {
      const purl = formatPurl({ type: 'gem', name, version });
      const d = deps.get(purl) ?? { name, purl, rubies: [] };
      d.rubies.push(ruby);
      deps.set(purl, d);
    }
  }
  const first = g.get(rubies[0]!)!.pin;
  const override = matchGemOverride(overrides, first.name, first.version);
  const source: RecipeSource[] = [...sources.values()].map(({ release, rubies: rs }) => ({
    url: release.gemUrl,
    integrity: `sha256-${Buffer.from(factsOf(release).sha256, 'hex').toString('base64')}`,
    kind: 'gem',
    filename: release.gemUrl.slice(release.gemUrl.lastIndexOf('/') + 1),
    ...only(rs),
  }));
  const facts = [...sources.values()].map((s) => factsOf(s.release));
  // The latest spec date among the sources (one per platform), so the recipe does not depend on their order.
  const epoch = Math.max(GEM_FALLBACK_EPOCH, ...facts.map((f) => f.date ?? 0));
  const compiles = facts.some((f) => f.extensions.length > 0);
  const dependency: RecipeDependency[] = [...deps.values()].map((d) => ({
    name: d.name,
    purl: d.purl,
    kind: 'runtime',
    ...only(d.rubies),
  }));
  return {
    format: 1,
    purl: formatPurl({ type: 'gem', name: first.name, version: first.version }),
    source_date_epoch: epoch,
    source,
    dependency,
    build: {
      // `gem install` runs for every gem (it writes the specification and, for some, compiles).
      native: true,
      reasons: compiles ? ['gem-install', 'extension'] : ['gem-install'],
      requires: override?.requires ?? [],
      interpreters: rubies,
      ...(first.release.requiredRuby !== undefined ? { engines: first.release.requiredRuby } : {}),
      ...overrideBuild(override),
    },
    ...overrideNative(override),
  } as Recipe;
}

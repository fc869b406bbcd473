/**
 * Debian packages from the host's apt: `deb:libc6` (apt's candidate) or `deb:libc6@2.36-9+deb12u10`
 * (that exact version, which apt must still list). The closure is Depends and Pre-Depends, never
 * Recommends or Suggests, as apt resolves them on an empty system (see apt.ts).
 */
import { UserError } from '../../src/errors/index.js';
import type { Purl, Spec } from '../../src/purl/purl.js';
import { purlProblem } from '../../src/recipe/schema.js';
import type { Importer, ImportOptions, Resolution } from '../importer.js';
import { keepResolvingSpecs } from '../keep-going.js';
import { debLocations, showPackages, simulateInstall } from './apt.js';
import { satisfier } from './control.js';
import { debEpochs } from './deb-facts.js';
import { debPurl, debRecipe } from './to-recipe.js';

function checkSpec(s: Spec): void {
  if (s.range === undefined) return;
  if (purlProblem(debPurl({ name: s.name, version: s.range })) !== undefined) {
    throw new UserError(
      'ESPEC',
      `deb:${s.name}@${s.range}: a Debian spec takes one exact version (deb:${s.name}@2.36-9+deb12u10) or none (apt's candidate); see \`apt-cache policy ${s.name}\``,
    );
  }
}

export class DebImporter implements Importer {
  readonly ecosystem = 'deb' as const;

  async resolveClosure(specs: Spec[], opts: ImportOptions): Promise<Resolution> {
    specs.forEach(checkSpec);
    const install = (some: Spec[]): ReturnType<typeof simulateInstall> =>
      simulateInstall(
        some.map((s) => ({ name: s.name, version: s.range })),
        some.map((s) => (s.range === undefined ? `deb:${s.name}` : `deb:${s.name}@${s.range}`)).join(' '),
      );
    const { value, kept, rootFailures } = await keepResolvingSpecs(specs, opts.keepGoing, install);
    const failed = rootFailures.length > 0 ? { rootFailures } : {};
    if (value === undefined) return { roots: [], recipes: [], ...failed };
    const chosen = value;
    opts.onProgress?.({ resolved: 0, discovered: chosen.length });
    const set = await showPackages(chosen);
    const locations = await debLocations(chosen);
    let done = 0;
    const epochs = await debEpochs(locations, opts.cacheDir, opts.concurrency ?? 16, () =>
      opts.onProgress?.({ resolved: ++done, discovered: chosen.length }),
    );
    const recipes = [...set.values()]
      .map((p) => debRecipe(p, set, locations.get(p.name)!, epochs.get(p.name)!))
      .sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
    const roots: Purl[] = kept.map((s) => {
      // A virtual package (`deb:libgcc1`) apt answered with its provider: found like any dependency.
      const p = satisfier([{ name: s.name, ...(s.range === undefined ? {} : { op: '=', version: s.range }) }], set);
      if (p === undefined)
        throw new UserError(
          'EAPT',
          `apt resolved deb:${s.name} to nothing to install: request a real package (\`apt-cache showpkg ${s.name}\` lists its providers)`,
        );
      if (p.name !== s.name) opts.onNote?.(`deb:${s.name} is a virtual package: apt selects ${p.name}`);
      return { type: 'deb', name: p.name, version: p.version };
    });
    return { roots, recipes, ...failed };
  }
}

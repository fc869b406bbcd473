/** One recipe per resolved Debian package: the .deb pinned by apt's sha256, its runtime dependencies by purl. */
import { UserError } from '../../src/errors/index.js';
import { formatPurl } from '../../src/purl/purl.js';
import type { Recipe, RecipeDependency } from '../../src/recipe/index.js';
import type { DebLocation } from './apt.js';
import { satisfier, showAlternatives, type PackageStanza } from './control.js';
import { sriFromHex } from './deb-facts.js';

export const debPurl = (p: { name: string; version: string }): string => formatPurl({ type: 'deb', name: p.name, version: p.version });

/**
 * Each Depends/Pre-Depends item becomes the package of apt's solution that satisfies it (the
 * first fitting alternative, or a provider of a virtual package). apt's solution satisfies every
 * one, so a miss means the metadata changed under us (an `apt-get update` in between).
 */
export function dependenciesOf(p: PackageStanza, set: ReadonlyMap<string, PackageStanza>): RecipeDependency[] {
  const deps = new Map<string, RecipeDependency>();
  for (const alts of p.depends) {
    const by = satisfier(alts, set);
    if (by === undefined) {
      throw new UserError(
        'EAPT',
        `apt's solution leaves ${p.name} ${p.version}'s dependency "${showAlternatives(alts)}" unsatisfied: run the import again (did \`apt-get update\` run meanwhile?)`,
      );
    }
    if (by.name === p.name) continue;
    const purl = debPurl(by);
    deps.set(purl, { name: by.name, purl, kind: 'runtime' });
  }
  return [...deps.values()];
}

export function debRecipe(p: PackageStanza, set: ReadonlyMap<string, PackageStanza>, loc: DebLocation, epoch: number): Recipe {
  return {
    format: 1,
    purl: debPurl(p),
    source_date_epoch: epoch,
    source: [{ url: loc.url, integrity: sriFromHex(loc.sha256), kind: 'deb', filename: loc.filename }],
    dependency: dependenciesOf(p, set),
    // Nothing runs at build time: the data is unpacked, the maintainer scripts are dropped.
    build: { native: false, reasons: [], requires: [], interpreters: [] },
  };
}

/**
 * An audit: each image's packages against the advisory index. Packages are matched by the purl
 * they were built from (a package and its `-bin` share one, and are reported once); each affected
 * one gets the upgrade that leaves every advisory found (the highest of their lowest fixes), and,
 * when the image says what depends on what, the roots (packages nothing else in the image needs)
 * that bring it in.
 */
import { parsePurl, type Purl } from '../purl/purl.js';
import type { PackageRef } from '../ecosystems/descriptor.js';
import type { AdvisoryIndex, Finding } from './advisory-index.js';

/** One package of an image to audit. */
export interface AuditedPackage {
  /** bale's package name (`node-lodash`). */
  name: string;
  version: string;
  /** The purl it was built from; one bale does not parse (a `pkg:generic` bridge) is passed over. */
  purl: string | undefined;
  /**
   * Its runtime dependencies, by name and version, when known: from a store's manifests or a
   * registry layer's `dev.bale.depends`.
   */
  depends: { name: string; version: string }[] | undefined;
}

export interface AuditTarget {
  /** The image as the user knows it: `host/ns/app:1`, or `app:1 (app.image.toml)`. */
  image: string;
  /** The image file it was read from; undefined for a registry's image. */
  source: string | undefined;
  packages: AuditedPackage[];
}

export interface AffectedPackage {
  purl: string;
  /** bale's package names built from this purl, sorted (`node-x`, `node-x-bin`). */
  packages: string[];
  /** The upstream version installed (the purl's). */
  version: string;
  /** The name and version the advisories were matched against, where they name it otherwise (a Debian binary's source package). */
  matchedAs: PackageRef | undefined;
  advisories: Finding[];
  /** The roots that reach it, sorted; undefined when the image does not say what depends on what. */
  roots: string[] | undefined;
  /** The lowest version that leaves every advisory listed here with a fix; undefined when one has none. */
  upgrade: string | undefined;
}

export interface ImageAudit {
  image: string;
  source: string | undefined;
  packages: number;
  affected: AffectedPackage[];
}

const nodeKey = (name: string, version: string): string => `${name}@${version}`;

/** `names`: how advisories name a package (by purl text) where that differs from its purl (advisory-names.ts). */
export function auditImage(target: AuditTarget, index: AdvisoryIndex, names: ReadonlyMap<string, PackageRef> = new Map()): ImageAudit {
  const byPurl = new Map<string, { purl: Purl; packages: AuditedPackage[] }>();
  for (const p of target.packages) {
    if (p.purl === undefined) continue;
    let purl: Purl;
    try {
      purl = parsePurl(p.purl);
    } catch {
      continue;
    }
    const seen = byPurl.get(p.purl);
    if (seen === undefined) byPurl.set(p.purl, { purl, packages: [p] });
    else seen.packages.push(p);
  }
  const rootsOf = rootFinder(target.packages);
  const affected: AffectedPackage[] = [];
  for (const [text, { purl, packages }] of byPurl) {
    const as = names.get(text);
    const advisories = index.match(purl, as);
    if (advisories.length === 0) continue;
    affected.push({
      purl: text,
      packages: packages.map((p) => p.name).sort(),
      version: purl.version,
      matchedAs: as,
      advisories,
      roots: rootsOf?.(packages),
      upgrade: upgradeFor(advisories, (a, b) => index.compare(purl.type, a, b)),
    });
  }
  // In the image file's order: by package name.
  affected.sort((a, b) => (a.packages[0]! < b.packages[0]! ? -1 : a.packages[0]! > b.packages[0]! ? 1 : a.purl < b.purl ? -1 : 1));
  return { image: target.image, source: target.source, packages: target.packages.length, affected };
}

/** The highest of the advisories' fixes: below it, one of them still applies. Undefined when one names no fix. */
function upgradeFor(advisories: Finding[], compare: (a: string, b: string) => number): string | undefined {
  let best: string | undefined;
  for (const f of advisories) {
    if (f.fixed === undefined) return undefined;
    if (best === undefined || compare(f.fixed, best) > 0) best = f.fixed;
  }
  return best;
}

/**
 * Which roots reach a set of packages: undefined unless every package of the image says its depends.
 * Packages built from one purl (`node-x` and its `-bin`) are one node, named by its shortest name, so
 * the root named is what was asked for. Roots are the nodes no other one depends on; a package
 * reaches back to them through its dependents.
 */
function rootFinder(packages: AuditedPackage[]): ((of: AuditedPackage[]) => string[]) | undefined {
  if (packages.length === 0 || packages.some((p) => p.depends === undefined)) return undefined;
  const group = new Map(packages.map((p) => [nodeKey(p.name, p.version), p.purl ?? nodeKey(p.name, p.version)]));
  const shown = new Map<string, string>();
  for (const p of packages) {
    const g = group.get(nodeKey(p.name, p.version))!;
    const name = shown.get(g);
    if (name === undefined || p.name.length < name.length || (p.name.length === name.length && p.name < name)) shown.set(g, p.name);
  }
  const dependents = new Map<string, Set<string>>();
  for (const p of packages) {
    const from = group.get(nodeKey(p.name, p.version))!;
    for (const d of p.depends!) {
      const to = group.get(nodeKey(d.name, d.version));
      if (to === undefined || to === from) continue;
      let set = dependents.get(to);
      if (set === undefined) dependents.set(to, (set = new Set()));
      set.add(from);
    }
  }
  return (of) => {
    const roots = new Set<string>();
    const seen = new Set<string>();
    const stack = of.map((p) => group.get(nodeKey(p.name, p.version))!);
    while (stack.length > 0) {
      const g = stack.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      const up = dependents.get(g);
      if (up === undefined || up.size === 0) roots.add(shown.get(g)!);
      else stack.push(...up);
    }
    return [...roots].sort();
  };
}

/**
 * The node_modules tree npm would lay out, kept only to decide versions the way npm (arborist)
 * does: a dependency is what its dependent resolves by walking up the folders, so what the tree
 * already holds decides before the registry does. Pure data and queries; the placing is place.ts.
 */
import semver from 'semver';
import type { DependencyKind } from '../../src/recipe/index.js';
import type { NpmVersion } from './packument.js';

/** One version picked from the registry. */
export interface Picked {
  name: string;
  version: string;
  manifest: NpmVersion;
  time: string | undefined;
}

/** A dependency as a package declares it, its spec already turned into a registry name and range. */
export interface TreeEdge {
  /** The folder name it is required by (differs from `name` for `npm:` aliases). */
  as: string;
  name: string;
  range: string;
  kind: DependencyKind;
}

const collate = new Intl.Collator('en').compare;

/** One folder of the tree: the project root (no package) or a package in some node_modules. */
export class Place {
  readonly children = new Map<string, Place>();
  parent: Place | undefined;
  /** The folder whose dependency brought it in: its peers are chosen in that one's context. */
  source: Place | undefined;

  constructor(
    /** Undefined for the project root. */
    readonly pkg: Picked | undefined,
    readonly as: string,
    /** What it asks for (specs that name no registry version are in `unreadable`). */
    readonly edges: readonly TreeEdge[],
    /** How the tree reached it first, for messages: ["a@1.0.0", "b@2.0.0"]. */
    readonly chain: readonly string[],
    /** For a cycle npm links to an ancestor: the ancestor. */
    readonly linkTo?: Place,
    /** Dependencies whose spec could not be read: an error when it is processed (a note for optional ones). */
    readonly unreadable: readonly { kind: DependencyKind; error: Error }[] = [],
  ) {}

  get isRoot(): boolean {
    return this.pkg === undefined;
  }

  get depth(): number {
    let d = 0;
    for (let p = this.parent; p !== undefined; p = p.parent) d++;
    return d;
  }

  /** Its location, as npm's lockfile keys: node_modules/a/node_modules/b. */
  get path(): string {
    return this.parent === undefined ? '' : `${this.parent.path === '' ? '' : `${this.parent.path}/`}node_modules/${this.as}`;
  }

  /** Still in the tree (a replaced or pruned folder is not). */
  attachedTo(root: Place): boolean {
    let p: Place = this;
    while (p.parent !== undefined) {
      if (p.parent.children.get(p.as) !== p) return false;
      p = p.parent;
    }
    return p === root;
  }

  *ancestry(): Generator<Place> {
    for (let p: Place | undefined = this; p !== undefined; p = p.parent) yield p;
  }

  /** What `require(as)` finds from here: its own node_modules, then each parent's. */
  resolve(as: string): Place | undefined {
    for (const p of this.ancestry()) {
      const c = p.children.get(as);
      if (c !== undefined) return c;
    }
    return undefined;
  }

  edgeTo(as: string): TreeEdge | undefined {
    return this.edges.find((e) => e.as === as);
  }

  isDescendantOf(other: Place): boolean {
    for (let p = this.parent; p !== undefined; p = p.parent) if (p === other) return true;
    return false;
  }

  /** The package a link stands for, else its own. */
  get real(): Picked | undefined {
    return this.linkTo?.pkg ?? this.pkg;
  }

  get id(): string {
    return this.pkg === undefined ? '(root)' : `${this.pkg.name}@${this.pkg.version}`;
  }
}

/** As arborist's depValid: the name must match; `*` and dist-tags take any version; else the range must. */
export function admits(edge: TreeEdge, pkg: Picked | undefined): boolean {
  if (pkg === undefined || pkg.name !== edge.name) return false;
  const range = edge.range.trim();
  if (range === '' || range === '*') return true;
  if (semver.validRange(range, { loose: true }) === null) return true;
  return semver.satisfies(pkg.version, range, { loose: true });
}

/** The first place upward from `start` where `as` may go: a folder that has `as` as a peer is skipped. */
export function deepestNestingTarget(start: Place, as: string): Place {
  for (const t of start.ancestry()) {
    if (t.isRoot || t.edgeTo(as)?.kind !== 'peer') return t;
  }
  return start;
}

/** Every folder of the tree, shallow first, then by path (arborist's queue order). */
export function walk(root: Place): Place[] {
  const out: Place[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of p.children.values()) stack.push(c);
  }
  return sortQueue(out);
}

/** The order of two folders' paths at the same depth (arborist's, by locale). */
export const comparePlaces = (a: string, b: string): number => collate(a, b);

export function sortQueue(places: Place[]): Place[] {
  const keyed = places.map((p) => ({ p, depth: p.depth, path: p.path }));
  keyed.sort((a, b) => a.depth - b.depth || collate(a.path, b.path));
  return keyed.map((k) => k.p);
}

/**
 * Where a picked version goes in the tree, and with it the peers it brings: arborist's PlaceDep and
 * CanPlaceDep, reduced to what decides versions. From the dependent's folder upward, the highest
 * folder where neither it nor its peers conflict wins; a folder already holding a version the edge
 * accepts keeps it (so a peer takes what the tree already has); a newer version replaces an older
 * one when everything depending on the older accepts it. Left out: arborist's moving of a
 * conflicting peer set deeper (such a case is a conflict here), links, overrides, bundles.
 */
import semver from 'semver';
import { admits, deepestNestingTarget, Place, type Picked, type TreeEdge } from './tree.js';

type Verdict = 'OK' | 'KEEP' | 'REPLACE' | 'CONFLICT';

interface Check {
  target: Place;
  /** For the package alone. */
  self: Verdict;
  /** With its peers. */
  all: Verdict;
}

export interface PlaceHooks {
  /** What a package asks for (cached by the caller). */
  edgesOf(pkg: Picked): readonly TreeEdge[];
  /** A new folder for a package. */
  make(pkg: Picked, as: string, chain: readonly string[]): Place;
  /** A folder whose dependencies must be looked at (again). */
  requeue(p: Place): void;
}

const same = (a: Picked | undefined, b: Picked): boolean => a !== undefined && a.name === b.name && a.version === b.version;

/** `p` is `top` or in its tree now: every folder on the way up is still its parent's child of that name. */
function inSubtree(p: Place, top: Place): boolean {
  for (let q = p; q !== top; q = q.parent!) {
    if (q.parent === undefined || q.parent.children.get(q.as) !== q) return false;
  }
  return true;
}

/** The folders on the way from `top` down to `p` (both included). */
function chainFrom(top: Place, p: Place): Place[] {
  const out: Place[] = [];
  for (let q: Place | undefined = p; q !== undefined; q = q.parent) {
    out.push(q);
    if (q === top) break;
  }
  return out.reverse();
}

export class Placer {
  /**
   * Every folder ever put in the tree, by the names it asks for and by its own name; one that has
   * left the tree is filtered out when read. Finding a folder's dependents (or copies) this way,
   * rather than walking its parent's whole subtree, keeps a tree of thousands of roots from being
   * quadratic: most placements are at the top, whose subtree is the whole tree.
   */
  private readonly wanting = new Map<string, Set<Place>>();
  private readonly named = new Map<string, Set<Place>>();
  private readonly known = new Set<Place>();
  /** A folder's position among its siblings (their Map's order): for walking copies in the order a depth-first walk would. */
  private readonly slot = new WeakMap<Place, number>();
  private slots = 0;

  constructor(private readonly hooks: PlaceHooks) {}

  private know(p: Place): void {
    if (this.known.has(p)) return;
    this.known.add(p);
    const add = (m: Map<string, Set<Place>>, k: string): void => {
      let s = m.get(k);
      if (s === undefined) m.set(k, (s = new Set()));
      s.add(p);
    };
    if (p.linkTo === undefined) for (const e of p.edges) add(this.wanting, e.as);
    add(this.named, p.as);
  }

  /** The folders whose edge resolves to `target`: only its parent's subtree can see it. */
  private dependents(target: Place): { from: Place; edge: TreeEdge }[] {
    const out: { from: Place; edge: TreeEdge }[] = [];
    const top = target.parent;
    if (top === undefined) return out;
    for (const p of this.wanting.get(target.as) ?? []) {
      if (p.linkTo !== undefined || !inSubtree(p, top)) continue;
      const e = p.edgeTo(target.as);
      if (e !== undefined && p.resolve(e.as) === target) out.push({ from: p, edge: e });
    }
    return out;
  }

  /** Depth-first order from a common top (as a walk popping a stack visits): a folder before its own, later siblings first. */
  private walkOrder(top: Place): (a: Place, b: Place) => number {
    return (a, b) => {
      const ca = chainFrom(top, a);
      const cb = chainFrom(top, b);
      for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
        if (ca[i] !== cb[i]) return (this.slot.get(cb[i]!) ?? 0) - (this.slot.get(ca[i]!) ?? 0);
      }
      return ca.length - cb.length;
    };
  }

  /**
   * Place `dep` for `edge` of `from`, then the peers of its set that the tree does not already
   * satisfy there. Returns the folder the edge now resolves to, or undefined when its peers conflict
   * everywhere (npm warns and leaves it).
   */
  place(dep: Picked, peers: ReadonlyMap<string, Picked>, edge: TreeEdge, from: Place, start: Place = from): Place | undefined {
    // Folders enter the tree through attach(); the root (and so any tree's first folder) through here.
    for (const a of from.ancestry()) {
      if (this.known.has(a)) break;
      this.know(a);
    }
    const now = from.resolve(edge.as);
    if (now !== undefined && admits(edge, now.real)) return now;
    const begin = deepestNestingTarget(start, edge.as);
    const deepest = deepestNestingTarget(from, edge.as);
    let can: Check | undefined;
    let self: Check | undefined;
    for (const target of begin.ancestry()) {
      if (!target.isRoot && target.edgeTo(edge.as)?.kind === 'peer') continue;
      const c = this.check(dep, peers, target, edge, from, deepest, from, []);
      if (c.self !== 'CONFLICT') self = c;
      if (c.all === 'CONFLICT') break;
      can = c;
    }
    const chosen = can ?? self;
    if (chosen === undefined) return undefined;
    const kind = chosen.all === 'CONFLICT' ? chosen.self : chosen.all;
    const { target } = chosen;
    if (kind === 'KEEP') return target.children.get(edge.as);
    // A cycle (a@1 > b > a@1 nested): npm links to the ancestor instead of nesting forever.
    for (const p of target.ancestry()) {
      if (!p.isRoot && same(p.pkg, dep)) return this.attach(target, new Place(p.pkg, edge.as, [], p.chain, p));
    }
    const placed = this.attach(target, this.hooks.make(dep, edge.as, [...from.chain, `${dep.name}@${dep.version}`]));
    placed.source = from;
    for (const d of this.dependents(placed)) if (d.from !== from && !admits(d.edge, dep)) this.hooks.requeue(d.from);
    this.pruneDuplicates(target, placed);
    this.hooks.requeue(placed);
    for (const pe of this.hooks.edgesOf(dep)) {
      if (pe.kind !== 'peer' || admits(pe, placed.resolve(pe.as)?.real)) continue;
      const peer = peers.get(pe.as);
      if (peer === undefined || !admits(pe, peer)) continue;
      this.place(peer, peers, pe, placed, begin);
    }
    return placed;
  }

  /** Put `p` at `target`; a folder of that name there is replaced and its children move over. */
  private attach(target: Place, p: Place): Place {
    const old = target.children.get(p.as);
    p.parent = target;
    // A Map keeps a replaced key where it was; a new key goes last.
    this.slot.set(p, old !== undefined ? (this.slot.get(old) ?? 0) : ++this.slots);
    target.children.set(p.as, p);
    this.know(p);
    if (old !== undefined && p.linkTo === undefined) {
      for (const [k, c] of old.children) {
        c.parent = p;
        p.children.set(k, c);
      }
      old.children.clear();
    }
    return p;
  }

  private check(
    dep: Picked,
    peers: ReadonlyMap<string, Picked>,
    target: Place,
    edge: TreeEdge,
    from: Place,
    deepest: Place,
    entryFrom: Place,
    path: readonly Picked[],
  ): Check {
    const current = target.children.get(edge.as);
    const targetEdge = target.edgeTo(edge.as);
    const fixed = (v: Verdict): Check => ({ target, self: v, all: v });
    if (targetEdge?.kind === 'peer' && !target.isRoot) return fixed('CONFLICT');
    if (current === undefined && targetEdge !== undefined && target !== from && !admits(targetEdge, dep)) return fixed('CONFLICT');
    let selfState: Verdict | undefined;
    const withPeers = (state: Verdict): Check => {
      selfState = state;
      return { target, self: state, all: this.peersFit(dep, peers, target, deepest, entryFrom, [...path, dep]) ? state : 'CONFLICT' };
    };
    const done = (c: Check): Check => (selfState !== undefined && c.self === 'CONFLICT' ? { ...c, self: selfState } : c);
    if (current === undefined) {
      // Placing here must not shadow a version that a folder below relies on.
      const shadowed = target !== entryFrom ? target.resolve(edge.as) : undefined;
      if (shadowed !== undefined) {
        for (const p of this.wanting.get(edge.as) ?? []) {
          if (p === target || p.linkTo !== undefined || !inSubtree(p, target)) continue;
          const e = p.edgeTo(edge.as);
          if (e !== undefined && p.resolve(e.as) === shadowed && admits(e, shadowed.real) && !admits(e, dep)) return fixed('CONFLICT');
        }
      }
      return withPeers('OK');
    }
    const cur = current.real;
    if (same(cur, dep)) return fixed('KEEP');
    const preferDedupe = edge.kind === 'peer' || path.length > 0;
    const newer = cur !== undefined && semver.gte(dep.version, cur.version, { loose: true });
    const replaceable = this.canReplace(current, dep);
    if (newer && replaceable) {
      const r = withPeers('REPLACE');
      if (r.all !== 'CONFLICT') return r;
    }
    if (admits(edge, cur)) return done(fixed('KEEP'));
    if (preferDedupe && !newer && replaceable) {
      const r = withPeers('REPLACE');
      if (r.all !== 'CONFLICT') return r;
    }
    if (target !== deepest) return done(fixed('CONFLICT'));
    if (edge.kind !== 'peer' && target === from) return withPeers('REPLACE');
    return done(fixed('CONFLICT'));
  }

  /** The peers of `dep`'s set can sit at (or above) `target` beside it. */
  private peersFit(
    dep: Picked,
    peers: ReadonlyMap<string, Picked>,
    target: Place,
    deepest: Place,
    entryFrom: Place,
    path: readonly Picked[],
  ): boolean {
    let fit = true;
    for (const pe of this.hooks.edgesOf(dep)) {
      if (pe.kind !== 'peer') continue;
      const peer = peers.get(pe.as);
      if (peer === undefined || path.some((p) => same(p, peer))) continue;
      const at = deepestNestingTarget(target, pe.as);
      const c = this.check(peer, peers, at, pe, target, deepestNestingTarget(deepest, pe.as), entryFrom, path);
      if (c.all === 'CONFLICT') fit = false;
    }
    return fit;
  }

  /** Everything that resolves to `current` (outside its own subtree) accepts `dep` instead. */
  private canReplace(current: Place, dep: Picked): boolean {
    if (current.real?.name !== dep.name) return false;
    return this.dependents(current).every((d) => d.from === current || d.from.isDescendantOf(current) || admits(d.edge, dep));
  }

  /** Copies below `target` that the one just placed (or another above them) now makes needless. */
  private pruneDuplicates(target: Place, placed: Place): void {
    const copies = [...(this.named.get(placed.as) ?? [])].filter((p) => inSubtree(p, target)).sort(this.walkOrder(target));
    for (const p of copies) {
      if (p === placed || p.as !== placed.as || p.parent === undefined || p.parent === target || p.parent.parent === undefined) continue;
      if (p.parent.children.get(p.as) !== p) continue;
      const other = p.parent.parent.resolve(p.as);
      if (other === undefined || other.real === undefined || p.real === undefined) continue;
      const ok = this.dependents(p).every((d) => d.from === p || d.from.isDescendantOf(p) || admits(d.edge, other.real));
      if (ok && semver.gte(other.real.version, p.real.version, { loose: true })) p.parent.children.delete(p.as);
    }
  }
}

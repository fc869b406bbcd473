/**
 * The backtracking search both matrix ecosystems resolve with (PyPI per CPython, RubyGems per Ruby):
 * requirements are taken in order; a name already pinned must satisfy each new one; otherwise its
 * candidates, best first, are tried in turn, each with what it asks for queued behind. Everything
 * known about a name (seen or still queued) is handed to the ecosystem, so candidates are filtered
 * by all of it and a conflict names every requirement involved. The ecosystem supplies only what
 * differs: its requirement type, candidates, dependencies and wording.
 */

export interface Want<Q> {
  name: string;
  req: Q;
  /** The package that asked (its name), undefined for what the user asked. */
  from: string | undefined;
  /** How the search got here, for errors: ["fxp-app 1.0.0"]. */
  chain: readonly string[];
}

/** A chosen version; `deps` (names) is filled in by the search as requirements meet it. */
export interface Pinned {
  name: string;
  version: string;
  deps: readonly string[];
}

export interface Conflict<Q> {
  name: string;
  why: string;
  wants: Want<Q>[];
  depth: number;
}

export interface Provider<Q, C, P extends Pinned> {
  /** Candidates for `w`, best first, admitted by every requirement in `known` (all on w's name). */
  candidates(w: Want<Q>, known: readonly Want<Q>[]): Promise<C[]>;
  /** Why `candidates` found none. */
  noneWhy(w: Want<Q>, known: readonly Want<Q>[]): Promise<string>;
  /** Pin a candidate and say what it asks for; undefined skips it (it turned out not to fit). */
  expand(c: C, w: Want<Q>): Promise<{ pin: P; wants: Want<Q>[] } | undefined>;
  /** `w` meets an existing pin: undefined when it does not admit it, else the (updated) pin and what more it asks. */
  revisit(pinned: P, w: Want<Q>): { pin: P; wants: Want<Q>[] } | undefined;
  /** Why every candidate was skipped by `expand`. */
  exhaustedWhy: string;
  /** Called when the search exceeds its budget: the error to throw. */
  tooComplex(w: Want<Q>): Error;
  /** Start fetching what a queued requirement will need (optional). */
  prefetch?(w: Want<Q>): void;
}

export type Outcome<Q, P> = { pins: ReadonlyMap<string, P> } | { conflict: Conflict<Q> };

/** Bounds the backtracking: a closure that needs more is reported, not searched forever. */
export const MAX_STEPS = 20000;

function addDep<P extends Pinned>(pins: ReadonlyMap<string, P>, from: string | undefined, name: string): ReadonlyMap<string, P> {
  if (from === undefined || from === name) return pins;
  const p = pins.get(from);
  if (p === undefined || p.deps.includes(name)) return pins;
  return new Map(pins).set(from, { ...p, deps: [...p.deps, name].sort() });
}

export async function backtrack<Q, C, P extends Pinned>(provider: Provider<Q, C, P>, roots: Want<Q>[]): Promise<Outcome<Q, P>> {
  let steps = 0;
  for (const w of roots) provider.prefetch?.(w);
  const solve = async (queue: Want<Q>[], pins: ReadonlyMap<string, P>, seen: readonly Want<Q>[], depth: number): Promise<Outcome<Q, P>> => {
    if (queue.length === 0) return { pins };
    const [w, ...rest] = queue as [Want<Q>, ...Want<Q>[]];
    const wants = [...seen, w];
    const known = [...wants, ...rest].filter((x) => x.name === w.name);
    const withDep = addDep(pins, w.from, w.name);
    const pinned = pins.get(w.name);
    if (pinned !== undefined) {
      const met = provider.revisit(pinned, w);
      if (met === undefined) return { conflict: { name: w.name, why: `${pinned.version} was chosen`, wants: known, depth } };
      const next = met.pin === pinned ? withDep : new Map(withDep).set(w.name, met.pin);
      return solve([...rest, ...met.wants], next, wants, depth + 1);
    }
    const candidates = await provider.candidates(w, known);
    if (candidates.length === 0) return { conflict: { name: w.name, why: await provider.noneWhy(w, known), wants: known, depth } };
    let deepest: Conflict<Q> | undefined;
    for (const c of candidates) {
      if (++steps > MAX_STEPS) throw provider.tooComplex(w);
      const expanded = await provider.expand(c, w);
      if (expanded === undefined) continue;
      for (const x of expanded.wants) provider.prefetch?.(x);
      const out = await solve([...rest, ...expanded.wants], new Map(withDep).set(w.name, expanded.pin), wants, depth + 1);
      if ('pins' in out) return out;
      if (deepest === undefined || out.conflict.depth >= deepest.depth) deepest = out.conflict;
    }
    return { conflict: deepest ?? { name: w.name, why: provider.exhaustedWhy, wants: known, depth } };
  };
  return solve(roots, new Map(), [], 0);
}

import { UserError } from '../../src/errors/index.js';
import { DistMetadata } from './dist-metadata.js';
import type { DistInfo } from './dist-metadata.js';
import { markerEnv } from './environment.js';
import type { MarkerEnv, PythonTarget } from './environment.js';
import type { IndexClient } from './index-types.js';
import { dependenciesFor } from './metadata.js';
import { chooseDist, releasesOf } from './releases.js';
import type { ChosenDist, Release } from './releases.js';
import { formatRequirement } from './requirement.js';
import type { Requirement } from './requirement.js';
import type { TagTarget } from './tags.js';
import { compareVersions, requiresPythonAllows, satisfies } from './versions.js';

export interface ResolveTarget {
  python: PythonTarget;
  tags: TagTarget;
}

/** One distribution chosen for one target. */
export interface Pin {
  /** PEP 503 normalised. */
  name: string;
  version: string;
  dist: ChosenDist;
  info: DistInfo;
  extras: readonly string[];
  /** What this package needs at run time on this target (normalised names), extras' needs included. */
  deps: readonly string[];
}

interface Want {
  name: string;
  req: Requirement;
  /** The package that asked (normalised), undefined for what the user asked. */
  from: string | undefined;
  /** How the resolution got here, for errors: "fxp-app 1.0.0 > fxp-lib>=1.0". */
  chain: readonly string[];
}

interface Conflict {
  name: string;
  why: string;
  wants: Want[];
  depth: number;
}

type Outcome = { pins: ReadonlyMap<string, Pin> } | { conflict: Conflict };

/** Bounds the backtracking; a closure that needs more is reported, not searched forever. */
const MAX_STEPS = 20000;

const describe = (w: Want): string => `${formatRequirement(w.req)}${w.chain.length > 0 ? ` (from ${w.chain.join(' > ')})` : ' (asked for)'}`;

/**
 * One version per distribution for one interpreter, found depth-first with backtracking: the
 * newest candidate first, the next one when what it needs cannot be satisfied. Deterministic:
 * candidates and requirements are visited in a fixed order.
 */
export class Resolver {
  private readonly meta: DistMetadata;
  private readonly releases = new Map<string, Promise<Release[]>>();
  private steps = 0;

  constructor(private readonly client: IndexClient) {
    this.meta = new DistMetadata(client);
  }

  private releasesOf(name: string, chain: readonly string[]): Promise<Release[]> {
    let p = this.releases.get(name);
    if (p === undefined) {
      p = this.client.project(name).then(
        (pf) => releasesOf(pf, name),
        (err: unknown) => {
          if (err instanceof UserError && chain.length > 0) throw new UserError(err.code, `${err.message} (required by ${chain.join(' > ')})`);
          throw err;
        },
      );
      p.catch(() => undefined);
      this.releases.set(name, p);
    }
    return p;
  }

  async resolve(roots: Requirement[], t: ResolveTarget): Promise<Map<string, Pin>> {
    this.steps = 0;
    const env = markerEnv(t.python);
    const queue: Want[] = roots.map((req) => ({ name: req.normalized, req, from: undefined, chain: [] }));
    for (const w of queue) void this.releasesOf(w.name, w.chain).catch(() => undefined);
    const out = await this.solve(queue, new Map(), [], env, t, 0);
    if ('conflict' in out) throw conflictError(out.conflict, t);
    return new Map(out.pins);
  }

  /** Releases a requirement admits for the target, newest first, each with the file it would use. */
  private async candidates(w: Want, t: ResolveTarget): Promise<{ version: string; dist: ChosenDist }[]> {
    const releases = await this.releasesOf(w.name, w.chain);
    const exact = /^={2,3}[^,*]+$/.test(w.req.specifier);
    const pick = (prereleases: boolean | undefined): { version: string; dist: ChosenDist }[] => {
      const out: { version: string; dist: ChosenDist }[] = [];
      for (const r of releases) {
        // PEP 592: a yanked release is only for whoever pins it exactly.
        if (r.yanked && !exact) continue;
        if (!satisfies(r.version, w.req.specifier, prereleases === undefined ? {} : { prereleases })) continue;
        const dist = chooseDist(r, t.tags);
        if (dist === undefined || !requiresPythonAllows(dist.file.requiresPython, t.python)) continue;
        out.push({ version: r.version, dist });
      }
      return out;
    };
    const finals = pick(undefined);
    // As pip: pre-releases only when nothing else satisfies.
    return finals.length > 0 ? finals : pick(true);
  }

  private async solve(queue: Want[], pins: ReadonlyMap<string, Pin>, seen: readonly Want[], env: MarkerEnv, t: ResolveTarget, depth: number): Promise<Outcome> {
    if (queue.length === 0) return { pins };
    const [w, ...rest] = queue as [Want, ...Want[]];
    const wants = [...seen, w];
    // Every constraint known on this name, seen or still queued: a conflict names them all.
    const known = [...wants, ...rest].filter((x) => x.name === w.name);
    const pinned = pins.get(w.name);
    if (pinned !== undefined) {
      const withDep = addDep(pins, w.from, w.name);
      if (!satisfies(pinned.version, w.req.specifier, { prereleases: true })) {
        return { conflict: { name: w.name, why: `${pinned.version} was chosen`, wants: known, depth } };
      }
      const added = w.req.extras.filter((e) => !pinned.extras.includes(e));
      if (added.length === 0) return this.solve(rest, withDep, wants, env, t, depth + 1);
      const extras = [...pinned.extras, ...added].sort();
      const more = this.extraWants(pinned, extras, w, env);
      const next = new Map(withDep).set(w.name, { ...pinned, extras });
      return this.solve([...rest, ...more], next, wants, env, t, depth + 1);
    }
    // Candidates must satisfy what is already known about the name, not only this requirement.
    const others = known.filter((x) => x !== w).map((x) => x.req.specifier).filter((s) => s !== '');
    const candidates = (await this.candidates(w, t)).filter((c) => others.every((s) => satisfies(c.version, s, { prereleases: true })));
    if (candidates.length === 0) {
      const releases = await this.releasesOf(w.name, w.chain);
      const alone = others.length > 0 && (await this.candidates(w, t)).length > 0;
      return { conflict: { name: w.name, why: alone ? 'no version satisfies all of them' : noCandidateWhy(releases, t), wants: known, depth } };
    }
    let deepest: Conflict | undefined;
    for (const c of candidates) {
      if (++this.steps > MAX_STEPS) {
        throw new UserError('ERESOLVE', `resolving for Python ${t.python.version} took more than ${MAX_STEPS} steps (last at ${w.name}): pin some versions exactly to narrow the search`);
      }
      const info = await this.meta.get(c.dist);
      if (!requiresPythonAllows(info.meta.requiresPython, t.python)) continue;
      const pin: Pin = { name: w.name, version: c.version, dist: c.dist, info, extras: [...w.req.extras].sort(), deps: [] };
      const here = [...w.chain, `${w.name} ${c.version}`];
      const base = dependenciesFor(info.meta, env, new Set()).map((req): Want => ({ name: req.normalized, req, from: w.name, chain: here }));
      const more = this.extraWants(pin, pin.extras, w, env);
      for (const x of [...base, ...more]) void this.releasesOf(x.name, x.chain).catch(() => undefined);
      const next = new Map(addDep(pins, w.from, w.name)).set(w.name, pin);
      const out = await this.solve([...rest, ...base, ...more], next, wants, env, t, depth + 1);
      if ('pins' in out) return out;
      if (deepest === undefined || out.conflict.depth >= deepest.depth) deepest = out.conflict;
    }
    return { conflict: deepest ?? { name: w.name, why: 'no candidate supports this Python (Requires-Python)', wants: known, depth } };
  }

  /** What requested extras add: needs of the one who asked for them (extras are theirs, not the package's). */
  private extraWants(pin: Pin, extras: readonly string[], w: Want, env: MarkerEnv): Want[] {
    if (extras.length === 0) return [];
    const base = new Set(dependenciesFor(pin.info.meta, env, new Set()).map((r) => formatRequirement(r)));
    const here = [...w.chain, `${pin.name}[${extras.join(',')}] ${pin.version}`];
    return dependenciesFor(pin.info.meta, env, new Set(extras))
      .filter((r) => !base.has(formatRequirement(r)))
      .map((req) => ({ name: req.normalized, req, from: w.from, chain: here }));
  }
}

function addDep(pins: ReadonlyMap<string, Pin>, from: string | undefined, name: string): ReadonlyMap<string, Pin> {
  if (from === undefined || from === name) return pins;
  const p = pins.get(from);
  if (p === undefined || p.deps.includes(name)) return pins;
  return new Map(pins).set(from, { ...p, deps: [...p.deps, name].sort() });
}

function noCandidateWhy(releases: Release[], t: ResolveTarget): string {
  if (releases.length === 0) return 'the index lists no installable files';
  const compatible = releases.filter((r) => chooseDist(r, t.tags) !== undefined);
  if (compatible.length === 0) return `no release has a wheel for CPython ${t.python.version} on linux x86_64 or an sdist (wheel-only project)`;
  const versions = releases.slice(0, 6).map((r) => `${r.version}${r.yanked ? ' (yanked)' : ''}`);
  return `no version matches; newest: ${versions.join(', ')}`;
}

function conflictError(c: Conflict, t: ResolveTarget): UserError {
  const asks = [...new Map(c.wants.map((w) => [describe(w), w])).keys()];
  return new UserError('ERESOLVE', `cannot resolve ${c.name} for Python ${t.python.version}: ${asks.join(' and ')}; ${c.why}`);
}

export { compareVersions };

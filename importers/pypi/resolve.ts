import { UserError } from '../../src/errors/index.js';
import { normalizePypiName } from '../../src/purl/purl.js';
import { backtrack } from '../resolver/backtrack.js';
import type { Conflict, Provider, Want as AnyWant } from '../resolver/backtrack.js';
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
import { compareVersions, isValidVersion, requiresPythonAllows, satisfies } from './versions.js';
import { checkSourceUrl, identityError } from '../identity.js';
import { PreferPinned, type PinnedVersions } from '../resolver/prefer.js';

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

type Want = AnyWant<Requirement>;
type Candidate = { version: string; dist: ChosenDist };

const describe = (w: Want): string =>
  `${formatRequirement(w.req)}${w.chain.length > 0 ? ` (from ${w.chain.join(' > ')})` : ' (asked for)'}`;

/**
 * One version per distribution for one interpreter (see resolver/backtrack.ts): the newest
 * candidate first, yanked releases only when pinned exactly, pre-releases only when nothing else
 * matches, Requires-Python per interpreter; extras a package asks for become its own needs.
 * Versions already pinned (ImportOptions.pinned) go first where they still fit.
 */
export class Resolver {
  private readonly meta: DistMetadata;
  private readonly releases = new Map<string, Promise<Release[]>>();
  private readonly prefer: PreferPinned;

  /**
   * @param local the index is on this machine's disk (file://): its own file: links are sources too.
   * @param pinned versions already pinned, tried first where they fit (ImportOptions.pinned).
   */
  constructor(
    private readonly client: IndexClient,
    private readonly local = false,
    pinned?: PinnedVersions,
  ) {
    this.meta = new DistMetadata(client);
    this.prefer = new PreferPinned(pinned, (a, b) => a === b || (isValidVersion(a) && compareVersions(a, b) === 0));
  }

  /** Before a file (or its metadata) is fetched: a recipe source is an http(s) URL, or a file of an index on disk. */
  private checkSource(what: string, url: string): void {
    if (this.local && url.startsWith('file:')) return;
    checkSourceUrl(what, url, 'the index', 'check the index (--index-url)');
  }

  private releasesOf(name: string, chain: readonly string[]): Promise<Release[]> {
    let p = this.releases.get(name);
    if (p === undefined) {
      p = this.client.project(name).then(
        (pf) => releasesOf(pf, name),
        (err: unknown) => {
          if (err instanceof UserError && chain.length > 0)
            throw new UserError(err.code, `${err.message} (required by ${chain.join(' > ')})`);
          throw err;
        },
      );
      p.catch(() => undefined);
      this.releases.set(name, p);
    }
    return p;
  }

  async resolve(roots: Requirement[], t: ResolveTarget): Promise<Map<string, Pin>> {
    const out = await backtrack(
      this.provider(t, markerEnv(t.python)),
      roots.map((req) => ({ name: req.normalized, req, from: undefined, chain: [] })),
    );
    if ('conflict' in out) throw conflictError(out.conflict, t);
    return new Map(out.pins);
  }

  /** Releases one requirement admits for the target, newest first (pinned ones first), each with the file it would use. */
  private async admitted(w: Want, t: ResolveTarget): Promise<Candidate[]> {
    return this.prefer.order(w.name, await this.newestFirst(w, t), (c) => c.version);
  }

  private async newestFirst(w: Want, t: ResolveTarget): Promise<Candidate[]> {
    const releases = await this.releasesOf(w.name, w.chain);
    const exact = /^={2,3}[^,*]+$/.test(w.req.specifier);
    const pick = (prereleases: boolean | undefined): Candidate[] => {
      const out: Candidate[] = [];
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

  /**
   * A requirement just became known: its page, then the metadata of the candidate it will most
   * likely pin (the newest admitted), load while the resolver works elsewhere. Failures are left
   * for the resolver to meet (and word) when it gets there.
   */
  private async prefetch(w: Want, t: ResolveTarget): Promise<void> {
    try {
      const first = (await this.admitted(w, t))[0];
      if (first === undefined) return;
      this.checkSource(w.name, first.dist.file.url);
      await this.meta.get(first.dist);
    } catch {
      // Met again, and reported, where the resolver asks for it.
    }
  }

  private provider(t: ResolveTarget, env: MarkerEnv): Provider<Requirement, Candidate, Pin> {
    const others = (w: Want, known: readonly Want[]): string[] =>
      known
        .filter((x) => x !== w)
        .map((x) => x.req.specifier)
        .filter((s) => s !== '');
    return {
      candidates: async (w, known) => {
        const more = others(w, known);
        return (await this.admitted(w, t)).filter((c) => more.every((s) => satisfies(c.version, s, { prereleases: true })));
      },
      noneWhy: async (w, known) => {
        const alone = others(w, known).length > 0 && (await this.admitted(w, t)).length > 0;
        return alone ? 'no version satisfies all of them' : noCandidateWhy(await this.releasesOf(w.name, w.chain), t);
      },
      expand: async (c, w) => {
        const what = `Python project "${w.name}" ${c.version}`;
        this.checkSource(what, c.dist.file.url);
        const info = await this.meta.get(c.dist);
        checkDistIdentity(what, w.name, c.version, c.dist, info);
        if (!requiresPythonAllows(info.meta.requiresPython, t.python)) return undefined;
        const pin: Pin = { name: w.name, version: c.version, dist: c.dist, info, extras: [...w.req.extras].sort(), deps: [] };
        const here = [...w.chain, `${w.name} ${c.version}`];
        const base = dependenciesFor(info.meta, env, new Set()).map(
          (req): Want => ({ name: req.normalized, req, from: w.name, chain: here }),
        );
        return { pin, wants: [...base, ...extraWants(pin, pin.extras, w, env)] };
      },
      revisit: (pinned, w) => {
        if (!satisfies(pinned.version, w.req.specifier, { prereleases: true })) return undefined;
        const added = w.req.extras.filter((e) => !pinned.extras.includes(e));
        if (added.length === 0) return { pin: pinned, wants: [] };
        const extras = [...pinned.extras, ...added].sort();
        return { pin: { ...pinned, extras }, wants: extraWants(pinned, extras, w, env) };
      },
      exhaustedWhy: 'no candidate supports this Python (Requires-Python)',
      tooComplex: (w) =>
        new UserError(
          'ERESOLVE',
          `resolving for Python ${t.python.version} took too many steps (last at ${w.name}): pin some versions exactly to narrow the search`,
        ),
      prefetch: (w) => void this.prefetch(w, t),
    };
  }
}

/** What requested extras add: needs of the one who asked for them (extras are theirs, not the package's). */
function extraWants(pin: Pin, extras: readonly string[], w: Want, env: MarkerEnv): Want[] {
  if (extras.length === 0) return [];
  const base = new Set(dependenciesFor(pin.info.meta, env, new Set()).map((r) => formatRequirement(r)));
  const here = [...w.chain, `${pin.name}[${extras.join(',')}] ${pin.version}`];
  return dependenciesFor(pin.info.meta, env, new Set(extras))
    .filter((r) => !base.has(formatRequirement(r)))
    .map((req) => ({ name: req.normalized, req, from: w.from, chain: here }));
}

/**
 * A wheel's METADATA, an sdist's PKG-INFO or a PEP 658 file names the distribution and version it
 * was listed as (names normalized, versions by PEP 440), as pip checks: another one is refused.
 */
export function checkDistIdentity(what: string, name: string, version: string, dist: ChosenDist, info: DistInfo): void {
  if (normalizePypiName(info.meta.name) === name && compareVersions(info.meta.version, version) === 0) return;
  throw identityError(
    what,
    `${dist.file.filename}, whose metadata names ${JSON.stringify(info.meta.name)} ${info.meta.version}`,
    dist.file.url,
    "the file is another distribution's: pin another release, and tell the index's maintainers",
  );
}

function noCandidateWhy(releases: Release[], t: ResolveTarget): string {
  if (releases.length === 0) return 'the index lists no installable files';
  const compatible = releases.filter((r) => chooseDist(r, t.tags) !== undefined);
  if (compatible.length === 0)
    return `no release has a wheel for CPython ${t.python.version} on linux x86_64 or an sdist (wheel-only project)`;
  const versions = releases.slice(0, 6).map((r) => `${r.version}${r.yanked ? ' (yanked)' : ''}`);
  return `no version matches; newest: ${versions.join(', ')}`;
}

function conflictError(c: Conflict<Requirement>, t: ResolveTarget): UserError {
  const asks = [...new Set(c.wants.map(describe))];
  return new UserError('ERESOLVE', `cannot resolve ${c.name} for Python ${t.python.version}: ${asks.join(' and ')}; ${c.why}`);
}

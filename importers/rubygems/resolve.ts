import { UserError } from '../../src/errors/index.js';
import type { GemIndex, GemRelease } from './gem-index.js';
import { allowsPrerelease, parseGemRequirement, satisfiesGem } from './gem-requirement.js';
import { compareGemVersions, isPrerelease } from './gem-version.js';
import { pickGemPlatform, requiredRubyAllows } from './platforms.js';
import type { GemTarget } from './platforms.js';

/** The Ruby a resolution is for. */
export interface RubyTarget {
  version: string;
  fullVersion: string;
  platform: GemTarget;
}

export interface GemPin {
  name: string;
  version: string;
  release: GemRelease;
  /** Runtime dependencies, by name. */
  deps: readonly string[];
}

interface Want {
  name: string;
  requirement: string;
  from: string | undefined;
  chain: readonly string[];
}

interface Conflict {
  name: string;
  why: string;
  wants: Want[];
  depth: number;
}

type Outcome = { pins: ReadonlyMap<string, GemPin> } | { conflict: Conflict };

const MAX_STEPS = 20000;

const describe = (w: Want): string => `${w.name} (${w.requirement || '>= 0'})${w.chain.length > 0 ? ` from ${w.chain.join(' > ')}` : ' asked for'}`;

/**
 * One version per gem for one Ruby, depth-first with backtracking (newest candidate first),
 * like the PyPI resolver: every constraint known on a name filters its candidates, and a conflict
 * names them all with where they came from.
 */
export class GemResolver {
  private readonly releases = new Map<string, Promise<GemRelease[]>>();
  private steps = 0;

  /**
   * @param preferSource gems to build from their `ruby` platform gem even when a precompiled one
   * exists: those the override table gives native build packages (nokogiri against the system's
   * libxml2 rather than its bundled copy), so a distribution links its own libraries.
   */
  constructor(
    private readonly index: GemIndex,
    private readonly preferSource: (name: string) => boolean = () => false,
  ) {}

  private releasesOf(name: string, chain: readonly string[]): Promise<GemRelease[]> {
    let p = this.releases.get(name);
    if (p === undefined) {
      p = this.index.releases(name).catch((err: unknown) => {
        if (err instanceof UserError && chain.length > 0) throw new UserError(err.code, `${err.message} (required by ${chain.join(' > ')})`);
        throw err;
      });
      p.catch(() => undefined);
      this.releases.set(name, p);
    }
    return p;
  }

  async resolve(roots: { name: string; requirement: string }[], t: RubyTarget): Promise<Map<string, GemPin>> {
    this.steps = 0;
    const queue: Want[] = roots.map((r) => ({ ...r, from: undefined, chain: [] }));
    const out = await this.solve(queue, new Map(), [], t, 0);
    if ('conflict' in out) {
      const c = out.conflict;
      const asks = [...new Set(c.wants.map(describe))];
      throw new UserError('ERESOLVE', `cannot resolve gem ${c.name} for Ruby ${t.version}: ${asks.join(' and ')}; ${c.why}`);
    }
    return new Map(out.pins);
  }

  /** The releases (one platform each) a set of requirements admits for the target, newest first. */
  private async candidates(w: Want, known: Want[], t: RubyTarget): Promise<{ release: GemRelease; why?: string }[]> {
    const all = await this.releasesOf(w.name, w.chain);
    const reqs = known.map((k) => k.requirement).filter((r) => r !== '');
    const pre = reqs.some((r) => allowsPrerelease(r));
    const byVersion = new Map<string, GemRelease[]>();
    for (const r of all) byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r]);
    const out: { release: GemRelease }[] = [];
    for (const [version, rels] of [...byVersion].sort((a, b) => compareGemVersions(b[0], a[0]))) {
      if (!pre && isPrerelease(version)) continue;
      if (!reqs.every((r) => satisfiesGem(version, r))) continue;
      const platform = pickGemPlatform(rels.map((r) => r.platform), t.platform, this.preferSource(w.name) ? 'ruby' : 'native');
      const release = rels.find((r) => r.platform === platform);
      if (release === undefined || !requiredRubyAllows(release.requiredRuby, t.fullVersion)) continue;
      out.push({ release });
    }
    return out;
  }

  private async solve(queue: Want[], pins: ReadonlyMap<string, GemPin>, seen: readonly Want[], t: RubyTarget, depth: number): Promise<Outcome> {
    if (queue.length === 0) return { pins };
    const [w, ...rest] = queue as [Want, ...Want[]];
    const wants = [...seen, w];
    const known = [...wants, ...rest].filter((x) => x.name === w.name);
    const withDep = (p: ReadonlyMap<string, GemPin>): ReadonlyMap<string, GemPin> => {
      const from = w.from === undefined ? undefined : p.get(w.from);
      if (from === undefined || from.deps.includes(w.name)) return p;
      return new Map(p).set(from.name, { ...from, deps: [...from.deps, w.name].sort() });
    };
    const pinned = pins.get(w.name);
    if (pinned !== undefined) {
      if (w.requirement !== '' && !satisfiesGem(pinned.version, w.requirement)) {
        return { conflict: { name: w.name, why: `${pinned.version} was chosen`, wants: known, depth } };
      }
      return this.solve(rest, withDep(pins), wants, t, depth + 1);
    }
    const candidates = await this.candidates(w, known, t);
    if (candidates.length === 0) return { conflict: { name: w.name, why: await this.noneWhy(w, t), wants: known, depth } };
    let deepest: Conflict | undefined;
    for (const { release } of candidates) {
      if (++this.steps > MAX_STEPS) throw new UserError('ERESOLVE', `resolving gems for Ruby ${t.version} took more than ${MAX_STEPS} steps: pin some versions exactly`);
      const here = [...w.chain, `${w.name} ${release.version}`];
      const deps = release.dependencies.map((d): Want => ({ name: d.name, requirement: d.requirement, from: w.name, chain: here }));
      for (const d of deps) void this.releasesOf(d.name, d.chain).catch(() => undefined);
      const pin: GemPin = { name: w.name, version: release.version, release, deps: [] };
      const out = await this.solve([...rest, ...deps], new Map(withDep(pins)).set(w.name, pin), wants, t, depth + 1);
      if ('pins' in out) return out;
      if (deepest === undefined || out.conflict.depth >= deepest.depth) deepest = out.conflict;
    }
    return { conflict: deepest! };
  }

  private async noneWhy(w: Want, t: RubyTarget): Promise<string> {
    const all = await this.releasesOf(w.name, w.chain);
    if (all.length === 0) return 'the source lists no release';
    const versions = [...new Set(all.map((r) => r.version))].sort((a, b) => compareGemVersions(b, a));
    const rubyOk = all.filter((r) => requiredRubyAllows(r.requiredRuby, t.fullVersion));
    if (rubyOk.length === 0) return `every release needs another Ruby (e.g. ${all[0]!.requiredRuby})`;
    return `no version matches; newest: ${versions.slice(0, 6).join(', ')}`;
  }
}

export { parseGemRequirement };

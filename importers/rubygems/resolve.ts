import { UserError } from '../../src/errors/index.js';
import { backtrack } from '../resolver/backtrack.js';
import type { Provider, Want as AnyWant } from '../resolver/backtrack.js';
import type { GemIndex, GemRelease } from './gem-index.js';
import { allowsPrerelease, satisfiesGem } from './gem-requirement.js';
import { compareGemVersions, isPrerelease } from './gem-version.js';
import { pickGemPlatform, requiredRubyAllows } from './platforms.js';
import type { GemTarget } from './platforms.js';
import { PreferPinned, type PinnedVersions } from '../resolver/prefer.js';

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

/** A Gem::Requirement as written ('' for any version). */
type Want = AnyWant<string>;

const describe = (w: Want): string => `${w.name} (${w.req || '>= 0'})${w.chain.length > 0 ? ` from ${w.chain.join(' > ')}` : ' asked for'}`;

/**
 * One version per gem for one Ruby (see resolver/backtrack.ts): newest first, prereleases only when
 * a requirement names one, the best platform gem for the target (the source gem for what the
 * override table builds against system libraries), required_ruby_version per Ruby. Versions
 * already pinned (ImportOptions.pinned) go first where they still fit.
 */
export class GemResolver {
  private readonly releases = new Map<string, Promise<GemRelease[]>>();
  private readonly prefer: PreferPinned;

  /**
   * @param preferSource gems to build from their `ruby` platform gem even when a precompiled one
   * exists: those the override table gives native build packages (nokogiri against the system's
   * libxml2 rather than its bundled copy), so a distribution links its own libraries.
   * @param pinned versions already pinned, tried first where they fit (ImportOptions.pinned).
   */
  constructor(
    private readonly index: GemIndex,
    private readonly preferSource: (name: string) => boolean = () => false,
    pinned?: PinnedVersions,
  ) {
    // A gem's version is its string: 1.0 and 1.0.0 are distinct releases on a source.
    this.prefer = new PreferPinned(pinned, (a, b) => a === b);
  }

  private releasesOf(name: string, chain: readonly string[]): Promise<GemRelease[]> {
    let p = this.releases.get(name);
    if (p === undefined) {
      p = this.index.releases(name).catch((err: unknown) => {
        if (err instanceof UserError && chain.length > 0)
          throw new UserError(err.code, `${err.message} (required by ${chain.join(' > ')})`);
        throw err;
      });
      p.catch(() => undefined);
      this.releases.set(name, p);
    }
    return p;
  }

  async resolve(roots: { name: string; requirement: string }[], t: RubyTarget): Promise<Map<string, GemPin>> {
    const out = await backtrack(
      this.provider(t),
      roots.map((r) => ({ name: r.name, req: r.requirement, from: undefined, chain: [] })),
    );
    if ('conflict' in out) {
      const c = out.conflict;
      const asks = [...new Set(c.wants.map(describe))];
      throw new UserError('ERESOLVE', `cannot resolve gem ${c.name} for Ruby ${t.version}: ${asks.join(' and ')}; ${c.why}`);
    }
    return new Map(out.pins);
  }

  /** The releases (one platform each) a set of requirements admits for the target, newest first. */
  private async candidates(w: Want, known: readonly Want[], t: RubyTarget): Promise<GemRelease[]> {
    const all = await this.releasesOf(w.name, w.chain);
    const reqs = known.map((k) => k.req).filter((r) => r !== '');
    const pre = reqs.some((r) => allowsPrerelease(r));
    const byVersion = new Map<string, GemRelease[]>();
    for (const r of all) byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r]);
    const out: GemRelease[] = [];
    for (const [version, rels] of [...byVersion].sort((a, b) => compareGemVersions(b[0], a[0]))) {
      if (!pre && isPrerelease(version)) continue;
      if (!reqs.every((r) => satisfiesGem(version, r))) continue;
      const platform = pickGemPlatform(
        rels.map((r) => r.platform),
        t.platform,
        this.preferSource(w.name) ? 'ruby' : 'native',
      );
      const release = rels.find((r) => r.platform === platform);
      if (release === undefined || !requiredRubyAllows(release.requiredRuby, t.fullVersion)) continue;
      out.push(release);
    }
    return out;
  }

  private provider(t: RubyTarget): Provider<string, GemRelease, GemPin> {
    return {
      candidates: async (w, known) => this.prefer.order(w.name, await this.candidates(w, known, t), (r) => r.version),
      noneWhy: async (w) => {
        const all = await this.releasesOf(w.name, w.chain);
        if (all.length === 0) return 'the source lists no release';
        if (!all.some((r) => requiredRubyAllows(r.requiredRuby, t.fullVersion)))
          return `every release needs another Ruby (e.g. ${all[0]!.requiredRuby})`;
        const versions = [...new Set(all.map((r) => r.version))].sort((a, b) => compareGemVersions(b, a));
        return `no version matches; newest: ${versions.slice(0, 6).join(', ')}`;
      },
      expand: async (release, w) => {
        const here = [...w.chain, `${w.name} ${release.version}`];
        return {
          pin: { name: w.name, version: release.version, release, deps: [] },
          wants: release.dependencies.map((d): Want => ({ name: d.name, req: d.requirement, from: w.name, chain: here })),
        };
      },
      revisit: (pinned, w) => (w.req === '' || satisfiesGem(pinned.version, w.req) ? { pin: pinned, wants: [] } : undefined),
      exhaustedWhy: 'no release fits this Ruby',
      tooComplex: () => new UserError('ERESOLVE', `resolving gems for Ruby ${t.version} took too many steps: pin some versions exactly`),
      prefetch: (w) => void this.releasesOf(w.name, w.chain).catch(() => undefined),
    };
  }
}

/**
 * RubyGems for `bale refresh`: the versions a source lists for a gem (yanked gems leave every index,
 * so they are simply absent), and Gem::Version's order. Pages come through the importer's client.
 */
import type { ListOptions, UpdateKind, UpstreamListing, UpstreamVersions } from '../upstream.js';
import { gemIndex, type GemIndex } from './gem-index.js';
import { satisfiesGem } from './gem-requirement.js';
import { compareGemVersions, gemRelease, isPrerelease, isValidGemVersion } from './gem-version.js';
import { DEFAULT_SOURCE } from './index.js';

class GemUpstream implements UpstreamVersions {
  private index: GemIndex | undefined;

  async list(name: string, o: ListOptions): Promise<UpstreamListing> {
    this.index ??= gemIndex(o.registry ?? DEFAULT_SOURCE);
    const releases = await this.index.releases(name);
    // One entry per version, whatever platforms it was released for.
    const versions = [...new Set(releases.map((r) => r.version))].map((version) => ({ version }));
    return { versions, latest: undefined, tags: {} };
  }

  compare(a: string, b: string): number {
    return compareGemVersions(a, b);
  }

  /** A bare version is `= ` it, as in a spec (`gem:rack@3.0.8`). */
  inRange(version: string, range: string): boolean {
    const r = range.trim();
    return satisfiesGem(version, isValidGemVersion(r) ? `= ${r}` : r);
  }

  isPrerelease(version: string): boolean {
    return isPrerelease(version);
  }

  kind(from: string, to: string): UpdateKind {
    const a = gemRelease(from).split('.');
    const b = gemRelease(to).split('.');
    if (BigInt(a[0] ?? 0) !== BigInt(b[0] ?? 0)) return 'major';
    return BigInt(a[1] ?? 0) !== BigInt(b[1] ?? 0) ? 'minor' : 'patch';
  }

  async close(): Promise<void> {
    await this.index?.close();
  }
}

export function upstreamVersions(): UpstreamVersions {
  return new GemUpstream();
}

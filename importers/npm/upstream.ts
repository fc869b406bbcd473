/**
 * npm for `bale refresh`: the versions a packument lists (deprecated ones marked; unpublished ones
 * are simply gone), its dist-tags, and semver's order. Packuments come through the importer's own
 * PackumentSource: the same fast path, timeouts and errors as an import.
 */
import pLimit from 'p-limit';
import semver from 'semver';
import { httpTimeouts } from '../../src/http/timeouts.js';
import type { ListOptions, UpstreamListing, UpstreamVersions } from '../upstream.js';
import { sharedAgent } from './agent.js';
import { loadNpmOptions } from './npmrc.js';
import { PackumentSource } from './packuments.js';
import { quickPackument } from './quick-fetch.js';

const LOOSE = { loose: true } as const;

class NpmUpstream implements UpstreamVersions {
  private source: PackumentSource | undefined;
  private destroy: (() => void) | undefined;

  private sourceFor(o: ListOptions): PackumentSource {
    if (this.source !== undefined) return this.source;
    const base = loadNpmOptions(o.registry !== undefined ? { registry: o.registry } : {});
    const metadata = httpTimeouts('metadata');
    const agent = sharedAgent(base, 16, metadata);
    this.destroy = () => agent?.destroy();
    this.source = new PackumentSource(
      agent === undefined ? base : { ...base, agent },
      pLimit(16),
      (name, deadline) => quickPackument(name, base, agent, metadata, deadline),
      metadata,
    );
    return this.source;
  }

  async list(name: string, o: ListOptions): Promise<UpstreamListing> {
    const doc = await this.sourceFor(o).get(name, []);
    const tags = doc['dist-tags'] ?? {};
    const versions = Object.entries(doc.versions)
      .filter(([v]) => semver.valid(v, LOOSE) !== null)
      .map(([version, m]) => {
        const d = m.deprecated;
        // npm un-deprecates with an empty message.
        return d === undefined || d === false || d === '' ? { version } : { version, deprecated: d === true ? '' : String(d) };
      });
    return { versions, latest: tags['latest'], tags };
  }

  compare(a: string, b: string): number {
    return semver.compare(a, b, LOOSE);
  }

  inRange(version: string, range: string, listing: UpstreamListing): boolean {
    const r = semver.validRange(range, LOOSE);
    if (r !== null) return semver.satisfies(version, r, LOOSE);
    return listing.tags[range] === version;
  }

  isPrerelease(version: string): boolean {
    return (semver.prerelease(version, LOOSE)?.length ?? 0) > 0;
  }

  kind(from: string, to: string): 'major' | 'minor' | 'patch' {
    const a = semver.parse(from, LOOSE)!;
    const b = semver.parse(to, LOOSE)!;
    return a.major !== b.major ? 'major' : a.minor !== b.minor ? 'minor' : 'patch';
  }

  async close(): Promise<void> {
    this.destroy?.();
  }
}

export function upstreamVersions(): UpstreamVersions {
  return new NpmUpstream();
}

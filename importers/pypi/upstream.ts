/**
 * PyPI for `bale refresh`: the releases an index lists for a project (PEP 592: a release whose every
 * file is yanked is yanked), and PEP 440's order. Pages come through the importer's index client.
 */
import { explain } from '@renovatebot/pep440';
import { normalizePypiName } from '../../src/purl/purl.js';
import type { ListOptions, UpdateKind, UpstreamListing, UpstreamVersions } from '../upstream.js';
import { DEFAULT_INDEX, indexClient } from './index.js';
import type { IndexClient } from './index-types.js';
import { releasesOf } from './releases.js';
import { compareVersions, isValidVersion, satisfies } from './versions.js';

class PypiUpstream implements UpstreamVersions {
  private client: IndexClient | undefined;

  async list(name: string, o: ListOptions): Promise<UpstreamListing> {
    this.client ??= indexClient(o.registry ?? DEFAULT_INDEX);
    const project = normalizePypiName(name);
    const pf = await this.client.project(project);
    const versions = releasesOf(pf, project).map((r) => {
      if (!r.yanked) return { version: r.version };
      // The reason any of its files gives (they are usually all the same).
      const why = [...r.wheels.map((w) => w.file), ...(r.sdist === undefined ? [] : [r.sdist])].map((f) => f.yanked).find((y) => y !== '');
      return { version: r.version, yanked: typeof why === 'string' ? why : '' };
    });
    return { versions, latest: undefined, tags: {} };
  }

  compare(a: string, b: string): number {
    return compareVersions(a, b);
  }

  /** A bare version is `==` it, as in a spec (`pypi:httpx@0.28.1`). */
  inRange(version: string, range: string): boolean {
    const r = range.trim();
    return satisfies(version, isValidVersion(r) ? `==${r}` : r);
  }

  isPrerelease(version: string): boolean {
    return explain(version)?.is_prerelease === true;
  }

  /** The epoch or the first release number is major, the second minor; the rest (and post releases) patch. */
  kind(from: string, to: string): UpdateKind {
    const a = explain(from)!;
    const b = explain(to)!;
    if (a.epoch !== b.epoch || (a.release[0] ?? 0) !== (b.release[0] ?? 0)) return 'major';
    return (a.release[1] ?? 0) !== (b.release[1] ?? 0) ? 'minor' : 'patch';
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

export function upstreamVersions(): UpstreamVersions {
  return new PypiUpstream();
}

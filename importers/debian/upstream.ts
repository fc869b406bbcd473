/**
 * Debian for `bale refresh`: the versions apt's sources list (a version dropped from the archive is
 * simply absent), apt's candidate as latest, and dpkg's order.
 */
import type { ListOptions, UpdateKind, UpstreamListing, UpstreamVersions } from '../upstream.js';
import { aptVersions } from './apt.js';
import { compareDebVersions } from './version.js';

/** `[epoch:]upstream[-revision]` as its epoch and the leading numbers of its upstream part. */
function releaseOf(v: string): { epoch: string; numbers: string[] } {
  const m = /^(?:(\d+):)?(.*?)(?:-[^-]*)?$/.exec(v)!;
  return {
    epoch: m[1] ?? '0',
    numbers: /^[\d.]*/
      .exec(m[2]!)![0]
      .split('.')
      .filter((n) => n !== ''),
  };
}

class DebUpstream implements UpstreamVersions {
  private readonly memo = new Map<string, Promise<UpstreamListing>>();

  // apt's own sources are the index: `registry` has no meaning here.
  list(name: string, _o: ListOptions): Promise<UpstreamListing> {
    let p = this.memo.get(name);
    if (p === undefined) {
      p = aptVersions(name).then(({ versions, candidate }) => ({
        versions: versions.map((version) => ({ version })),
        latest: candidate,
        tags: {},
      }));
      this.memo.set(name, p);
    }
    return p;
  }

  compare(a: string, b: string): number {
    return compareDebVersions(a, b);
  }

  /** A Debian spec names one exact version, or none. */
  inRange(version: string, range: string): boolean {
    return compareDebVersions(version, range) === 0;
  }

  /** `~` sorts before the release it precedes: 2.0~rc1. */
  isPrerelease(version: string): boolean {
    return version.includes('~');
  }

  /** The epoch or the first upstream number is major, the second minor; a later number or a Debian revision (a security update) patch. */
  kind(from: string, to: string): UpdateKind {
    const a = releaseOf(from);
    const b = releaseOf(to);
    if (a.epoch !== b.epoch || Number(a.numbers[0] ?? 0) !== Number(b.numbers[0] ?? 0)) return 'major';
    return Number(a.numbers[1] ?? 0) !== Number(b.numbers[1] ?? 0) ? 'minor' : 'patch';
  }

  async close(): Promise<void> {}
}

export function upstreamVersions(): UpstreamVersions {
  return new DebUpstream();
}

/**
 * Keeping what is already pinned (ImportOptions.pinned, for `bale refresh`): a name's candidates
 * reordered so the versions the recipes tree pins come first, newest of them first, then the rest
 * in the ecosystem's own order. Only the order changes, so a kept pin that leads to a conflict is
 * backtracked over like any candidate: a dependency moves only when its old pin no longer fits.
 */
export type PinnedVersions = (name: string) => Promise<readonly string[]>;

export class PreferPinned {
  private readonly known = new Map<string, Promise<readonly string[]>>();

  /** @param same the ecosystem's version equality (PEP 440 `1.0` is `1.0.0`; a gem's is its string). */
  constructor(
    private readonly pinned: PinnedVersions | undefined,
    private readonly same: (a: string, b: string) => boolean,
  ) {}

  /** `candidates` (best first) with those whose version is pinned moved to the front, order kept within each part. */
  async order<C>(name: string, candidates: C[], versionOf: (c: C) => string): Promise<C[]> {
    if (this.pinned === undefined || candidates.length < 2) return candidates;
    let p = this.known.get(name);
    if (p === undefined) this.known.set(name, (p = this.pinned(name)));
    const have = await p;
    if (have.length === 0) return candidates;
    const kept = candidates.filter((c) => have.some((v) => this.same(v, versionOf(c))));
    return kept.length === 0 ? candidates : [...kept, ...candidates.filter((c) => !kept.includes(c))];
  }
}

import semver from 'semver';

/**
 * The Node versions a closure is chosen for (`--node`, default the running one), as engines.node
 * ranges read them. An exact version or the running one is tested as such; a major other than the
 * running one stands for the newest release of it (what a build downloads), so a range admits it
 * when it admits some release of that major.
 */
export class NodeTargets {
  private constructor(private readonly targets: readonly { label: string; admittedBy: (range: string) => boolean }[]) {}

  /** From `--node` items ('current', '22', '22.11.0'); none means the running Node. */
  static from(requests: readonly string[] | undefined, running: string = process.versions.node): NodeTargets {
    const list = requests === undefined || requests.length === 0 ? ['current'] : requests;
    const exact = (v: string) => (range: string) => semver.satisfies(v, range, { includePrerelease: true });
    return new NodeTargets(
      list.map((r) => {
        if (r === 'current') return { label: `Node ${running} (the running one)`, admittedBy: exact(running) };
        if (r === running || r === String(semver.major(running))) return { label: `Node ${r}`, admittedBy: exact(running) };
        if (semver.valid(r) !== null) return { label: `Node ${r}`, admittedBy: exact(r) };
        const major = `>=${r}.0.0-0 <${Number(r) + 1}.0.0-0`;
        return { label: `Node ${r}`, admittedBy: (range: string) => semver.intersects(range, major, { includePrerelease: true }) };
      }),
    );
  }

  /**
   * The targets an engines field leaves out: none when it names no node range; all of them when
   * the range is not one (as npm-pick-manifest, whose check fails on it).
   */
  excludedBy(engines: Record<string, unknown> | undefined): string[] {
    const range = nodeRange(engines);
    if (range === undefined) return [];
    return this.targets.filter((t) => semver.validRange(range) === null || !t.admittedBy(range)).map((t) => t.label);
  }

  /** How many targets an engines field admits (all of them when it says nothing). */
  admittedCount(engines: Record<string, unknown> | undefined): number {
    return this.targets.length - this.excludedBy(engines).length;
  }

  get size(): number {
    return this.targets.length;
  }
}

/** engines.node when it is a non-empty string (old manifests put arrays or objects there). */
export function nodeRange(engines: Record<string, unknown> | undefined): string | undefined {
  const r = engines !== null && typeof engines === 'object' && typeof engines.node === 'string' ? engines.node.trim() : '';
  return r === '' ? undefined : r;
}

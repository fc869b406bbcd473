import npa from 'npm-package-arg';
import { UserError } from '../../src/errors/index.js';
import type { DependencyKind } from '../../src/recipe/index.js';
import { pickVersion, platformAllows, sampleVersions } from './pick.js';
import type { NpmVersion, Packument, PackumentSource } from './packuments.js';
import { chainText, checkVersionManifest } from './packuments.js';

/** The platform bale builds for; optional dependencies for other platforms are left out. */
export const TARGET = { os: 'linux', cpu: 'x64', libc: 'glibc' } as const;

export interface ResolvedEdge {
  /** The name the dependent requires it by (differs from `name` for npm: aliases). */
  as: string;
  name: string;
  version: string;
  kind: DependencyKind;
}

export interface ResolvedNode {
  name: string;
  version: string;
  manifest: NpmVersion;
  /** Release time from the packument, when the registry sends it. */
  time: string | undefined;
  edges: ResolvedEdge[];
}

export interface Closure {
  roots: { name: string; version: string }[];
  nodes: Map<string, ResolvedNode>;
}

interface Wanted {
  as: string;
  spec: string;
  kind: DependencyKind;
}

/** What a version asks for: bundled dependencies come inside its tarball, optional peers are left to the user. */
export function wantedDependencies(m: NpmVersion): Wanted[] {
  const bundledField = m.bundleDependencies ?? m.bundledDependencies;
  const deps = { ...m.dependencies, ...m.optionalDependencies };
  const bundled = new Set(bundledField === true ? Object.keys(deps) : Array.isArray(bundledField) ? bundledField : []);
  const optional = m.optionalDependencies ?? {};
  const out: Wanted[] = [];
  for (const [as, spec] of Object.entries(deps)) {
    if (bundled.has(as)) continue;
    out.push({ as, spec, kind: Object.hasOwn(optional, as) ? 'optional' : 'runtime' });
  }
  for (const [as, spec] of Object.entries(m.peerDependencies ?? {})) {
    if (Object.hasOwn(deps, as) || m.peerDependenciesMeta?.[as]?.optional === true) continue;
    out.push({ as, spec, kind: 'peer' });
  }
  return out.sort((a, b) => (a.as < b.as ? -1 : a.as > b.as ? 1 : 0));
}

/** Registry name and range behind a dependency spec; aliases (`npm:real@^1`) resolve to the real name. */
export function registryTarget(as: string, spec: string, from: string): { name: string; range: string } {
  let parsed: npa.Result;
  try {
    parsed = npa.resolve(as, spec);
  } catch {
    throw new UserError('EUNSUPPORTED', `${from} depends on "${as}": "${spec}", which is not a valid npm spec`);
  }
  // @types/npm-package-arg predates aliases; the field exists at run time.
  const sub = (parsed as npa.Result & { subSpec?: npa.Result }).subSpec;
  if (parsed.type === 'alias' && sub?.name) {
    return { name: sub.name, range: sub.fetchSpec ?? '*' };
  }
  if (parsed.type === 'range' || parsed.type === 'version' || parsed.type === 'tag') {
    return { name: as, range: parsed.fetchSpec ?? '*' };
  }
  throw new UserError(
    'EUNSUPPORTED',
    `${from} depends on "${as}": "${spec}" (a ${parsed.type} dependency); bale pins registry packages only: add an override or use a registry version`,
  );
}

export class Crawler {
  private readonly nodes = new Map<string, ResolvedNode>();
  private readonly visits = new Map<string, Promise<void>>();

  constructor(
    private readonly source: PackumentSource,
    private readonly note: (line: string) => void,
    private readonly progress: (resolved: number, discovered: number, current: string) => void,
  ) {}

  async crawl(roots: { name: string; range: string | undefined }[]): Promise<Closure> {
    const pinned = await Promise.all(roots.map((r) => this.resolve(r.name, r.range ?? 'latest', [])));
    for (const p of pinned) void this.visit(p.name, p.version, p.packument, []);
    // Visits start visits; wait until no new one appears.
    let size = -1;
    while (size !== this.visits.size) {
      size = this.visits.size;
      await Promise.all(this.visits.values());
    }
    return { roots: pinned.map((p) => ({ name: p.name, version: p.version })), nodes: this.nodes };
  }

  private async resolve(name: string, range: string, chain: readonly string[]): Promise<{ name: string; version: string; packument: Packument }> {
    const packument = await this.source.get(name, chain);
    const version = pickVersion(packument, range);
    if (version === undefined) {
      const have = sampleVersions(packument);
      throw new UserError(
        'ENOVERSION',
        `no version of npm package "${name}" matches "${range}"${chainText(chain)}; newest: ${have.length > 0 ? have.join(', ') : 'none'}`,
      );
    }
    // Before anything reads or fetches it: the version picked is the one asked for, at an http(s) URL.
    checkVersionManifest(name, version, packument.versions[version]!, this.source.urlOf(name), chain);
    return { name, version, packument };
  }

  private visit(name: string, version: string, packument: Packument, chain: readonly string[]): Promise<void> {
    const key = `${name}@${version}`;
    let v = this.visits.get(key);
    if (v === undefined) {
      v = this.expand(name, version, packument, [...chain, key]);
      // Rejections surface through crawl()'s wait loop; this only keeps Node from calling them unhandled meanwhile.
      v.catch(() => undefined);
      this.visits.set(key, v);
    }
    return v;
  }

  private async expand(name: string, version: string, packument: Packument, chain: readonly string[]): Promise<void> {
    const manifest = packument.versions[version]!;
    const node: ResolvedNode = { name, version, manifest, time: packument.time?.[version], edges: [] };
    this.nodes.set(`${name}@${version}`, node);
    const from = chain[chain.length - 1]!;
    const children = await Promise.all(
      wantedDependencies(manifest).map(async (w) => {
        try {
          const target = registryTarget(w.as, w.spec, from);
          const r = await this.resolve(target.name, target.range, chain);
          const m = r.packument.versions[r.version]!;
          if (w.kind === 'optional' && !(platformAllows(m.os, TARGET.os) && platformAllows(m.cpu, TARGET.cpu) && platformAllows(m.libc, TARGET.libc))) {
            this.note(`skipped optional ${r.name}@${r.version} of ${from}: not for ${TARGET.os}-${TARGET.cpu}`);
            return undefined;
          }
          return { edge: { as: w.as, name: r.name, version: r.version, kind: w.kind }, packument: r.packument };
        } catch (err) {
          if (w.kind !== 'optional') throw err;
          this.note(`skipped optional dependency "${w.as}" of ${from}: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        }
      }),
    );
    for (const c of children) if (c !== undefined) node.edges.push(c.edge);
    this.progress(this.nodes.size, this.visits.size, `${name}@${version}`);
    // Not awaited: in a cycle, a child's visit waits on this one. crawl() waits for the whole set.
    for (const c of children) if (c !== undefined) void this.visit(c.edge.name, c.edge.version, c.packument, chain);
  }
}

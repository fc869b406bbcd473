/**
 * Resolves a closure the way `npm install` builds its ideal tree: folders are taken shallow first;
 * a dependency the folder already resolves (walking up) to an accepted version is kept, anything
 * else is picked from the registry (engines weighed against the target Nodes) with the peers it
 * brings, chosen in its dependent's context, and placed as high as it fits (place.ts). Packuments
 * are fetched ahead along the highest picks, so the walk itself rarely waits on the network.
 */
import semver from 'semver';
import { UserError } from '../../src/errors/index.js';
import type { Closure, ResolvedNode } from './closure.js';
import { platformFits, registryTarget, TARGET, targetText, wantedDependencies } from './closure.js';
import type { NodeTargets } from './node-targets.js';
import { nodeRange } from './node-targets.js';
import { chainText, checkVersionManifest } from './packuments.js';
import type { Packument } from './packument.js';
import { pickVersion, sampleVersions } from './pick.js';
import { Placer } from './place.js';
import { PlaceQueue } from './place-queue.js';
import { admits, Place, walk, type Picked, type TreeEdge } from './tree.js';

/** Where packuments come from (PackumentSource, or a fixture in tests). */
export interface PackumentGetter {
  get(name: string, chain: readonly string[]): Promise<Packument>;
  urlOf(name: string): string;
}

interface Declared {
  edges: TreeEdge[];
  unreadable: { kind: TreeEdge['kind']; error: Error }[];
}

const collate = new Intl.Collator('en').compare;

/** Folders looked at before giving up: far above any real closure (a few thousand packages). */
const MAX_STEPS = 200_000;

export class IdealTree {
  private readonly picks = new Map<string, Promise<Picked>>();
  private readonly declared = new Map<string, Declared>();
  private readonly prefetched = new Set<string>();
  private readonly queue = new PlaceQueue();
  private readonly seen = new Set<Place>();
  private readonly said = new Set<string>();
  private readonly placer: Placer;
  private placedCount = 0;

  constructor(
    private readonly source: PackumentGetter,
    private readonly targets: NodeTargets,
    private readonly note: (line: string) => void,
    private readonly progress: (resolved: number, discovered: number, current: string) => void,
    /** Versions already pinned, kept where they satisfy (ImportOptions.pinned). */
    private readonly pinned?: (name: string) => Promise<readonly string[]>,
  ) {
    this.placer = new Placer({
      edgesOf: (pkg) => this.declare(pkg).edges,
      make: (pkg, as, chain) => {
        this.placedCount++;
        const d = this.declare(pkg);
        return new Place(pkg, as, d.edges, chain, undefined, d.unreadable);
      },
      requeue: (p) => {
        this.seen.delete(p);
        this.queue.push(p);
      },
    });
  }

  /** The closure of the roots; roots of one name asked twice (a@1 a@2) get a tree each. */
  async build(roots: { name: string; range: string | undefined }[]): Promise<Closure> {
    const wants = roots.map((r) => ({ as: r.name, name: r.name, range: r.range ?? 'latest', kind: 'runtime' as const }));
    const pinned = await Promise.all(wants.map((w) => this.pick(w.name, w.range, [])));
    for (const p of pinned) this.checkRoot(p);
    const groups: TreeEdge[][] = [];
    for (const w of wants) {
      const g = groups.find((x) => !x.some((y) => y.as === w.as));
      if (g !== undefined) g.push(w);
      else groups.push([w]);
    }
    const nodes = new Map<string, ResolvedNode>();
    for (const g of groups) this.collect(await this.grow(g), nodes);
    this.noteEngines(nodes);
    return { roots: pinned.map((p) => ({ name: p.name, version: p.version })), nodes };
  }

  /** What build() checks of one root before growing any tree (its packument, version, platform, engines): cheap, for --keep-going. */
  async checkRootAlone(root: { name: string; range: string | undefined }): Promise<void> {
    this.checkRoot(await this.pick(root.name, root.range ?? 'latest', []));
  }

  /** A requested package npm would refuse here (EBADPLATFORM), or whose engines leave out a target Node, is an error. */
  private checkRoot(p: Picked): void {
    const m = p.manifest;
    if (!platformFits(m)) {
      throw new UserError(
        'EBADPLATFORM',
        `npm package ${p.name}@${p.version} is for ${targetText(m)}, not ${TARGET.os}-${TARGET.cpu}-${TARGET.libc} (what bale builds): request a package that supports it`,
      );
    }
    const range = nodeRange(m.engines);
    const out = this.targets.excludedBy(m.engines);
    if (range !== undefined && out.length > 0) {
      throw new UserError(
        'EENGINE',
        `npm package ${p.name}@${p.version} wants node "${range}" (its engines), which leaves out ${out.join(', ')}: choose Nodes it supports with --node, or request a version that supports ${out.length > 1 ? 'them' : 'it'}`,
      );
    }
  }

  private async grow(wants: TreeEdge[]): Promise<Place> {
    const root = new Place(undefined, '', wants, []);
    for (const w of wants) this.prefetch(w.name, w.range, []);
    this.queue.push(root);
    let steps = 0;
    while (this.queue.size > 0) {
      // Placements that keep undoing each other (a case the reduced placement does not settle) end here.
      if (++steps > MAX_STEPS)
        throw new UserError(
          'ERESOLVE',
          `the npm tree of ${wants.map((w) => `${w.name}@${w.range}`).join(', ')} does not settle after ${MAX_STEPS} steps: please report it with this spec`,
        );
      const node = this.queue.shift()!;
      if (this.seen.has(node) || node.linkTo !== undefined || !node.attachedTo(root)) continue;
      this.seen.add(node);
      await this.step(node);
      this.progress(this.placedCount, Math.max(this.placedCount, this.prefetched.size), node.id);
    }
    return root;
  }

  /** Pick what `node` lacks (with the peers each brings), then place it, by name. */
  private async step(node: Place): Promise<void> {
    for (const u of node.unreadable) {
      if (u.kind !== 'optional') throw u.error;
      this.say(`skipped optional dependency of ${node.id}: ${u.error.message}`);
    }
    const missing = node.edges.filter((e) => !admits(e, node.resolve(e.as)?.real));
    const chosen = await Promise.all(missing.map((e) => this.choose(e, node)));
    const ready = chosen.filter((c) => c !== undefined).sort((a, b) => collate(a.edge.as, b.edge.as));
    for (const c of ready) this.placer.place(c.dep, c.peers, c.edge, node);
  }

  private async choose(edge: TreeEdge, node: Place): Promise<{ edge: TreeEdge; dep: Picked; peers: Map<string, Picked> } | undefined> {
    try {
      const dep = await this.pick(edge.name, edge.range, node.chain);
      if (edge.kind === 'optional' && !platformFits(dep.manifest)) {
        this.say(`skipped optional ${dep.name}@${dep.version} of ${node.id}: not for ${TARGET.os}-${TARGET.cpu}`);
        return undefined;
      }
      // A peer is chosen where the one that brought it in was: its own dependency on that name leads.
      const context = edge.kind === 'peer' ? (node.source ?? node) : node;
      return { edge, dep, peers: await this.peerSet(dep, edge.as, context, node.chain) };
    } catch (err) {
      if (edge.kind !== 'optional') throw err;
      this.say(`skipped optional dependency "${edge.as}" of ${node.id}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /**
   * The required peers of `dep`, and theirs, as npm loads a peer set: when the dependent asks for
   * the same name, its range leads (a version the peer range also takes when there is one).
   */
  private async peerSet(dep: Picked, as: string, context: Place, chain: readonly string[]): Promise<Map<string, Picked>> {
    const set = new Map<string, Picked>([[as, dep]]);
    const visit = async (p: Picked): Promise<void> => {
      for (const pe of this.declare(p).edges) {
        if (pe.kind !== 'peer' || set.has(pe.as)) continue;
        const own = context.edgeTo(pe.as);
        let chosen: Picked;
        if (own !== undefined) {
          chosen = await this.pick(own.name, own.range, chain);
          if (!admits(pe, chosen)) {
            const alt = await this.pick(pe.name, pe.range, chain).catch(() => undefined);
            if (alt !== undefined && admits(own, alt)) chosen = alt;
          }
        } else {
          chosen = await this.pick(pe.name, pe.range, chain);
        }
        set.set(pe.as, chosen);
        await visit(chosen);
      }
    };
    await visit(dep);
    return set;
  }

  private pick(name: string, range: string, chain: readonly string[]): Promise<Picked> {
    const key = `${name}\0${range}`;
    let p = this.picks.get(key);
    if (p === undefined) {
      p = this.fetchPick(name, range, chain);
      this.picks.set(key, p);
    }
    return p;
  }

  private async fetchPick(name: string, range: string, chain: readonly string[]): Promise<Picked> {
    const packument = await this.source.get(name, chain);
    const version = (await this.keptPin(name, packument, range)) ?? pickVersion(packument, range, this.targets);
    if (version === undefined) {
      const have = sampleVersions(packument);
      throw new UserError(
        'ENOVERSION',
        `no version of npm package "${name}" matches "${range}"${chainText(chain)}; newest: ${have.length > 0 ? have.join(', ') : 'none'}`,
      );
    }
    // Before anything reads or fetches it: the version picked is the one asked for, at an http(s) URL.
    const manifest = packument.versions[version]!;
    checkVersionManifest(name, version, manifest, this.source.urlOf(name), chain);
    return { name, version, manifest, time: packument.time?.[version] };
  }

  /** The newest version already pinned that the range admits and the registry still serves, not deprecated. */
  private async keptPin(name: string, packument: Packument, range: string): Promise<string | undefined> {
    if (this.pinned === undefined) return undefined;
    const r = semver.validRange(range, { loose: true });
    if (r === null) return undefined;
    const have = (await this.pinned(name)).filter(
      (v) => Object.hasOwn(packument.versions, v) && !packument.versions[v]!.deprecated && semver.satisfies(v, r, { loose: true }),
    );
    return semver.rsort(have, { loose: true })[0];
  }

  /** Fetch ahead along the highest picks, so the tree's walk finds packuments waiting. */
  private prefetch(name: string, range: string, chain: readonly string[]): void {
    const key = `${name}\0${range}`;
    if (this.prefetched.has(key)) return;
    this.prefetched.add(key);
    this.pick(name, range, chain).then(
      (p) => {
        const next = [...chain, `${p.name}@${p.version}`];
        for (const e of this.declare(p).edges) this.prefetch(e.name, e.range, next);
      },
      () => undefined, // the walk meets the same error where it matters
    );
  }

  /** What a version asks for, as tree edges; specs that name no registry version kept as errors. */
  private declare(pkg: Picked): Declared {
    const key = `${pkg.name}@${pkg.version}`;
    let d = this.declared.get(key);
    if (d === undefined) {
      d = { edges: [], unreadable: [] };
      for (const w of wantedDependencies(pkg.manifest)) {
        try {
          const t = registryTarget(w.as, w.spec, key);
          d.edges.push({ as: w.as, name: t.name, range: t.range, kind: w.kind });
        } catch (err) {
          d.unreadable.push({ kind: w.kind, error: err as Error });
        }
      }
      this.declared.set(key, d);
    }
    return d;
  }

  /** The packages the tree reaches from its root, each with what it resolves to (its first folder's view). */
  private collect(root: Place, nodes: Map<string, ResolvedNode>): void {
    const reached = new Set<Place>([root]);
    const order = [root];
    for (let i = 0; i < order.length; i++) {
      const from = order[i]!;
      for (const e of from.edges) {
        const to = from.resolve(e.as);
        const real = to?.linkTo ?? to;
        if (real !== undefined && !reached.has(real)) {
          reached.add(real);
          order.push(real);
        }
      }
    }
    for (const p of walk(root)) {
      const pkg = p.real;
      if (pkg === undefined || p.linkTo !== undefined || !reached.has(p)) continue;
      const key = `${pkg.name}@${pkg.version}`;
      if (nodes.has(key)) continue;
      const node: ResolvedNode = { name: pkg.name, version: pkg.version, manifest: pkg.manifest, time: pkg.time, edges: [] };
      for (const e of p.edges) {
        const to = p.resolve(e.as)?.real;
        if (to !== undefined && to.name === e.name) node.edges.push({ as: e.as, name: to.name, version: to.version, kind: e.kind });
        else if (e.kind === 'peer')
          this.say(`peer ${e.as}@"${e.range}" of ${key} conflicts with the rest of the tree and is left out, as npm does`);
      }
      nodes.set(key, node);
    }
  }

  /** One note per package whose engines leave out a target Node (none of its range's versions did better). */
  private noteEngines(nodes: Map<string, ResolvedNode>): void {
    for (const n of [...nodes.values()].sort((a, b) => collate(`${a.name}@${a.version}`, `${b.name}@${b.version}`))) {
      const out = this.targets.excludedBy(n.manifest.engines);
      if (out.length === 0) continue;
      this.say(
        `${n.name}@${n.version} wants node "${String(n.manifest.engines?.node)}" (its engines), which leaves out ${out.join(', ')}; it may not work there`,
      );
    }
  }

  private say(line: string): void {
    if (this.said.has(line)) return;
    this.said.add(line);
    this.note(line);
  }
}

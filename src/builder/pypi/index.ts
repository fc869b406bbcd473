import { readZip } from '../../archive/index.js';
import type { PythonInterpreter } from '../../interpreters/python.js';
import type { PackEntry } from '../../packer/entry.js';
import type { PackageOutput } from '../../store/index.js';
import type { RecipeGraph, RecipeNode } from '../graph.js';
import type { BuildContext, BuildDependency, EcosystemBuilder, Target, TargetRequest } from '../types.js';
import { dropMatching } from '../drop.js';
import { applies, assembleWithBin, minorOf, sourceFor } from '../matrix.js';
import { pythonPackageName, sitePackages } from './layout.js';
import { installWheel } from './wheel-install.js';

export class PypiBuilder implements EcosystemBuilder {
  readonly ecosystem = 'pypi' as const;
  private pythons: Promise<Map<string, PythonInterpreter>> | undefined;

  private found(): Promise<Map<string, PythonInterpreter>> {
    this.pythons ??= import('../../interpreters/python.js').then(
      async (m) => new Map((await m.discoverPythons()).map((p) => [p.version, p])),
    );
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
    if (sourceFor(node, v, 'Python', '--python').kind !== 'sdist') return [];
    return graph.reachable(node.recipe.build.requires, (d) => applies(d, v)).map((n) => ({ purl: n.id, target }));
  }

  async build(ctx: BuildContext): Promise<PackageOutput[]> {
    const { node, target } = ctx;
    const v = minorOf(target);
    const src = sourceFor(node, v, 'Python', '--python');
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
      wheel = await readZip(data, { source: wheelName, limits: ctx.limits });
    }
    const installed = installWheel(wheel, { pythonVersion: v, distribution: node.purl.name, version: node.purl.version }, wheelName);
    // RECORD keeps listing a dropped file; Python tolerates that (pip uninstall skips missing files).
    installed.main = dropMatching(installed.main, sitePackages(v), node.recipe.build.drop ?? []);
    return assembleWithBin(node, target, {
      main: installed.main,
      bin: installed.bin,
      packageName: (name, bin) => pythonPackageName(name, v, bin),
    });
  }
}

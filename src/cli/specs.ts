import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RecipeGraph } from '../builder/index.js';
import { BaleError, UserError } from '../errors/index.js';
import { parseSpec } from '../purl/purl.js';
import type { Purl, Spec } from '../purl/purl.js';
import { ecosystem } from '../ecosystems/index.js';
import { listRecipeVersions } from '../recipe/index.js';
import { failedRootOf, type FailedRoot } from './bulk.js';

export type BuildRoot = { purl: Purl } | { file: string };

function isRecipeFile(arg: string): boolean {
  return arg.endsWith('.toml') || (!/^[a-z]+:/i.test(arg) && existsSync(arg));
}

/** `bale build` takes recipe files, or specs answered from the recipes already imported. */
export async function resolveBuildRoots(args: string[], recipesDir: string): Promise<BuildRoot[]> {
  const roots: BuildRoot[] = [];
  for (const arg of args) {
    if (isRecipeFile(arg)) {
      roots.push({ file: resolve(arg) });
      continue;
    }
    const spec: Spec = parseSpec(arg);
    if (spec.repository !== undefined) {
      throw new UserError(
        'ESPEC',
        `${arg}: bale build reads recipes imported before, never a registry, so repository_url would be ignored: drop it, or use bale request (or import) to resolve against it`,
      );
    }
    const versions = await listRecipeVersions(recipesDir, spec.type, spec.name);
    // How a range picks is the ecosystem's, loaded for the one asked: a `bale build` of one npm package does not load PEP 440.
    const pick = await ecosystem(spec.type).picker();
    const version =
      spec.range === undefined
        ? (pick(versions, '*') ?? versions.at(-1))
        : versions.includes(spec.range)
          ? spec.range
          : pick(versions, spec.range);
    if (version === undefined) {
      const have = versions.length > 0 ? `recipes exist for ${versions.slice(-5).join(', ')}` : 'no recipe exists for it';
      throw new UserError(
        'ENORECIPE',
        `no recipe in ${recipesDir} matches ${arg} (${have}): run \`bale import ${arg}\` or \`bale request ${arg}\``,
      );
    }
    roots.push({ purl: { type: spec.type, name: spec.name, version } });
  }
  return roots;
}

/**
 * `bale build --keep-going`: each argument answered on its own (a spec no recipe matches is set
 * aside), then the graph of the rest loaded, a root whose closure cannot be read set aside too.
 * `argOf` maps each root's purl to the argument it came from.
 */
export async function keptBuildGraph(
  args: string[],
  recipesDir: string,
): Promise<{ graph: RecipeGraph; roots: Purl[]; failed: FailedRoot[]; argOf: Map<string, string> }> {
  const failed: FailedRoot[] = [];
  const found: { arg: string; root: BuildRoot }[] = [];
  for (const arg of args) {
    try {
      const [root] = await resolveBuildRoots([arg], recipesDir);
      found.push({ arg, root: root! });
    } catch (err) {
      if (!(err instanceof BaleError)) throw err;
      failed.push(failedRootOf(arg, err));
    }
  }
  const { loadGraph } = await import('../builder/index.js');
  const { keepResolving } = await import('../../importers/keep-going.js');
  const load = (some: typeof found): ReturnType<typeof loadGraph> =>
    loadGraph(
      recipesDir,
      some.map((f) => f.root),
    );
  const r = await keepResolving(found, load);
  failed.push(...r.failed.map((f) => failedRootOf(f.root.arg, f.error)));
  const order = new Map(args.map((a, i) => [a, i]));
  failed.sort((a, b) => order.get(a.spec)! - order.get(b.spec)!);
  const nodes = r.value?.roots ?? [];
  const { RecipeGraph } = await import('../builder/index.js');
  return {
    graph: r.value?.graph ?? new RecipeGraph(),
    roots: nodes.map((n) => n.purl),
    failed,
    argOf: new Map(nodes.map((n, i) => [n.id, r.kept[i]!.arg])),
  };
}

/**
 * What a build was made from, as the store keeps it beside the packages (src/store/description.ts):
 * the same closure of recipes and target request a queue job carries, so anyone holding them can
 * plan the same task, get the same build key, and build it again.
 */
import { formatRecipe } from '../recipe/write.js';
import type { BuildDescription, BuildFacts, DescribedInput } from '../store/index.js';
import { baleVersion } from '../util/package-root.js';
import type { RecipeGraph } from './graph.js';
import type { Task, TaskResult } from './scheduler.js';
import type { TargetRequest } from './types.js';

const byKeyThenName = (a: DescribedInput, b: DescribedInput): number =>
  a.build_key < b.build_key ? -1 : a.build_key > b.build_key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export function describeBuild(
  task: Task,
  graph: RecipeGraph,
  request: TargetRequest,
  inputs: readonly TaskResult[],
): Omit<BuildFacts, 'startedOn' | 'finishedOn'> {
  const closure = graph.reachable([task.node.id]);
  const recipes = closure.map((n) => ({ digest: n.digest, text: formatRecipe(n.recipe) }));
  const description: BuildDescription = {
    format: 1,
    build_key: task.key,
    task: task.id,
    purl: task.node.id,
    recipe_digest: task.node.digest,
    interpreter: task.target.interpreter,
    request: { node: [...request.node], python: [...request.python], ruby: [...request.ruby] },
    bale: baleVersion(),
    zlib: process.versions.zlib,
    recipes: [...new Set(recipes.map((r) => r.digest))].sort(),
    sources: task.node.recipe.source.map((s) => ({ uri: s.url, integrity: s.integrity })),
    inputs: inputs
      .flatMap((r) => r.packages.map((p) => ({ build_key: r.task.key, name: p.name, version: p.version, sha256: p.sha256 })))
      .sort(byKeyThenName),
  };
  return {
    description,
    recipes: recipes.sort((a, b) => (a.digest < b.digest ? -1 : 1)).filter((r, i, a) => i === 0 || a[i - 1]!.digest !== r.digest),
  };
}

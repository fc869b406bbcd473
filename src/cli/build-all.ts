/**
 * `bale build --all`: every recipe of the tree, as one graph planned once. The roots reported are
 * the recipes nothing else depends on (plus one recipe of each cycle nothing outside it reaches),
 * so the output names what a maintainer listed, not the whole closure twice.
 */
import type { RecipeGraph, RecipeNode } from '../builder/index.js';
import { UsageError } from '../errors/index.js';
import { listRecipeFiles } from '../recipe/walk.js';

/** The recipes no other recipe reaches, then one of each unreached cycle; sorted by id. */
export function topRecipes(graph: RecipeGraph): RecipeNode[] {
  const needed = new Set<string>();
  for (const n of graph.nodes.values()) for (const d of n.recipe.dependency) if (d.purl !== n.id) needed.add(d.purl);
  const ids = [...graph.nodes.keys()].sort();
  const roots = ids.filter((id) => !needed.has(id));
  const reached = new Set(roots.length > 0 ? graph.reachable(roots).map((n) => n.id) : []);
  for (const id of ids) {
    if (reached.has(id)) continue;
    roots.push(id);
    for (const n of graph.reachable([id])) reached.add(n.id);
  }
  return roots.sort().map((id) => graph.get(id));
}

/** Every recipe under `recipesDir` in one graph; an empty tree is a usage error (nothing to build). */
export async function allRecipesGraph(recipesDir: string): Promise<{ graph: RecipeGraph; roots: RecipeNode[] }> {
  const files = await listRecipeFiles(recipesDir);
  if (files.length === 0) {
    throw new UsageError(`bale build --all: ${recipesDir} holds no recipes: import some first (bale import SPEC, or --recipes DIR)`);
  }
  const { loadGraph } = await import('../builder/index.js');
  // Each file read once: a dependency already loaded as a root is not read again.
  const { graph } = await loadGraph(
    recipesDir,
    files.map((file) => ({ file })),
  );
  return { graph, roots: topRecipes(graph) };
}

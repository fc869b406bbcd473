import { UserError } from '../errors/index.js';
import { formatPurl, parsePurl } from '../purl/purl.js';
import type { Purl } from '../purl/purl.js';
import { readRecipe, recipeDigest, recipePath } from '../recipe/index.js';
import type { Recipe, RecipeDependency } from '../recipe/index.js';

export interface RecipeNode {
  purl: Purl;
  /** Canonical purl text, the graph's key. */
  id: string;
  recipe: Recipe;
  digest: string;
  file: string;
}

/** The pinned closure of some roots, read from the recipes tree. Cycles are fine: recipes name purls. */
export class RecipeGraph {
  readonly nodes = new Map<string, RecipeNode>();

  get(id: string): RecipeNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`recipe graph has no ${id}`);
    return n;
  }

  /** `from` and every node reachable from it through the dependencies `keep` admits, sorted. */
  reachable(from: readonly string[], keep: (d: RecipeDependency) => boolean = () => true): RecipeNode[] {
    const seen = new Set<string>(from);
    const stack = [...from];
    while (stack.length > 0) {
      for (const d of this.get(stack.pop()!).recipe.dependency) {
        if (keep(d) && !seen.has(d.purl)) {
          seen.add(d.purl);
          stack.push(d.purl);
        }
      }
    }
    return [...seen].sort().map((p) => this.get(p));
  }

  /** Every node reachable from `id` through (kept) dependencies, excluding `id` itself, sorted. */
  closureOf(id: string, keep: (d: RecipeDependency) => boolean = () => true): RecipeNode[] {
    const direct = this.get(id)
      .recipe.dependency.filter(keep)
      .map((d) => d.purl);
    return this.reachable(direct, keep).filter((n) => n.id !== id);
  }
}

/** A graph of recipes held in memory (just resolved, not written yet), placed where they would be written. */
export function graphFromRecipes(recipesDir: string, recipes: Recipe[], roots: Purl[]): { graph: RecipeGraph; roots: RecipeNode[] } {
  const graph = new RecipeGraph();
  for (const recipe of recipes) {
    const purl = parsePurl(recipe.purl);
    graph.nodes.set(recipe.purl, { purl, id: recipe.purl, recipe, digest: recipeDigest(recipe), file: recipePath(recipesDir, purl) });
  }
  for (const n of graph.nodes.values()) {
    for (const d of n.recipe.dependency) {
      if (!graph.nodes.has(d.purl)) throw new Error(`resolution of ${n.id} lacks its dependency ${d.purl}`);
    }
  }
  return { graph, roots: roots.map((p) => graph.get(formatPurl(p))) };
}

/** Load the closure of `roots` (recipe files or purls) from `recipesDir`. */
export async function loadGraph(
  recipesDir: string,
  roots: ({ purl: Purl } | { file: string })[],
): Promise<{ graph: RecipeGraph; roots: RecipeNode[] }> {
  const graph = new RecipeGraph();
  /** `purl` is what the path promises (undefined for a recipe file named by the user). */
  const load = async (purl: Purl | undefined, file: string, requiredBy: string | undefined): Promise<RecipeNode> => {
    let recipe: Recipe;
    try {
      recipe = await readRecipe(file);
    } catch (err) {
      // Only a missing file is "missing": a fifo, an oversized or an invalid recipe says so itself.
      const missing = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      if (requiredBy === undefined || purl === undefined || !missing) throw err;
      throw new UserError(
        'ERECIPE',
        `recipe for ${purl.name}@${purl.version} (required by ${requiredBy}) is missing at ${file}: run \`bale import\` for ${requiredBy}`,
      );
    }
    if (purl !== undefined && recipe.purl !== formatPurl(purl)) {
      throw new UserError(
        'ERECIPE',
        `recipe ${file} declares ${recipe.purl} but sits where ${formatPurl(purl)} belongs: fix its purl or move it`,
      );
    }
    const node: RecipeNode = { purl: parsePurl(recipe.purl), id: recipe.purl, recipe, digest: recipeDigest(recipe), file };
    return node;
  };
  const rootNodes: RecipeNode[] = [];
  const queue: { node: RecipeNode }[] = [];
  for (const r of roots) {
    const node = 'file' in r ? await load(undefined, r.file, undefined) : await load(r.purl, recipePath(recipesDir, r.purl), undefined);
    if (!graph.nodes.has(node.id)) {
      graph.nodes.set(node.id, node);
      queue.push({ node });
    }
    rootNodes.push(graph.get(node.id));
  }
  while (queue.length > 0) {
    const batch = queue.splice(0, queue.length);
    const wanted = new Map<string, { purl: Purl; by: string }>();
    for (const { node } of batch) {
      for (const d of node.recipe.dependency ?? []) {
        if (!graph.nodes.has(d.purl) && !wanted.has(d.purl)) wanted.set(d.purl, { purl: parsePurl(d.purl), by: node.id });
      }
    }
    const loaded = await Promise.all([...wanted.values()].map((w) => load(w.purl, recipePath(recipesDir, w.purl), w.by)));
    for (const node of loaded) {
      if (!graph.nodes.has(node.id)) {
        graph.nodes.set(node.id, node);
        queue.push({ node });
      }
    }
  }
  return { graph, roots: rootNodes };
}

/**
 * Rebuilding packages from their build descriptions alone: the recipes they carry are planned
 * with the target request they name, each planned build must get the build key the description
 * names (same recipes, target, inputs, bale and zlib), the builds run into a fresh store, and
 * every package is compared with the one it claims to reproduce. Nothing of the first build's
 * store is read: only its description, its recipes and the expected sha256.
 */
import { buildGraph, graphFromRecipes, type BuildOptions, type TaskResult } from '../builder/index.js';
import { isUserError, oneLine } from '../errors/index.js';
import { parseRecipe, type Recipe } from '../recipe/index.js';
import type { PackageBuild, StoredPackage } from '../store/index.js';

/** A package to rebuild: what it is, and how it says it was built. */
export interface Original {
  name: string;
  version: string;
  sha256: string;
  build: PackageBuild | undefined;
}

export type Outcome =
  | { kind: 'reproduced'; original: Original; rebuilt: StoredPackage }
  | { kind: 'mismatch'; original: Original; rebuilt: StoredPackage }
  | { kind: 'failed'; original: Original; why: string };

/** Originals planned together: one target request, one graph of their recipes. */
interface Group {
  request: PackageBuild['description']['request'];
  originals: Original[];
  recipes: Map<string, string>;
}

const requestKey = (b: PackageBuild): string => JSON.stringify(b.description.request);

/**
 * Originals sharing a request are planned as one graph, unless two of them pin one purl to
 * different recipes (then the later one starts a group of its own).
 */
function group(originals: Original[]): { groups: Group[]; failed: Outcome[] } {
  const groups: Group[] = [];
  const failed: Outcome[] = [];
  for (const o of originals) {
    const b = o.build;
    if (b === undefined) {
      failed.push({ kind: 'failed', original: o, why: 'it has no build description (built before bale kept them, or pushed without one)' });
      continue;
    }
    const purls = new Map(b.recipes.map((r) => [purlOf(r.text), r.digest]));
    const fits = (g: Group): boolean =>
      JSON.stringify(g.request) === requestKey(b) && [...purls].every(([p, d]) => g.recipes.get(p) === undefined || g.recipes.get(p) === d);
    let g = groups.find(fits);
    if (g === undefined) {
      g = { request: b.description.request, originals: [], recipes: new Map() };
      groups.push(g);
    }
    g.originals.push(o);
    for (const r of b.recipes) g.recipes.set(purlOf(r.text), r.digest);
  }
  return { groups, failed };
}

/** The purl line of a canonical recipe text (cheap: grouping needs no full parse). */
function purlOf(text: string): string {
  return /^purl = "([^"]+)"$/m.exec(text)?.[1] ?? text;
}

export interface RebuildOptions extends Omit<BuildOptions, 'request' | 'only'> {}

/**
 * Rebuild `originals` into `opts.store` (a fresh store: a hit there would not be a rebuild) and
 * say, per original, whether the rebuilt package is byte for byte the same.
 */
export async function rebuild(originals: Original[], opts: RebuildOptions): Promise<Outcome[]> {
  const { groups, failed } = group(originals);
  const outcomes: Outcome[] = [...failed];
  for (const g of groups) outcomes.push(...(await rebuildGroup(g, opts)));
  const order = new Map(originals.map((o, i) => [o, i]));
  return outcomes.sort((a, b) => order.get(a.original)! - order.get(b.original)!);
}

async function rebuildGroup(g: Group, opts: RebuildOptions): Promise<Outcome[]> {
  const texts = new Map<string, string>();
  for (const o of g.originals) for (const r of o.build!.recipes) texts.set(r.digest, r.text);
  let recipes: Recipe[];
  let graph: ReturnType<typeof graphFromRecipes>['graph'];
  try {
    recipes = [...texts].map(([digest, text]) => parseRecipe(text, `recipe ${digest.slice(0, 12)}`));
    graph = graphFromRecipes('', recipes, []).graph;
  } catch (err) {
    return g.originals.map((original) => ({ kind: 'failed', original, why: `its recipes do not make a plan: ${oneLine(err)}` }));
  }
  const wanted = new Map(g.originals.map((o) => [o.build!.description.task, o]));
  const refused = new Map<Original, string>();
  let results: TaskResult[] = [];
  try {
    results = await buildGraph(graph, {
      ...opts,
      request: g.request,
      only: new Set(wanted.keys()),
      keepGoing: true,
      onPlanned: (tasks) => {
        const planned = new Map(tasks.map((t) => [t.id, t]));
        for (const [id, o] of wanted) {
          const t = planned.get(id);
          const want = o.build!.description.build_key;
          if (t === undefined)
            refused.set(o, `this bale plans no build ${id} from its recipes: its interpreters differ from the first builder's`);
          else if (t.key !== want)
            refused.set(
              o,
              `rebuilt here it would be build key ${t.key.slice(0, 12)}, not ${want.slice(0, 12)}: bale, zlib or interpreter versions differ (this bale plans with bale ${o.build!.description.bale} recipes)`,
            );
        }
      },
      onFailed: (task, error) => {
        const o = wanted.get(task.id);
        if (o !== undefined) refused.set(o, oneLine(error));
        opts.onFailed?.(task, error);
      },
    });
  } catch (err) {
    if (!isUserError(err)) throw err;
    return g.originals.map((original) => ({ kind: 'failed', original, why: oneLine(err) }));
  }
  const byTask = new Map(results.map((r) => [r.task.id, r]));
  return g.originals.map((original): Outcome => {
    const why = refused.get(original);
    if (why !== undefined) return { kind: 'failed', original, why };
    const r = byTask.get(original.build!.description.task);
    const rebuilt = r?.packages.find((p) => p.name === original.name && p.version === original.version);
    if (r === undefined || rebuilt === undefined)
      return { kind: 'failed', original, why: `its build made no package ${original.name} ${original.version}` };
    return { kind: rebuilt.sha256 === original.sha256 ? 'reproduced' : 'mismatch', original, rebuilt };
  });
}

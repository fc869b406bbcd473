/**
 * From recipes to build jobs: the builder's own plan (targets, build dependencies, keys; a cycle
 * is a UserError naming it), recipes put in Redis by digest, one build job per (recipe, target)
 * with the build key as its id. BullMQ flows are trees and these plans are DAGs, so the order is
 * bale's: a job lists the keys it waits for and the build processor holds it back until they are
 * in the store.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { graphFromRecipes, type BuildSession, type TargetRequest, type Task } from '../src/builder/index.js';
import { parsePurl } from '../src/purl/purl.js';
import type { Recipe } from '../src/recipe/index.js';
import { BUILD_JOB_OPTIONS, type BuildJobData, type PlanResult } from './jobs.js';
import { putRecipes } from './recipe-store.js';

export interface PlanDeps {
  session: BuildSession;
  redis: Redis;
  buildQueue: Queue<BuildJobData>;
  /** Where the recipes would live (only used to name them in messages). */
  recipesDir: string;
}

/**
 * A finished job whose packages are no longer in the store (a store cleaned out, or one replaced
 * under the same Redis) would answer "built" for files that are gone: run it again. Its id stays
 * the build key, so the fleet still builds it once.
 */
async function rerunVanished(tasks: Task[], deps: PlanDeps): Promise<void> {
  const states = await Promise.all(tasks.map((t) => deps.buildQueue.getJobState(t.key)));
  for (const [i, t] of tasks.entries()) {
    if (states[i] !== 'completed' || (await deps.session.opts.store.lookup(t.key)) !== undefined) continue;
    await (await deps.buildQueue.getJob(t.key))?.retry('completed');
  }
}

/**
 * Every task after the tasks it builds against (then by id): jobs are added in batches, and a
 * worker may take a job before the next batch is in, so a dependency must never be in a later
 * batch than its dependent (which would find no job for it and fail). The plan is acyclic.
 */
export function depsFirst(tasks: ReadonlyMap<string, Task>): Task[] {
  const out: Task[] = [];
  const seen = new Set<string>();
  const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const visit = (t: Task): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    for (const d of [...t.deps].sort(byId)) visit(tasks.get(d)!);
    out.push(t);
  };
  for (const id of [...tasks.keys()].sort(byId)) visit(tasks.get(id)!);
  return out;
}

export async function planAndEnqueue(recipes: Recipe[], roots: string[], request: TargetRequest, deps: PlanDeps): Promise<PlanResult> {
  const { graph } = graphFromRecipes(deps.recipesDir, recipes, roots.map(parsePurl));
  const tasks = await deps.session.plan(graph, request);
  await putRecipes(
    deps.redis,
    [...graph.nodes.values()].map((n) => ({ digest: n.digest, recipe: n.recipe })),
  );
  const ordered = [...tasks.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const jobs = depsFirst(tasks).map((t) => ({
    name: t.id,
    data: {
      task: t.id,
      purl: t.node.id,
      key: t.key,
      closure: graph.reachable([t.node.id]).map((n) => n.digest),
      request,
      deps: t.deps.map((d) => tasks.get(d)!.key),
      interpreter: t.target.interpreter === null ? null : `${t.target.interpreter.kind}${t.target.interpreter.version}`,
    } satisfies BuildJobData,
    // Adding an id the queue already holds (queued, running, done) is a no-op: never built twice.
    opts: { ...BUILD_JOB_OPTIONS, jobId: t.key },
  }));
  for (let i = 0; i < jobs.length; i += 500) await deps.buildQueue.addBulk(jobs.slice(i, i + 500));
  await rerunVanished(ordered, deps);
  return { roots, builds: ordered.map((t) => ({ key: t.key, task: t.id, purl: t.node.id })) };
}

/**
 * One build job: the same BuildSession.buildOne an in-process run uses, after three checks. A
 * package already in the store completes at once; a job whose build dependencies are not in the
 * store yet gives its slot back and looks again (or fails at once if one of them failed); and
 * this worker must plan the same key the planner did (same bale, zlib and interpreters),
 * otherwise what it built would be filed under a key it does not match.
 */
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { relative } from 'node:path';
import { graphFromRecipes, type BuildSession, type TaskResult } from '../src/builder/index.js';
import type { Store, StoredPackage } from '../src/store/index.js';
import { DEPENDENCY_POLL_MS, forQueue, type BuildJobData, type BuildResult, type BuiltPackage } from './jobs.js';
import { keepLogTail } from './log-tail.js';
import { getRecipes } from './recipe-store.js';

export interface BuildProcessorDeps {
  session: BuildSession;
  redis: Redis;
  store: Store;
  buildQueue: Queue<BuildJobData>;
  /** Called before a job that stalled elsewhere runs again: its worker may have died mid-write. */
  onRecovered?: () => Promise<void>;
  /** Where builds write their logs: a failure's log tail is kept with its job. */
  logDir?: string;
}

const asBuilt = (packages: StoredPackage[], storeRoot: string): BuiltPackage[] =>
  packages.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256, size: p.size, file: relative(storeRoot, p.file) }));

/** What a dependency that is not in the store is doing: fine to wait, or a reason to fail now. */
async function blockedBy(queue: Queue<BuildJobData>, key: string): Promise<string | undefined> {
  const state = await queue.getJobState(key);
  if (state === 'failed') {
    const dep = await queue.getJob(key);
    return `its build dependency ${dep?.name ?? key} failed: ${dep?.failedReason ?? 'no reason recorded'}`;
  }
  if (state === 'unknown') return `its build dependency ${key} is neither queued nor in the store: enqueue the request again`;
  return undefined;
}

export function buildProcessor(deps: BuildProcessorDeps): (job: Job<BuildJobData>, token?: string) => Promise<BuildResult> {
  const { session, store } = deps;
  return async (job, token) => {
    const d = job.data;
    try {
      const hit = await store.lookup(d.key);
      if (hit !== undefined) return result(d, hit, true, store.root);
      const missing: string[] = [];
      for (const k of d.deps) if ((await store.lookup(k)) === undefined) missing.push(k);
      if (missing.length > 0) {
        for (const k of missing) {
          const why = await blockedBy(deps.buildQueue, k);
          if (why !== undefined) throw new UnrecoverableError(`${d.task}: ${why}`);
        }
        await job.moveToDelayed(Date.now() + DEPENDENCY_POLL_MS, token);
        throw new DelayedError();
      }
      if (job.stalledCounter > 0) await deps.onRecovered?.();
      await job.updateProgress({ phase: 'planning' });
      const { graph } = graphFromRecipes('', await getRecipes(deps.redis, d.closure), []);
      const tasks = await session.plan(graph, d.request);
      const task = tasks.get(d.task);
      if (task === undefined)
        throw new UnrecoverableError(`${d.task}: this worker plans no such build: its interpreters differ from the planner's`);
      if (task.key !== d.key) {
        throw new UnrecoverableError(
          `${d.task}: this worker would file it under build key ${task.key.slice(0, 12)}, the planner under ${d.key.slice(0, 12)}: bale, zlib or interpreter versions differ across the fleet; run one version everywhere`,
        );
      }
      const inputs: TaskResult[] = [];
      for (const dep of task.deps) {
        const depTask = tasks.get(dep)!;
        const got = await store.lookup(depTask.key);
        if (got === undefined) throw new Error(`${d.task}: build dependency ${dep} left the store while it was building`);
        inputs.push({ task: depTask, packages: got, cached: true });
      }
      await job.updateProgress({ phase: 'building' });
      const built = await session.buildOne(task, graph, inputs, d.request);
      return result(d, built.packages, built.cached, store.root);
    } catch (err) {
      if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
      if (deps.logDir !== undefined) await keepLogTail(job, err, deps.logDir).catch(() => undefined);
      throw forQueue(err);
    }
  };
}

function result(d: BuildJobData, packages: StoredPackage[], cached: boolean, storeRoot: string): BuildResult {
  return { purl: d.purl, interpreter: d.interpreter, cached, packages: asBuilt(packages, storeRoot) };
}

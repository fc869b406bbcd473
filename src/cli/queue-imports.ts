/**
 * Import jobs waited for as `request --queue` waits (used by `refresh --queue`): each spec imported
 * on a worker, which writes its closure's recipes into the fleet's tree and plans its builds, then
 * every planned build. With keepGoing an import that fails, or a root whose build fails, is set
 * aside as a failed root (its category from the worker's error code); else the first failure throws.
 */
import type { EnqueuedJob } from '../../queue/producer.js';
import type { ImportJobData, PlanResult } from '../../queue/jobs.js';
import { parsePurl } from '../purl/purl.js';
import { failedRootOf, rootsNotBuilt, type FailedRoot } from './bulk.js';
import type { Env } from './env.js';
import type { PackageLine } from './output.js';
import { builtLines, localRoot, producerFor, waitBuilds } from './queue-commands.js';
import type { FailedTarget } from './targets.js';

/** One import job: the spec as the job parses it, the root as the user gave it (for reports), the job's options. */
export interface QueuedImport {
  spec: string;
  arg: string;
  data: Omit<ImportJobData, 'spec'>;
}

export interface ImportsDone {
  jobs: EnqueuedJob[];
  /** The packages of every planned build that completed, as `request --queue` lists them. */
  lines: PackageLine[];
  failedRoots: FailedRoot[];
  /** Builds that failed on the fleet (only with keepGoing). */
  failures: FailedTarget[];
  /** Recipe files the workers wrote, as paths in their recipes tree. */
  recipes: string[];
}

export async function importsViaQueue(
  items: QueuedImport[],
  env: Env,
  redis: string | undefined,
  keepGoing: boolean,
): Promise<ImportsDone> {
  const root = await localRoot(env);
  const { producer, close } = await producerFor('--queue', redis, env);
  try {
    const since = Date.now();
    const jobs: EnqueuedJob[] = [];
    for (const it of items) jobs.push(...(await producer.enqueueImports([it.spec], () => it.data)));
    env.progress.phase('importing on the fleet', jobs.length);
    const failedRoots: FailedRoot[] = [];
    let done = 0;
    const plans = await Promise.all(
      jobs.map(async (j, i): Promise<PlanResult | undefined> => {
        try {
          return await producer.waitForPlan(j);
        } catch (err) {
          if (!keepGoing) throw err;
          failedRoots.push(failedRootOf(items[i]!.arg, err));
          return undefined;
        } finally {
          env.progress.update(++done, jobs.length, items[i]!.arg);
        }
      }),
    );
    env.progress.stop();
    const imported = plans.flatMap((plan, i) => (plan === undefined ? [] : [{ plan, arg: items[i]!.arg }]));
    const builds = [...new Map(imported.flatMap((x) => x.plan.builds).map((b) => [b.key, b])).values()];
    const built = await waitBuilds(producer, builds, since, env, keepGoing);
    const argOf = new Map(imported.flatMap((x) => x.plan.roots.map((r): [string, string] => [r, x.arg])));
    failedRoots.push(...rootsNotBuilt([...argOf.keys()].map(parsePurl), argOf, built.failures));
    return {
      jobs,
      lines: builtLines(built.results, root),
      failedRoots,
      failures: built.failures,
      recipes: imported.flatMap((x) => x.plan.recipes ?? []),
    };
  } finally {
    await close();
  }
}

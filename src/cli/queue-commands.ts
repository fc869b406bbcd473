/**
 * The fleet's commands: `worker`, `enqueue`, `queue status`, `queue retry` and `request --queue`.
 * BullMQ and ioredis load only here, so in-process commands never pay for them.
 */
import { join } from 'node:path';
import { UsageError } from '../errors/index.js';
import type { Resolution } from '../../importers/index.js';
import type { BuildRef, BuildResult, ImportJobData } from '../../queue/jobs.js';
import type { Ecosystem, Purl } from '../purl/purl.js';
import type { RecipeGraph } from '../builder/index.js';
import type { FailedBuild, Producer } from '../../queue/producer.js';
import { indexOf, matrixOf, targetRequest, type Env, type QueueFlags } from './env.js';
import { wholeNumber } from './flags.js';
import { printJson, printPackages, say, tell, type PackageLine } from './output.js';
import { specsFrom } from './spec-file.js';
import type { FailedTarget } from './targets.js';

/**
 * A producer on the fleet's Redis (`given` by `flag`, else BALE_REDIS_URL); an outage
 * while it waits is a line when lost and one when back.
 */
export async function producerFor(
  flag: string,
  given: string | undefined,
  env: Env,
): Promise<{ producer: Producer; url: string; close: () => Promise<void> }> {
  const { redisUrl, checkRedis, connect, watchRedis } = await import('../../queue/connection.js');
  const url = redisUrl(flag, given);
  await checkRedis(url);
  const redis = connect(url);
  const onError = watchRedis(redis, url, (line) => env.progress.log(`bale: ${line}`));
  const { Producer } = await import('../../queue/producer.js');
  const producer = new Producer(redis, onError);
  return {
    producer,
    url,
    close: async () => {
      await producer.close();
      redis.disconnect();
    },
  };
}

/**
 * `storeRoot` is the local directory of the store (a registry store's cache, see localStoreRoot):
 * the workers' files are relative to theirs.
 */
export function builtLines(results: BuildResult[], storeRoot: string): PackageLine[] {
  return results
    .flatMap((r) =>
      r.packages.map((p) => ({
        name: p.name,
        version: p.version,
        purl: r.purl,
        interpreter: r.interpreter,
        file: join(storeRoot, p.file),
        sha256: p.sha256,
        size: p.size,
        cached: r.cached,
      })),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

export async function localRoot(env: Env): Promise<string> {
  const { localStoreRoot } = await import('../store/index.js');
  return localStoreRoot(env.opts.store, env.paths.cache);
}

/** What the fleet built; with `settle` (--keep-going), the builds that failed too, as failed targets. */
export interface FleetBuilt {
  results: BuildResult[];
  failures: FailedTarget[];
}

/** Plan on a worker, then wait for every build it planned. */
async function planAndWait(
  producer: Producer,
  res: Pick<Resolution, 'recipes' | 'roots'>,
  digests: string[],
  env: Env,
  settle = false,
): Promise<FleetBuilt> {
  const { formatPurl } = await import('../purl/purl.js');
  const since = Date.now();
  const job = await producer.enqueuePlan(res.recipes, res.roots.map(formatPurl), targetRequest(env.opts), digests);
  env.progress.phase('waiting for a worker to plan', 1);
  const plan = await producer.waitForPlan(job);
  return waitBuilds(producer, plan.builds, since, env, settle);
}

/** Without `settle` the first failed build fails the command; with it every build is waited for. */
export async function waitBuilds(producer: Producer, builds: BuildRef[], since: number, env: Env, settle = false): Promise<FleetBuilt> {
  env.progress.phase('building on the fleet', builds.length);
  const onProgress = (done: number, total: number): void => env.progress.update(done, total);
  try {
    if (!settle) return { results: await producer.waitForBuilds(builds, since, onProgress), failures: [] };
    const { results, failed } = await producer.settleBuilds(builds, since, onProgress);
    return { results, failures: failed.map(fleetFailure) };
  } finally {
    env.progress.stop();
  }
}

/** A build that failed on the fleet, worded as an in-process build's failure (targets.ts buildFailure). */
export function fleetFailure(f: FailedBuild): FailedTarget {
  return {
    // `node22.23.3` as `node 22.23.3`.
    target: f.interpreter === null ? 'any' : f.interpreter.replace(/^([a-z]+)/, '$1 '),
    package: f.purl,
    error: f.reason.split('\n')[0]!,
    ...(f.dependencyFailed ? { skipped: true as const, code: 'EDEPFAILED' as const } : {}),
  };
}

/**
 * `bale request ... --queue [URL]`: Redis (and the store the results are listed from) checked
 * first, so a wrong one fails before any registry is asked; resolved here, built by the fleet; the
 * caller writes the recipes once it succeeded. `keepGoing`: builds that fail are answered, not thrown.
 */
export async function requestViaQueue<R extends Resolution>(
  resolve: () => Promise<R>,
  env: Env,
  redis: string | undefined,
  keepGoing = false,
): Promise<{ res: R; lines: PackageLine[]; failures: FailedTarget[] }> {
  const root = await localRoot(env);
  const { producer, close } = await producerFor('--queue', redis, env);
  try {
    const res = await resolve();
    const { recipeDigest } = await import('../recipe/index.js');
    const built = await planAndWait(producer, res, res.recipes.map(recipeDigest), env, keepGoing);
    return { res, lines: builtLines(built.results, root), failures: built.failures };
  } finally {
    await close();
  }
}

/**
 * `bale build ... --queue [URL]`: Redis and the store checked first, then `load` reads the graph
 * from the recipes tree here; a worker plans it once and the fleet builds it. `keepGoing`: builds
 * that fail are answered, not thrown.
 */
export async function buildViaQueue(
  load: () => Promise<{ graph: RecipeGraph; roots: Purl[] }>,
  env: Env,
  redis: string | undefined,
  keepGoing = false,
): Promise<{ lines: PackageLine[]; failures: FailedTarget[] }> {
  const root = await localRoot(env);
  const { producer, close } = await producerFor('--queue', redis, env);
  try {
    const { graph, roots } = await load();
    const nodes = [...graph.nodes.values()];
    const res = { recipes: nodes.map((n) => n.recipe), roots };
    const built = await planAndWait(
      producer,
      res,
      nodes.map((n) => n.digest),
      env,
      keepGoing,
    );
    return { lines: builtLines(built.results, root), failures: built.failures };
  } finally {
    await close();
  }
}

/** What an import job of one ecosystem is given: the index and interpreters the flags name, and the targets. */
function importJob(eco: Ecosystem, env: Env): Omit<ImportJobData, 'spec'> {
  const registry = indexOf(eco, env.opts);
  const interpreters = matrixOf(eco, env.opts);
  return {
    request: targetRequest(env.opts),
    ...(registry !== undefined ? { registry } : {}),
    ...(interpreters !== undefined ? { interpreters } : {}),
  };
}

export async function cmdEnqueue(
  specArgs: string[],
  o: QueueFlags & { fromFile?: string; import?: boolean; wait?: boolean },
  env: Env,
): Promise<void> {
  const specs = await specsFrom(specArgs, o.fromFile, 'enqueue');
  const { parseSpec } = await import('../purl/purl.js');
  const ecosystems = specs.map((s) => parseSpec(s).type); // every spec checked before anything is enqueued
  // So are the index each import resolves against, the recipes tree, and with --wait the store the results are listed from.
  const importJobs = new Map(o.import === true ? ecosystems.map((eco) => [eco, importJob(eco, env)]) : []);
  const recipes = o.import === true ? '' : env.opts.recipes;
  const root = o.wait === true ? await localRoot(env) : '';
  const { producer, close } = await producerFor('--redis', o.redis, env);
  try {
    if (o.import === true) {
      const since = Date.now();
      const jobs = await producer.enqueueImports(specs, (eco) => importJobs.get(eco as Ecosystem)!);
      if (o.wait === true) {
        const plans = await Promise.all(jobs.map((j) => producer.waitForPlan(j)));
        const builds = [...new Map(plans.flatMap((p) => p.builds).map((b) => [b.key, b])).values()];
        env.progress.phase('importing on the fleet', jobs.length);
        const lines = builtLines((await waitBuilds(producer, builds, since, env)).results, root);
        if (env.opts.json) printJson({ roots: plans.flatMap((p) => p.roots), packages: lines });
        else printPackages(lines);
        return;
      }
      if (env.opts.json) printJson({ jobs });
      else say(`enqueued ${jobs.length} import job(s)`);
      return;
    }
    const { resolveBuildRoots } = await import('./specs.js');
    const { loadGraph } = await import('../builder/index.js');
    const { graph, roots } = await loadGraph(recipes, await resolveBuildRoots(specs, recipes));
    const nodes = [...graph.nodes.values()];
    const res = { recipes: nodes.map((n) => n.recipe), roots: roots.map((r) => r.purl) };
    if (o.wait === true) {
      const lines = builtLines(
        (
          await planAndWait(
            producer,
            res,
            nodes.map((n) => n.digest),
            env,
          )
        ).results,
        root,
      );
      if (env.opts.json) printJson({ packages: lines });
      else printPackages(lines);
      return;
    }
    const { formatPurl } = await import('../purl/purl.js');
    const job = await producer.enqueuePlan(
      res.recipes,
      res.roots.map(formatPurl),
      targetRequest(env.opts),
      nodes.map((n) => n.digest),
    );
    if (env.opts.json) printJson({ jobs: [job], recipes: nodes.length });
    else say(`enqueued the plan of ${nodes.length} recipe(s) as ${job.id}`);
  } finally {
    await close();
  }
}

export async function cmdQueueStatus(o: QueueFlags, env: Env): Promise<void> {
  const { producer, close } = await producerFor('--redis', o.redis, env);
  try {
    const { queueStatus, formatStatus } = await import('../../queue/status.js');
    const s = await queueStatus(producer);
    if (env.opts.json) printJson(s);
    else say(formatStatus(s));
  } finally {
    await close();
  }
}

export async function cmdQueueRetry(o: QueueFlags & { failed?: boolean }, env: Env): Promise<void> {
  if (o.failed !== true) throw new UsageError('bale queue retry: say which jobs: --failed');
  const { producer, close } = await producerFor('--redis', o.redis, env);
  try {
    const { retryFailed } = await import('../../queue/status.js');
    const retried = await retryFailed(producer);
    if (env.opts.json) printJson({ retried });
    else say(`${retried.length} failed job(s) back in their queues`);
  } finally {
    await close();
  }
}

export async function cmdWorker(o: QueueFlags & { concurrency?: number }, env: Env): Promise<void> {
  const { redisUrl } = await import('../../queue/connection.js');
  const url = redisUrl('--redis', o.redis);
  const lockEnv = process.env['BALE_QUEUE_LOCK_MS'];
  const lockMs = lockEnv !== undefined && lockEnv !== '' ? wholeNumber('BALE_QUEUE_LOCK_MS', lockEnv, 1000, 3_600_000) : undefined;
  const { startWorker } = await import('../../queue/worker.js');
  const { signingStoreOptions } = await import('./signing.js');
  const w = await startWorker({
    redisUrl: url,
    store: env.opts.store,
    storeOptions: await signingStoreOptions(env.opts),
    recipes: env.opts.recipes,
    cacheDir: env.paths.cache,
    concurrency: o.concurrency ?? 1,
    sandbox: env.opts.sandbox,
    directAsRoot: env.opts.iKnow,
    ...(env.opts.buildTimeoutMs !== undefined ? { limits: { timeoutMs: env.opts.buildTimeoutMs } } : {}),
    ...(env.opts.overrides !== undefined ? { overridesDir: env.opts.overrides } : {}),
    ...(lockMs !== undefined ? { lockMs } : {}),
    log: (line) => tell(`bale worker: ${line}`),
  });
  let signals = 0;
  const stop = (sig: string): void => {
    if (++signals > 1) process.exit(130);
    tell(`bale worker: ${sig}: taking no more jobs, finishing the running ones`);
    void w.close();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await w.closed;
}

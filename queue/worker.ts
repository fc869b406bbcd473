/**
 * `bale worker`: takes build, plan and import jobs from Redis until SIGTERM. Builds run through
 * the same BuildSession an in-process `bale build` uses, writing to a store the fleet shares.
 * A SIGKILLed worker's job is taken again by another worker once its lock expires (BullMQ's
 * stalled-job check); every attempt starts from fresh staging, so builds are idempotent.
 * SIGTERM/SIGINT: stop taking jobs, let the running ones finish, exit 0.
 */
import { cpus } from 'node:os';
import type { Limits } from '../src/limits/index.js';
import { join } from 'node:path';
import { sweepScratch } from '../src/util/scratch.js';
import { Queue, Worker, type Job } from 'bullmq';
import { BuildSession } from '../src/builder/index.js';
import { oneLine } from '../src/errors/index.js';
import { redactUrls } from '../src/errors/printable.js';
import { openStoreAt, type StoreOptions } from '../src/store/index.js';
import { TEMP_HOST } from '../src/util/atomic-write.js';
import { buildProcessor } from './build-processor.js';
import { checkRedis, connect, IMPORT_ECOSYSTEMS, QUEUE, watchRedis } from './connection.js';
import { importProcessor, planProcessor } from './import-processor.js';
import { rebuildProcessor, type RebuildJobData, type RebuildResult } from './rebuild-processor.js';
import type { BuildJobData, BuildResult } from './jobs.js';
import { sweepDeadTemps } from './sweep.js';

export interface WorkerOptions {
  redisUrl: string;
  /** A directory, or `oci://HOST[:PORT]/NAMESPACE` for a registry store (its local copy under cacheDir). */
  store: string;
  /** E.g. a signer for every package written (the CLI passes one when a signing key is configured). */
  storeOptions?: StoreOptions;
  recipes: string;
  cacheDir: string;
  /** Build jobs at once in this process. */
  concurrency: number;
  sandbox: 'auto' | 'bubblewrap' | 'direct';
  /** The direct runner may run builds as root (`--sandbox direct --i-know`). @defaultValue false */
  directAsRoot?: boolean;
  /** Bounds for recipes without their own `[build.limits]` (--build-timeout). */
  limits?: Partial<Limits>;
  overridesDir?: string;
  /** Import jobs per ecosystem per `durationMs`, fleet-wide (BullMQ's limiter). @defaultValue 10 per second */
  importRate?: { max: number; durationMs: number };
  /** How long a job's lock lasts without renewal: how soon a killed worker's job is taken again. @defaultValue 15000 */
  lockMs?: number;
  log: (line: string) => void;
}

export interface RunningWorker {
  /** Stop taking jobs, wait for the running ones, disconnect. */
  close(): Promise<void>;
  /** Resolves once the worker has stopped. */
  closed: Promise<void>;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  await checkRedis(o.redisUrl);
  const store = await openStoreAt(o.store, {
    cacheDir: o.cacheDir,
    ...(o.storeOptions !== undefined ? { storeOptions: o.storeOptions } : {}),
  });
  const scratch = await sweepScratch(join(o.cacheDir, 'tmp'));
  if (scratch > 0) o.log(`removed ${scratch} build scratch dir(s) left by killed bale processes`);
  const swept = await sweepDeadTemps(store.root, TEMP_HOST);
  if (swept > 0) o.log(`removed ${swept} temp file(s) left in the store by killed workers on this host`);
  const redis = connect(o.redisUrl);
  // An outage is two lines (lost, back), however many queues and workers report it.
  const onError = watchRedis(redis, o.redisUrl, o.log, (err) => o.log(`worker: ${oneLine(err)}`));
  const session = new BuildSession({
    store,
    cacheDir: o.cacheDir,
    // The machine's cores are shared by `concurrency` builds; each gets its share for make -j.
    jobs: Math.max(1, Math.floor(cpus().length / o.concurrency)),
    request: { node: [], python: [], ruby: [] },
    sandbox: o.sandbox,
    ...(o.directAsRoot !== undefined ? { directAsRoot: o.directAsRoot } : {}),
    ...(o.limits !== undefined ? { limits: o.limits } : {}),
    warn: (line) => o.log(`warning: ${line}`),
  });
  const buildQueue = new Queue<BuildJobData>(QUEUE.build, { connection: redis });
  buildQueue.on('error', onError);
  const planDeps = { session, redis, buildQueue, recipesDir: o.recipes };
  const lockDuration = o.lockMs ?? 15_000;
  const common = { connection: redis, lockDuration, stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)), maxStalledCount: 3 };
  const workers: Worker[] = [];

  const build = new Worker<BuildJobData, BuildResult>(
    QUEUE.build,
    buildProcessor({
      session,
      redis,
      store,
      buildQueue,
      onRecovered: async () => void (await sweepDeadTemps(store.root, TEMP_HOST)),
      logDir: join(o.cacheDir, 'logs'),
    }),
    { ...common, concurrency: o.concurrency },
  );
  // Builds only: a cache hit is a line per job at thousands of jobs a second (queue status counts them).
  build.on('completed', (job: Job<BuildJobData, BuildResult>, r: BuildResult) => {
    if (!r.cached) o.log(`built ${job.data.task}`);
  });
  workers.push(build);
  workers.push(new Worker(QUEUE.plan, planProcessor(planDeps), { ...common, concurrency: 1 }));
  const rebuilds = rebuildProcessor({
    cacheDir: o.cacheDir,
    ...(o.storeOptions !== undefined ? { storeOptions: o.storeOptions } : {}),
    jobs: Math.max(1, Math.floor(cpus().length / o.concurrency)),
    sandbox: o.sandbox,
    ...(o.directAsRoot !== undefined ? { directAsRoot: o.directAsRoot } : {}),
    ...(o.limits !== undefined ? { limits: o.limits } : {}),
    warn: (line) => o.log(`warning: ${line}`),
  });
  const rebuild = new Worker<RebuildJobData, RebuildResult>(QUEUE.rebuild, rebuilds, { ...common, concurrency: o.concurrency });
  rebuild.on('completed', (job, r) => o.log(`rebuilt ${job.data.name} ${job.data.version}: ${r.result}`));
  workers.push(rebuild);
  const rate = o.importRate ?? { max: 10, durationMs: 1000 };
  const importQueues: Queue[] = [];
  for (const eco of IMPORT_ECOSYSTEMS) {
    const name = QUEUE.importFor(eco);
    let queue: Queue | undefined;
    const opened = (): Queue => {
      if (queue === undefined) {
        importQueues.push((queue = new Queue(name, { connection: redis })));
        queue.on('error', onError);
      }
      return queue;
    };
    const deps = { ...planDeps, cacheDir: o.cacheDir, ...(o.overridesDir !== undefined ? { overridesDir: o.overridesDir } : {}) };
    workers.push(
      new Worker(name, importProcessor(deps, opened), {
        ...common,
        concurrency: 2,
        limiter: { max: rate.max, duration: rate.durationMs },
      }),
    );
  }
  for (const w of workers) {
    w.on('failed', (job, err) => {
      if (job !== undefined && err.name !== 'DelayedError') o.log(`failed ${job.name}: ${oneLine(err)}`);
    });
    w.on('error', onError);
  }
  o.log(`worker ${TEMP_HOST}:${process.pid} on ${redactUrls(o.redisUrl)}, store ${store.location}, ${o.concurrency} build(s) at once`);

  let closing: Promise<void> | undefined;
  let stopped!: () => void;
  const closed = new Promise<void>((resolve) => (stopped = resolve));
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([buildQueue, ...importQueues].map((q) => q.close()));
      await session.close();
      await store.close?.();
      redis.disconnect();
      stopped();
    })());
  return { close, closed };
}

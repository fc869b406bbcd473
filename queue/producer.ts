/**
 * The producer side: enqueue imports or a plan, and wait for what they planned. Waiting polls
 * job states rather than listening to events: a poll survives a Redis restart and a missed
 * event alike.
 */
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ERROR_CODES, type ErrorCode, UserError } from '../src/errors/index.js';
import type { TargetRequest } from '../src/builder/index.js';
import type { Recipe } from '../src/recipe/index.js';
import { parseSpec } from '../src/purl/purl.js';
import { QUEUE } from './connection.js';
import type { RebuildJobData, RebuildResult } from './rebuild-processor.js';
import {
  contentId,
  IMPORT_JOB_OPTIONS,
  type BuildJobData,
  type BuildRef,
  type BuildResult,
  type ImportJobData,
  type PlanJobData,
  type PlanResult,
} from './jobs.js';

const POLL_MS = 200;
/** Build jobs whose states one round asks for at once. */
const WINDOW = 64;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A planned build that failed on the fleet. */
export interface FailedBuild extends BuildRef {
  /** As the job states it (`node22.23.3`), null for a package every interpreter shares. */
  interpreter: string | null;
  /** The job's failed reason (the build's error line). */
  reason: string;
  /** It failed because a build it runs against failed. */
  dependencyFailed: boolean;
}

/** The code an import job's error had (import-processor.ts keeps it in the job's progress), else EQUEUE. */
function failedCode(progress: unknown): ErrorCode {
  const code = (progress as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'EQUEUE';
}

export interface EnqueuedJob {
  queue: string;
  id: string;
}

export class Producer {
  private readonly queues = new Map<string, Queue>();

  /** `onError` gets every queue's 'error' event (see watchRedis); without it they are dropped. */
  constructor(
    private readonly redis: Redis,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  queue<T = unknown>(name: string): Queue<T> {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = new Queue(name, { connection: this.redis });
      q.on('error', this.onError);
      this.queues.set(name, q);
    }
    return q as Queue<T>;
  }

  /** One import job per spec, on its ecosystem's queue; the same import twice within the hour is one job. */
  async enqueueImports(specs: string[], options: (ecosystem: string) => Omit<ImportJobData, 'spec'>): Promise<EnqueuedJob[]> {
    const out: EnqueuedJob[] = [];
    for (const spec of specs) {
      const eco = parseSpec(spec).type;
      const data: ImportJobData = { spec, ...options(eco) };
      const name = QUEUE.importFor(eco);
      const job = await this.queue<ImportJobData>(name).add(spec, data, { ...IMPORT_JOB_OPTIONS, jobId: contentId('import', data) });
      out.push({ queue: name, id: job.id! });
    }
    return out;
  }

  /** A plan job for recipes this side holds; its id is the content hash of what it plans. */
  async enqueuePlan(recipes: Recipe[], roots: string[], request: TargetRequest, digests: string[]): Promise<EnqueuedJob> {
    const data: PlanJobData = { recipes, roots, request };
    const job = await this.queue<PlanJobData>(QUEUE.plan).add(roots.join(' '), data, {
      ...IMPORT_JOB_OPTIONS,
      jobId: contentId('plan', { digests: [...digests].sort(), roots, request }),
    });
    return { queue: QUEUE.plan, id: job.id! };
  }

  /** The result of a plan or import job once a worker ran it; its failure reason as a UserError (with the code the worker kept). */
  async waitForPlan(j: EnqueuedJob, onWait?: () => void): Promise<PlanResult> {
    const q = this.queue<PlanJobData>(j.queue);
    let round = 0;
    for (;;) {
      const state = await q.getJobState(j.id);
      if (state === 'completed') return ((await q.getJob(j.id)) as Job<PlanJobData, PlanResult>).returnvalue;
      if (state === 'failed') {
        const job = await q.getJob(j.id);
        throw new UserError(
          failedCode(job?.progress),
          `${j.queue === QUEUE.plan ? 'planning' : 'importing'} ${job?.name ?? j.id} failed on a worker: ${job?.failedReason ?? 'no reason recorded'}; fix it, then bale queue retry --failed`,
        );
      }
      if (state === 'unknown') throw new UserError('EQUEUE', `plan job ${j.id} is gone from the queue: enqueue again`);
      onWait?.();
      await sleep(Math.min(POLL_MS, 25 * 2 ** round++));
    }
  }

  /**
   * Every planned build's result, in plan order. Fails at the first failed build it reaches (its job's
   * reason), after the others were left to run: the fleet keeps building what it can.
   */
  async waitForBuilds(builds: BuildRef[], since: number, onProgress?: (done: number, total: number) => void): Promise<BuildResult[]> {
    return (await this.pollBuilds(builds, since, onProgress, false)).results;
  }

  /**
   * As waitForBuilds, but a failed build is one outcome among others (`--keep-going`): waits until every
   * planned build completed or failed, and answers the results of those that built and each failure.
   */
  async settleBuilds(
    builds: BuildRef[],
    since: number,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ results: BuildResult[]; failed: FailedBuild[] }> {
    return this.pollBuilds(builds, since, onProgress, true);
  }

  private async pollBuilds(
    builds: BuildRef[],
    since: number,
    onProgress: ((done: number, total: number) => void) | undefined,
    settle: boolean,
  ): Promise<{ results: BuildResult[]; failed: FailedBuild[] }> {
    const q = this.queue<BuildJobData>(QUEUE.build);
    const results = new Map<string, BuildResult>();
    const failed = new Map<string, { ref: BuildRef; job: Job<BuildJobData> | undefined }>();
    // Jobs are looked at in plan order from the first unfinished one, a window at a time: a round
    // costs what finished since the last one, not one call per pending job (1,000 jobs: ~1 s a round).
    let cursor = 0;
    for (let idle = 0; ; ) {
      const before = cursor;
      while (cursor < builds.length) {
        const window = builds.slice(cursor, cursor + WINDOW);
        const states = await Promise.all(window.map((b) => q.getJobState(b.key)));
        const firstFailed = window.find((_, i) => states[i] === 'failed');
        if (firstFailed !== undefined && !settle) {
          const job = await q.getJob(firstFailed.key);
          throw new UserError(
            'EQUEUE',
            `${firstFailed.task} failed on a worker: ${job?.failedReason ?? 'no reason recorded'}; fix it, then bale queue retry --failed`,
          );
        }
        const gone = window.find((_, i) => states[i] === 'unknown');
        if (gone !== undefined)
          throw new UserError('EQUEUE', `build job ${gone.key.slice(0, 12)} for ${gone.task} is gone from the queue: enqueue again`);
        // A failed job stays failed until someone retries it (BullMQ retries before it gets there).
        const done = window.findIndex((_, i) => states[i] !== 'completed' && states[i] !== 'failed');
        const finished = done < 0 ? window : window.slice(0, done);
        const jobs = (await Promise.all(finished.map((b) => q.getJob(b.key)))) as (Job<BuildJobData, BuildResult> | undefined)[];
        for (const [i, job] of jobs.entries()) {
          if (states[i] === 'failed') failed.set(finished[i]!.key, { ref: finished[i]!, job });
          // Finished before this request was planned: for this caller it came from the store.
          else if (job?.returnvalue)
            results.set(job.id!, (job.finishedOn ?? 0) < since ? { ...job.returnvalue, cached: true } : job.returnvalue);
        }
        cursor += finished.length;
        if (done >= 0) break;
      }
      onProgress?.(results.size + failed.size, builds.length);
      if (cursor === builds.length) {
        return {
          results: builds.filter((b) => results.has(b.key)).map((b) => results.get(b.key)!),
          failed: [...failed.values()].map(({ ref, job }) => ({
            ...ref,
            interpreter: job?.data.interpreter ?? null,
            reason: job?.failedReason ?? 'no reason recorded',
            // Not built because a build it runs against failed (the build processor fails it at once).
            dependencyFailed: (job?.data.deps ?? []).some((k) => failed.has(k)),
          })),
        };
      }
      idle = cursor > before ? 0 : idle + 1;
      await sleep(Math.min(POLL_MS, 25 * 2 ** idle));
    }
  }

  /** One rebuild job per package; a fresh id each time, since asking again means rebuilding again. */
  async enqueueRebuilds(items: RebuildJobData[]): Promise<EnqueuedJob[]> {
    const q = this.queue<RebuildJobData>(QUEUE.rebuild);
    const run = Date.now().toString(36);
    const jobs = await q.addBulk(
      items.map((data) => ({
        name: `${data.name} ${data.version}`,
        data,
        opts: { ...IMPORT_JOB_OPTIONS, jobId: `${contentId('rebuild', data)}-${run}` },
      })),
    );
    return jobs.map((j) => ({ queue: QUEUE.rebuild, id: j.id! }));
  }

  /** Every rebuild's result in order; a job that failed on a worker is a package that could not be rebuilt. */
  async waitForRebuilds(
    jobs: EnqueuedJob[],
    items: RebuildJobData[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<RebuildResult[]> {
    const q = this.queue<RebuildJobData>(QUEUE.rebuild);
    const out = new Map<number, RebuildResult>();
    for (let round = 0; out.size < jobs.length; round++) {
      for (const [i, j] of jobs.entries()) {
        if (out.has(i)) continue;
        const state = await q.getJobState(j.id);
        if (state === 'completed') out.set(i, ((await q.getJob(j.id)) as Job<RebuildJobData, RebuildResult>).returnvalue);
        else if (state === 'failed' || state === 'unknown') {
          const why =
            state === 'failed'
              ? `failed on a worker: ${(await q.getJob(j.id))?.failedReason ?? 'no reason recorded'}`
              : 'its job is gone from the queue';
          const { name, version, sha256 } = items[i]!;
          out.set(i, { name, version, sha256, result: 'could not rebuild', why, attached: 0 });
        }
      }
      onProgress?.(out.size, jobs.length);
      if (out.size < jobs.length) await sleep(Math.min(POLL_MS * 5, 25 * 2 ** round));
    }
    return jobs.map((_, i) => out.get(i)!);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/**
 * Real `bale worker` processes for the queue tests: started against a test's Redis and store,
 * their stderr kept for assertions, killed however a test needs (SIGKILL, SIGTERM).
 */
import { execa, type ResultPromise } from 'execa';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { BALE_BIN, SHARED_XDG_CACHE } from './cli.js';
import { repoRoot } from './npm-fixtures.js';

export interface WorkerProcess {
  proc: ResultPromise;
  pid: number;
  log(): string;
  /** Resolves once the log matches (rejects after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** Resolves with the exit code (or signal name) once it exited. */
  exited: Promise<number | string>;
}

export interface WorkerArgs {
  redis: string;
  store: string;
  recipes: string;
  concurrency?: number;
  /** BALE_QUEUE_LOCK_MS: how soon a killed worker's job is taken again. @defaultValue 2000 */
  lockMs?: number;
  extra?: string[];
  /** XDG_CACHE_HOME (sources are cached there). @defaultValue SHARED_XDG_CACHE */
  cacheHome?: string;
}

export async function startWorkerProcess(a: WorkerArgs): Promise<WorkerProcess> {
  const args = [
    BALE_BIN,
    'worker',
    '--redis',
    a.redis,
    '--store',
    a.store,
    '--recipes',
    a.recipes,
    '--concurrency',
    String(a.concurrency ?? 1),
    ...(a.extra ?? []),
  ];
  const proc = execa(process.execPath, args, {
    cwd: repoRoot(),
    env: { XDG_CACHE_HOME: a.cacheHome ?? SHARED_XDG_CACHE, BALE_QUEUE_LOCK_MS: String(a.lockMs ?? 2000) },
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    buffer: false,
  });
  let text = '';
  proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = proc.then((r) => (r.signal !== undefined && r.signal !== null ? r.signal : (r.exitCode ?? -1)));
  const w: WorkerProcess = {
    proc,
    pid: proc.pid!,
    log: () => text,
    waitFor: async (re, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`worker log never matched ${String(re)}:\n${text}`);
        if (proc.exitCode !== null)
          throw new Error(`worker exited (${String(proc.exitCode)}) before its log matched ${String(re)}:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
  };
  await w.waitFor(/bale worker: worker /);
  return w;
}

/** Direct access to the build queue, to look at jobs as an operator's tooling would. */
export async function buildQueue(url: string): Promise<{ queue: Queue; close: () => Promise<void> }> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('bale-build', { connection: redis });
  return {
    queue,
    close: async () => {
      await queue.close();
      redis.disconnect();
    },
  };
}

/** Polls until some build job is active (running on a worker); returns it. */
export async function waitForActive(queue: Queue, ms = 60_000): Promise<Job> {
  const deadline = Date.now() + ms;
  for (;;) {
    const active = await queue.getActive();
    if (active.length > 0) return active[0]!;
    if (Date.now() > deadline) throw new Error('no build job became active');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}

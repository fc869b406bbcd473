/**
 * The worker fleet (queue/), on generated npm packages from the fixture registry and a real
 * redis-server on loopback:
 *
 *   overhead  1,000 cache-hit build jobs: `bale enqueue ... --wait` through 2 workers (2 builds at once
 *             each) vs the same 1,000 cache hits with an in-process `bale build`      target >= 500 jobs/s
 *   scaling   8 CPU-bound builds (a postinstall that hashes for ~1.5 s) with 1 worker vs 2 workers,
 *             1 build at once each                                                   target >= 1.7x
 *
 * Runs: BALE_QUEUE_BENCH_RUNS, else BALE_BENCH_RUNS capped at 3 (a scaling pair takes ~25 s), after
 * one warm-up (overhead: one of each; scaling: one with 2 workers, to fill the source cache); medians. Redis gets FLUSHALL before every queue run (outside the timer):
 * plan and build job ids are content hashes, so a second enqueue of the same builds would be
 * answered by the jobs kept from the first instead of going through the queue again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { BALE_BIN } from '../helpers/cli.js';
import { packFiles, publishedManifest, type Manifest } from '../helpers/npm-fixtures.js';
import { startNpmRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { sh, timeIt } from './measure.js';

const RUNS = Number(process.env.BALE_QUEUE_BENCH_RUNS ?? Math.min(3, Number(process.env.BALE_BENCH_RUNS ?? 3)));
const HIT_JOBS = 1000;
const HIT_WORKERS = 2;
const HIT_CONCURRENCY = 2;
const CPU_BUILDS = 8;
/** sha256 rounds in each postinstall: ~1.5 s of one core on the 2-core bench machine. */
const BURN_ROUNDS = 1_000_000;
/** Pure-JS npm packages build to one task each, which stores two packages: NAME and NAME-bin. */
const PACKAGES_PER_TASK = 2;

/** Where one `enqueue --wait` went, in seconds, from BullMQ's job timestamps (medians over the runs). */
export interface Phases {
  /** Node start, read and check the recipes, connect, add the plan job. */
  producer: number;
  /** A worker takes the plan job, plans, puts the recipes and adds the build jobs. */
  plan: number;
  /** Plan done to the last build job finished. */
  builds: number;
  /** Last build finished to the producer's exit: its 200 ms poll, fetching results, printing. */
  tail: number;
}

export interface QueueBench {
  runs: number;
  redis: string;
  /** Medians, and every timed run's seconds (`*Runs`). */
  overhead: {
    jobs: number;
    workers: number;
    concurrency: number;
    queue: number;
    inProcess: number;
    queueRuns: number[];
    inProcessRuns: number[];
    jobsPerSecond: number;
    ratio: number;
    phases: Phases;
    target: number;
  };
  scaling: {
    builds: number;
    burnRounds: number;
    one: number;
    two: number;
    oneRuns: number[];
    twoRuns: number[];
    speedup: number;
    target: number;
  };
}

interface Generated {
  manifest: Manifest;
  tarball: Buffer;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function generate(name: string, files: Record<string, string>, scripts?: Record<string, string>): Promise<Generated> {
  const pkg: Manifest = {
    name,
    version: '1.0.0',
    description: 'bale queue benchmark package',
    main: 'index.js',
    license: 'MIT',
    ...(scripts ? { scripts } : {}),
  };
  const all = { 'package.json': `${JSON.stringify(pkg, null, 2)}\n`, ...files };
  return {
    manifest: publishedManifest(pkg, Object.keys(all)),
    tarball: await packFiles(Object.entries(all).map(([p, body]) => ({ path: p, body: Buffer.from(body) }))),
  };
}

const hitName = (i: number): string => `bq-${String(i).padStart(4, '0')}`;
const cpuName = (i: number): string => `bq-cpu-${i}`;
const spec = (name: string): string => `npm:${name}@1.0.0`;

/** A chain of sha256 over 32 bytes: single-threaded, the same digest on every run and machine. */
const burnJs = (name: string): string => `const { createHash } = require('crypto');
let h = Buffer.alloc(32, ${JSON.stringify(name)});
for (let i = 0; i < ${BURN_ROUNDS}; i++) h = createHash('sha256').update(h).digest();
require('fs').writeFileSync('burned.txt', h.toString('hex') + '\\n');
`;

function packages(): Promise<Generated[]> {
  return Promise.all([
    ...Array.from({ length: HIT_JOBS }, (_, i) => generate(hitName(i), { 'index.js': `module.exports = ${i};\n` })),
    ...Array.from({ length: CPU_BUILDS }, (_, i) =>
      generate(
        cpuName(i),
        {
          'index.js': "module.exports = require('fs').readFileSync(require('path').join(__dirname, 'burned.txt'), 'utf8');\n",
          'burn.js': burnJs(cpuName(i)),
        },
        { postinstall: 'node burn.js' },
      ),
    ),
  ]);
}

interface Fleet {
  stop(): Promise<void>;
}

/** `n` workers on one store; resolves once each has logged its start line. */
export async function startWorkers(
  n: number,
  concurrency: number,
  o: { redis: string; store: string; recipes: string; env: Record<string, string> },
): Promise<Fleet> {
  const procs: ResultPromise[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      procs.map(async (p) => {
        p.kill('SIGTERM');
        const exited = await Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
        if (!exited) p.kill('SIGKILL');
      }),
    );
  };
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const p = execa(
          process.execPath,
          [BALE_BIN, 'worker', '--redis', o.redis, '--store', o.store, '--recipes', o.recipes, '--concurrency', String(concurrency)],
          {
            env: o.env,
            reject: false,
            stdin: 'ignore',
            stdout: 'ignore',
            buffer: false,
          },
        );
        procs.push(p);
        const tail: string[] = [];
        await new Promise<void>((resolve, reject) => {
          let rest = '';
          let up = false;
          const timer = setTimeout(() => reject(new Error(`a worker did not start within 30 s: ${tail.join(' | ')}`)), 30_000);
          // Read every line so the pipe never fills; keep the last few for errors.
          p.stderr!.on('data', (chunk: Buffer) => {
            const lines = (rest + chunk.toString()).split('\n');
            rest = lines.pop() ?? '';
            for (const line of lines) {
              if (line.startsWith('bale worker: failed')) process.stderr.write(`${line}\n`);
              tail.push(line);
              if (tail.length > 5) tail.shift();
              if (!up && /^bale worker: worker \S+:\d+ on /.test(line)) {
                up = true;
                clearTimeout(timer);
                resolve();
              }
            }
          });
          void p.then((r) => {
            clearTimeout(timer);
            if (!up) reject(new Error(`a worker exited (${r.exitCode}) before it started: ${tail.join(' | ')}`));
          });
        });
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

interface PackageLine {
  name: string;
  sha256: string;
  cached: boolean;
}

/** Parses `--json` output and checks it built (or found) what was asked; returns the packages' digests. */
function check(stdout: string, what: string, expected: number, cached: boolean): string {
  const lines = (JSON.parse(stdout) as { packages: PackageLine[] }).packages;
  if (lines.length !== expected) throw new Error(`${what}: ${lines.length} packages, expected ${expected}`);
  const wrong = lines.filter((l) => l.cached !== cached);
  if (wrong.length > 0)
    throw new Error(`${what}: ${wrong.length} package(s) ${cached ? 'built' : 'from the store'}, e.g. ${wrong[0]!.name}`);
  return lines.map((l) => `${l.name} ${l.sha256}`).join('\n');
}

async function flush(redis: RedisServer): Promise<void> {
  await sh('redis-cli', ['-p', String(redis.port), 'flushall']);
}

/** The phases of the enqueue that ran from t0 to t1 (ms), read from the jobs Redis keeps. */
async function phases(url: string, t0: number, t1: number): Promise<Phases> {
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  const plan = new Queue('bale-plan', { connection: conn });
  const build = new Queue('bale-build', { connection: conn });
  try {
    const [p] = (await plan.getCompleted(0, 0)) as Job[];
    const done = ((await build.getCompleted(0, -1)) as Job[]).map((j) => j.finishedOn ?? 0);
    if (p?.finishedOn === undefined || done.length === 0) throw new Error('no completed plan or build jobs in Redis after an enqueue');
    const last = Math.max(...done);
    return {
      producer: (p.timestamp - t0) / 1000,
      plan: (p.finishedOn - p.timestamp) / 1000,
      builds: (last - p.finishedOn) / 1000,
      tail: (t1 - last) / 1000,
    };
  } finally {
    await Promise.all([plan.close(), build.close()]);
    conn.disconnect();
  }
}

async function benchOverhead(
  d: string,
  registry: string,
  redis: RedisServer,
  env: Record<string, string>,
): Promise<QueueBench['overhead']> {
  const specs = Array.from({ length: HIT_JOBS }, (_, i) => spec(hitName(i)));
  const recipes = path.join(d, 'r-hit');
  const store = path.join(d, 's-hit');
  await sh(process.execPath, [BALE_BIN, 'import', ...specs, '--registry', registry, '--recipes', recipes], { env });
  // Setup, not measured: every build in the store, so both sides below only find them there.
  check(
    await sh(process.execPath, [BALE_BIN, 'build', ...specs, '--recipes', recipes, '--store', store, '--json'], { env }),
    'setup build',
    HIT_JOBS * PACKAGES_PER_TASK,
    false,
  );
  const fleet = await startWorkers(HIT_WORKERS, HIT_CONCURRENCY, { redis: redis.url, store, recipes, env });
  try {
    const inProcess = async (): Promise<number> => {
      let out = '';
      const t = await timeIt(
        async () =>
          (out = await sh(process.execPath, [BALE_BIN, 'build', ...specs, '--recipes', recipes, '--store', store, '--json'], { env })),
      );
      check(out, 'in-process build', HIT_JOBS * PACKAGES_PER_TASK, true);
      return t;
    };
    const queued = async (): Promise<{ t: number; phases: Phases }> => {
      await flush(redis);
      let out = '';
      const t0 = Date.now();
      const t = await timeIt(
        async () =>
          (out = await sh(
            process.execPath,
            [BALE_BIN, 'enqueue', ...specs, '--redis', redis.url, '--recipes', recipes, '--store', store, '--wait', '--json'],
            { env },
          )),
      );
      const t1 = Date.now();
      check(out, 'enqueue --wait', HIT_JOBS * PACKAGES_PER_TASK, true);
      return { t, phases: await phases(redis.url, t0, t1) };
    };
    await inProcess();
    await queued();
    const tq: number[] = [];
    const ti: number[] = [];
    const ratios: number[] = [];
    const ph: Phases[] = [];
    for (let i = 0; i < RUNS; i++) {
      const q = await queued();
      const p = await inProcess();
      tq.push(q.t);
      ti.push(p);
      ratios.push(q.t / p);
      ph.push(q.phases);
    }
    const queue = median(tq);
    const mid = (k: keyof Phases): number => median(ph.map((x) => x[k]));
    const phaseMedians: Phases = { producer: mid('producer'), plan: mid('plan'), builds: mid('builds'), tail: mid('tail') };
    return {
      jobs: HIT_JOBS,
      workers: HIT_WORKERS,
      concurrency: HIT_CONCURRENCY,
      queue,
      inProcess: median(ti),
      queueRuns: tq,
      inProcessRuns: ti,
      jobsPerSecond: HIT_JOBS / queue,
      ratio: median(ratios),
      phases: phaseMedians,
      target: 500,
    };
  } finally {
    await fleet.stop();
  }
}

async function benchScaling(d: string, registry: string, redis: RedisServer, env: Record<string, string>): Promise<QueueBench['scaling']> {
  const specs = Array.from({ length: CPU_BUILDS }, (_, i) => spec(cpuName(i)));
  const recipes = path.join(d, 'r-cpu');
  await sh(process.execPath, [BALE_BIN, 'import', ...specs, '--registry', registry, '--recipes', recipes], { env });
  let n = 0;
  let first: string | undefined;
  /** Every build from scratch: an empty store, an empty Redis, `workers` workers building one at a time. */
  const run = async (workers: number): Promise<number> => {
    const store = path.join(d, `s-cpu-${n++}`);
    await flush(redis);
    const fleet = await startWorkers(workers, 1, { redis: redis.url, store, recipes, env });
    try {
      let out = '';
      const t = await timeIt(
        async () =>
          (out = await sh(
            process.execPath,
            [BALE_BIN, 'enqueue', ...specs, '--redis', redis.url, '--recipes', recipes, '--store', store, '--wait', '--json'],
            { env },
          )),
      );
      const digests = check(out, `enqueue --wait (${workers} worker(s))`, CPU_BUILDS * PACKAGES_PER_TASK, false);
      // The same work every run: the packages are bit-identical whichever worker built them.
      if ((first ??= digests) !== digests) throw new Error(`the CPU-bound builds gave different packages with ${workers} worker(s)`);
      return t;
    } finally {
      await fleet.stop();
      await rm(store, { recursive: true, force: true });
    }
  };
  await run(2); // warm-up: fills the source cache
  const t1: number[] = [];
  const t2: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const one = await run(1);
    const two = await run(2);
    t1.push(one);
    t2.push(two);
    ratios.push(one / two);
  }
  return {
    builds: CPU_BUILDS,
    burnRounds: BURN_ROUNDS,
    one: median(t1),
    two: median(t2),
    oneRuns: t1,
    twoRuns: t2,
    speedup: median(ratios),
    target: 1.7,
  };
}

export async function benchQueue(): Promise<QueueBench> {
  const registry = await startNpmRegistry({ extraPackages: await packages() });
  const d = await mkdtemp(path.join(tmpdir(), 'bale-bench-queue-'));
  let redis: RedisServer | undefined;
  try {
    // Sources cached here for the whole benchmark, away from the user's cache.
    const env = { XDG_CACHE_HOME: path.join(d, 'cache') };
    redis = await startRedis(path.join(d, 'redis'));
    const version = /v=(\S+)/.exec(await sh('redis-server', ['--version']))?.[1] ?? 'unknown';
    const overhead = await benchOverhead(d, registry.url, redis, env);
    const scaling = await benchScaling(d, registry.url, redis, env);
    return { runs: RUNS, redis: version, overhead, scaling };
  } finally {
    await redis?.stop();
    await registry.close();
    await rm(d, { recursive: true, force: true });
  }
}

const s3 = (x: number): string => x.toFixed(3);
const each = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

/** The BENCHMARKS.md section. */
export function queueSection(r: QueueBench): string {
  const o = r.overhead;
  const c = r.scaling;
  // The queue's own rate: from the plan job's start to the last build's end, what the fleet does
  // with the jobs; the whole command (Node start, reading recipes) is reported beside it.
  const throughput = o.jobs / (o.phases.plan + o.phases.builds);
  const hitsMet = throughput >= o.target;
  const scaleMet = c.speedup >= c.target;
  return `## Worker fleet (queue/)

Redis ${r.redis} on loopback as test/helpers/redis.ts runs it (append-only file, \`appendfsync always\`), emptied (FLUSHALL) before every
queue run so each run pushes every job through the queue; ${r.runs} alternating run(s) after one warm-up; medians. Times are whole
commands, Node start included.

| benchmark | queue (s) | against (s) | result | target | |
|---|---|---|---|---|---|
| queue overhead | ${s3(o.queue)} | ${s3(o.inProcess)} in-process | **${throughput.toFixed(0)} jobs/s** through the queue; ${o.jobsPerSecond.toFixed(0)} jobs/s for the whole command (${o.ratio.toFixed(2)}x the in-process time) | >= ${o.target} jobs/s | ${verdict(hitsMet)} |
| scaling | ${s3(c.two)} with 2 workers | ${s3(c.one)} with 1 worker | **${c.speedup.toFixed(2)}x** speed-up | >= ${c.target}x | ${verdict(scaleMet)} |

- **queue overhead**: \`bale enqueue <${o.jobs} specs> --wait --json\` with ${o.workers} \`bale worker --concurrency ${o.concurrency}\` on one store
  that already holds all ${o.jobs} builds (generated one-file pure-JS npm packages): one plan job, then ${o.jobs} build jobs that
  each find their package in the store; against \`bale build <the same specs> --json\` finding the same ${o.jobs} builds in the
  same store in one process. Through the queue (plan job start to last build's end): ${o.jobs} / ${s3(o.phases.plan + o.phases.builds)} s =
  ${throughput.toFixed(0)} jobs/s, ${hitsMet ? 'meeting' : '**below**'} the ${o.target} jobs/s target; the whole command, Node start and recipe
  reading included: ${o.jobs} / ${s3(o.queue)} s = ${o.jobsPerSecond.toFixed(0)} jobs/s (runs: queue ${each(o.queueRuns)} s; in-process ${each(o.inProcessRuns)} s).
  Where the queue run went (medians, from BullMQ's job timestamps): ${s3(o.phases.producer)} s in the producer before the plan job was in
  Redis (Node start, reading and checking ${o.jobs} recipes, connecting), ${s3(o.phases.plan)} s planning on a worker (plan, recipes into
  Redis, ${o.jobs} build jobs added; the first ones start meanwhile), ${s3(o.phases.builds)} s from the plan's end to the last build job's
  end, and ${s3(o.phases.tail)} s from there to the producer's exit (its last poll, fetching ${o.jobs} results, printing).
- **scaling**: \`bale enqueue <${c.builds} specs> --wait --json\` into an empty store with 1 \`bale worker --concurrency 1\` against 2 of
  them, ${c.builds} generated npm packages whose postinstall chains ${c.burnRounds.toLocaleString('en-US')} sha256 rounds (single-threaded, deterministic
  output; the packages are checked bit-identical across runs) in the bubblewrap sandbox; sources cached, workers started
  before the timer (runs: 1 worker ${each(c.oneRuns)} s; 2 workers ${each(c.twoRuns)} s). Speed-up = 1 worker / 2 workers,
  the median of the per-pair ratios, ${scaleMet ? 'meeting' : '**below**'} the ${c.target}x target.
`;
}

/**
 * `bale build --all` of a real tree (issue 14): the recipes of npm-roots-1000.txt imported from the
 * live npm registry (about 1,400 recipes, two packages each), built into an empty store with the
 * sources already cached, in-process and through `--queue` on 2 workers (one build at once each) on
 * a real redis-server. Reported as packages per second; no tool a user would otherwise run builds
 * such a tree, so there is no ratio.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BALE_BIN } from '../helpers/cli.js';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { startRedis } from '../helpers/redis.js';
import { startWorkers } from './queue.js';
import { timeIt } from './measure.js';

export interface BuildAllBench {
  recipes: number;
  packages: number;
  inProcess: number;
  fleet: number;
  workers: number;
}

export async function benchBuildAll(): Promise<BuildAllBench> {
  const d = await mkdtemp(path.join(tmpdir(), 'bale-bench-build-all-'));
  const env = { XDG_CACHE_HOME: path.join(d, 'cache'), XDG_DATA_HOME: path.join(d, 'data') };
  const recipes = path.join(d, 'r');
  const bale = (args: string[]) =>
    execa(process.execPath, [BALE_BIN, ...args, '--recipes', recipes], { env, reject: false, stdin: 'ignore' });
  const redis = await startRedis(path.join(d, 'redis'));
  try {
    const roots = path.join(repoRoot(), 'test', 'bench', 'npm-roots-1000.txt');
    const imp = await bale(['import', '--from-file', roots, '--keep-going']);
    if (imp.exitCode !== 0 && imp.exitCode !== 1) throw new Error(`import for build --all failed: ${String(imp.stderr).slice(-300)}`);
    // Fill the source cache (and check the tree builds) outside the timings.
    const warm = await bale(['build', '--all', '--keep-going', '--store', path.join(d, 'warm'), '--json']);
    if (warm.exitCode !== 0) throw new Error(`build --all failed: ${String(warm.stderr).slice(-300)}`);
    const packages = (JSON.parse(String(warm.stdout)) as { packages: unknown[] }).packages.length;
    const count = async (store: string): Promise<number> =>
      (await readdir(path.join(store, 'packages'))).filter((f) => f.endsWith('.tar.gz')).length;
    const built = async (store: string, what: string): Promise<void> => {
      const n = await count(store);
      if (n !== packages) throw new Error(`build --all ${what}: ${n} packages stored, expected ${packages}`);
    };

    const one = path.join(d, 's1');
    const inProcess = await timeIt(async () => {
      const r = await bale(['build', '--all', '--store', one]);
      if (r.exitCode !== 0) throw new Error(`build --all: ${String(r.stderr).slice(-300)}`);
    });
    await built(one, 'in-process');

    const workers = 2;
    const two = path.join(d, 's2');
    const fleet = await startWorkers(workers, 1, { redis: redis.url, store: two, recipes, env });
    let queued: number;
    try {
      queued = await timeIt(async () => {
        const r = await bale(['build', '--all', '--store', two, '--queue', redis.url]);
        if (r.exitCode !== 0) throw new Error(`build --all --queue: ${String(r.stderr).slice(-300)}`);
      });
    } finally {
      await fleet.stop();
    }
    await built(two, 'on the fleet');
    const n = (await execa('find', [recipes, '-name', '*.toml'])).stdout.split('\n').length;
    return { recipes: n, packages, inProcess, fleet: queued, workers };
  } finally {
    await redis.stop();
    await rm(d, { recursive: true, force: true });
  }
}

export function buildAllSection(b: BuildAllBench): string {
  const rate = (s: number): string => (b.packages / s).toFixed(1);
  return `## Building a whole tree

\`bale build --all\` of the tree npm-roots-1000.txt imports (${b.recipes} recipes, ${b.packages} packages), sources cached,
into an empty store: in-process **${b.inProcess.toFixed(1)} s = ${rate(b.inProcess)} packages/s**; through \`--queue\` on ${b.workers}
workers (one build at once each, real redis-server, one shared store directory) **${b.fleet.toFixed(1)} s = ${rate(b.fleet)} packages/s**.
`;
}

/**
 * Bulk import (issue 14), on the live npm registry, cold (empty caches):
 *
 *   bulk-1000  `bale import --from-file npm-roots-1000.txt --keep-going`: wall time and peak RSS
 *              vs  `npm install --package-lock-only` of a package.json with the same 1,000 roots   target: under 15 s
 *   bulk-5000  the same for 5,000 roots (npm-roots-5000.txt): peak RSS                            target: under 1 GiB
 *   bulk-10000 the same for 10,000 roots (npm-roots-10000.txt): the memory bound stated for 10,000
 *   refresh    `bale refresh --from-file npm-roots-1000.txt` of that tree when nothing changed
 *              vs  the import of it                                                             target: under 1.5x
 *
 * The root lists are real packages (the most used across the closures of 40 large npm projects),
 * pinned, so the work stays the same from run to run. A root the running Node cannot use (its
 * engines) is set aside by --keep-going: the run counts as done when every failure is `platform`.
 * npm resolves one tree for all roots and takes minutes, so it runs once.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BALE_BIN } from '../helpers/cli.js';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { timeIt } from './measure.js';

const GNU_TIME = '/usr/bin/time';

export interface BulkRun {
  roots: number;
  /** Seconds of `bale refresh` of the tree just imported (nothing changed upstream), when asked for. */
  refreshSeconds?: number;
  seconds: number;
  peakRssMiB: number;
  recipes: number;
  failed: Record<string, number>;
}

export interface BulkBench {
  thousand: BulkRun;
  /** Median seconds of the bale runs of 1,000 roots, and npm's one run. */
  bale1000: number;
  npm1000: number;
  fiveThousand: BulkRun;
  tenThousand: BulkRun;
}

const rootsFile = (n: number): string => path.join(repoRoot(), 'test', 'bench', `npm-roots-${n}.txt`);

async function specsOf(n: number): Promise<string[]> {
  return (await readFile(rootsFile(n), 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

/** One cold import of the list under GNU time: its wall time, peak RSS and what the report says failed. */
async function baleImport(n: number, refresh = false): Promise<BulkRun> {
  const d = await mkdtemp(path.join(tmpdir(), `bale-bench-bulk${n}-`));
  try {
    const report = path.join(d, 'report.json');
    const args = [BALE_BIN, 'import', '--from-file', rootsFile(n), '--keep-going', '--report', report, '--recipes', path.join(d, 'r')];
    const t0 = performance.now();
    const r = await execa(GNU_TIME, ['-f', 'peak-rss-kib %M', process.execPath, ...args], {
      env: { XDG_CACHE_HOME: path.join(d, 'c') },
      reject: false,
      stdin: 'ignore',
    });
    const seconds = (performance.now() - t0) / 1000;
    const rss = /peak-rss-kib (\d+)/.exec(String(r.stderr));
    if (rss === null) throw new Error(`bulk import of ${n} roots: no peak RSS from ${GNU_TIME} (apt-get install time): ${r.stderr}`);
    const rep = JSON.parse(await readFile(report, 'utf8')) as { succeeded: number; categories: Record<string, number> };
    const other = Object.keys(rep.categories).filter((c) => c !== 'platform');
    if (other.length > 0 || (r.exitCode !== 0 && r.exitCode !== 1)) {
      throw new Error(
        `bulk import of ${n} roots failed (${r.exitCode}): ${JSON.stringify(rep.categories)} ${String(r.stderr).slice(-300)}`,
      );
    }
    const recipes = (await execa('find', [path.join(d, 'r'), '-name', '*.toml'])).stdout.split('\n').length;
    const run: BulkRun = { roots: n, seconds, peakRssMiB: Number(rss[1]) / 1024, recipes, failed: rep.categories };
    if (refresh) {
      const args = [BALE_BIN, 'refresh', '--from-file', rootsFile(n), '--keep-going', '--recipes', path.join(d, 'r')];
      run.refreshSeconds = await timeIt(() =>
        execa(process.execPath, args, { env: { XDG_CACHE_HOME: path.join(d, 'c') }, reject: false, stdin: 'ignore' }),
      );
    }
    return run;
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

async function npmLock(n: number): Promise<number> {
  const d = await mkdtemp(path.join(tmpdir(), `bale-bench-npm${n}-`));
  try {
    const deps: Record<string, string> = {};
    for (const s of await specsOf(n)) {
      const at = s.lastIndexOf('@');
      deps[s.slice('npm:'.length, at)] = s.slice(at + 1);
    }
    await writeFile(path.join(d, 'package.json'), JSON.stringify({ name: 'bench', version: '1.0.0', dependencies: deps }));
    const args = ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps'];
    return await timeIt(() => execa('npm', [...args, '--cache', path.join(d, '.c')], { cwd: d, stdin: 'ignore' }));
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

export async function benchBulk(runs: number): Promise<BulkBench> {
  const thousands: BulkRun[] = [];
  for (let i = 0; i < runs; i++) thousands.push(await baleImport(1000, true));
  thousands.sort((x, y) => x.seconds - y.seconds);
  const thousand = thousands[Math.floor(thousands.length / 2)]!;
  const npm1000 = await npmLock(1000);
  const fiveThousand = await baleImport(5000);
  const tenThousand = await baleImport(10000);
  return { thousand, bale1000: thousand.seconds, npm1000, fiveThousand, tenThousand };
}

/** The section of BENCHMARKS.md. */
export function bulkSection(b: BulkBench, runs: number): string {
  const failed = (r: BulkRun): string =>
    Object.entries(r.failed)
      .map(([c, k]) => `${k} ${c}`)
      .join(', ') || 'none';
  return `## Bulk import (live npm registry, cold)

| roots | wall | peak RSS | recipes written | roots set aside (--keep-going) | target |
|---|---|---|---|---|---|
| 1,000 (test/bench/npm-roots-1000.txt), median of ${runs} | **${b.thousand.seconds.toFixed(1)} s** | ${b.thousand.peakRssMiB.toFixed(0)} MiB | ${b.thousand.recipes} | ${failed(b.thousand)} | under 15 s |
| 5,000 (test/bench/npm-roots-5000.txt), one run | ${b.fiveThousand.seconds.toFixed(1)} s | **${b.fiveThousand.peakRssMiB.toFixed(0)} MiB** | ${b.fiveThousand.recipes} | ${failed(b.fiveThousand)} | peak RSS under 1 GiB |
| 10,000 (test/bench/npm-roots-10000.txt), one run | ${b.tenThousand.seconds.toFixed(1)} s | **${b.tenThousand.peakRssMiB.toFixed(0)} MiB** | ${b.tenThousand.recipes} | ${failed(b.tenThousand)} | the bound for 10,000 roots |

The same 1,000 roots as the dependencies of one package.json, \`npm install --package-lock-only --ignore-scripts
--legacy-peer-deps\`, cold, one run: ${b.npm1000.toFixed(1)} s, so bale takes **${(b.bale1000 / b.npm1000).toFixed(2)}x** npm's time.
A refresh of the 1,000-root tree when nothing changed upstream (\`bale refresh --from-file\`, every root's
listing asked again, nothing written): ${b.thousand.refreshSeconds?.toFixed(1)} s, **${((b.thousand.refreshSeconds ?? 0) / b.thousand.seconds).toFixed(2)}x**
the import's time (target: under 1.5x).

Memory grows with the distinct packuments fetched (each held for the whole run, slimmed to the fields the
resolver reads) and the recipes written, more than with the roots themselves.
`;
}

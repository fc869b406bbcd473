/**
 * `npm run bench`: bale against the tool a user would otherwise run, in the same run, on the same
 * inputs, written to BENCHMARKS.md. Needs the npm registry (the one npm is configured with).
 *
 *   import  cold `bale import npm:express@4.21.2`  vs  cold `npm install --package-lock-only`   target <= 0.5
 *   pack    `bale build npm:typescript@5.9.3` (source cached: extract, lay out, pack)
 *           vs  `tar --sort=name ... | gzip -n -6` of the same tree                               target <= 1.0
 *   pypi-import  `bale import pypi:...` vs `pip install --dry-run --report`, same local index      target <= 0.5
 *   pypi-import-real  the same for httpx@0.28.1 from the machine's real index (pypi-real.ts)     target <= 0.5
 *   gem-import   `bale import gem:...` vs `bundle lock`, same fixture compact index                no target set
 *   queue        1,000 cache-hit jobs through the fleet (>= 500/s); 1 vs 2 workers on CPU-bound builds (>= 1.7x)
 *   compose      2,000 packages / 200,000 files into one image, vs tar -tzf | sort | uniq -d      well under 1 s
 *   rebuild      `bale rebuild` of an image from a registry vs `bale request` of it cold           target <= 1.3
 *   policy       `bale pull --require 2` vs `bale pull --verify`                                  target <= 1.5
 *   bulk         1,000, 5,000, 10,000 real npm roots imported at once (bulk.ts): time, peak RSS, vs npm; refresh   1,000 under 15 s; 5,000 under 1 GiB
 *   build-all    `bale build --all` of the 1,000 roots' tree, in-process and on 2 workers (build-all.ts): packages/s
 *   audit        10,000 OSV records against 200 image files and 200 registry images (< 5 s warm); who-uses via the index
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { BALE_BIN } from '../helpers/cli.js';
import { startPypiIndex } from '../helpers/pypi-index.js';
import { startGemServer } from '../helpers/gem-server.js';
import { discoverPythons } from '../../src/interpreters/python.js';
import { alternate, sh } from './measure.js';
import { benchPypiBuild } from './pypi-build.js';
import { benchPypiRealImport } from './pypi-real.js';
import { benchQueue, queueSection } from './queue.js';
import { benchCompose } from './compose.js';
import { benchTrust } from './trust.js';
import { benchBulk, bulkSection, type BulkBench } from './bulk.js';
import { benchBuildAll, buildAllSection } from './build-all.js';
import { auditMet, auditSection, benchAuditAll } from './audit-section.js';
import type { Pair } from './measure.js';

const RUNS = Number(process.env.BALE_BENCH_RUNS ?? 5);

interface Row {
  name: string;
  what: string;
  against: string;
  pair: Pair;
  /** The issue's target ratio, when it sets one. */
  target: number | undefined;
}

async function fresh(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `bale-bench-${prefix}-`));
}

async function benchImport(): Promise<Row> {
  const bale = async (): Promise<void> => {
    const d = await fresh('imp');
    try {
      await sh(process.execPath, [BALE_BIN, 'import', 'npm:express@4.21.2', '--recipes', path.join(d, 'r')], {
        env: { XDG_CACHE_HOME: path.join(d, 'c') },
      });
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  };
  const npm = async (): Promise<void> => {
    const d = await fresh('npm');
    try {
      await writeFile(path.join(d, 'package.json'), '{"name":"x","version":"1.0.0"}');
      await sh(
        'npm',
        ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', path.join(d, '.c'), 'express@4.21.2'],
        { cwd: d },
      );
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  };
  return {
    name: 'import',
    what: 'bale import npm:express@4.21.2, cold (empty cache)',
    against: 'npm install --package-lock-only --ignore-scripts express@4.21.2, cold (empty cache)',
    pair: await alternate(RUNS, bale, npm),
    target: 0.5,
  };
}

async function benchPack(): Promise<Row> {
  const d = await fresh('pack');
  try {
    const recipes = path.join(d, 'r');
    await sh(process.execPath, [BALE_BIN, 'request', 'npm:typescript@5.9.3', '--recipes', recipes, '--store', path.join(d, 'warm')]);
    const tree = path.join(d, 'tree');
    await mkdir(tree);
    await sh('npm', ['pack', 'typescript@5.9.3', '--silent', '--pack-destination', d]);
    await sh('tar', ['-xzf', path.join(d, 'typescript-5.9.3.tgz'), '-C', tree]);
    let n = 0;
    const bale = async (): Promise<void> => {
      const store = path.join(d, `s${n++}`);
      await sh(process.execPath, [BALE_BIN, 'build', 'npm:typescript@5.9.3', '--recipes', recipes, '--store', store]);
      await rm(store, { recursive: true, force: true });
    };
    const tarGzip = async (): Promise<void> => {
      await sh('bash', [
        '-c',
        `tar --sort=name --mtime=@315532800 --owner=0 --group=0 --numeric-owner -C '${tree}' -cf - . | gzip -n -6 > '${d}/out.tgz'`,
      ]);
    };
    return {
      name: 'pack',
      what: 'bale build npm:typescript@5.9.3 into an empty store (23 MB; source cached: verify, extract, lay out, pack, store)',
      against: 'tar --sort=name --mtime=@N --owner=0 --group=0 --numeric-owner -c | gzip -n -6 on the extracted tree',
      pair: await alternate(RUNS, bale, tarGzip),
      target: 1.0,
    };
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

async function benchPypiImport(): Promise<Row> {
  const index = await startPypiIndex();
  const py = (await discoverPythons()).find((p) => p.version === '3.11');
  if (py === undefined) throw new Error('the PyPI benchmark needs CPython 3.11');
  const specs = ['fxp-app[socks]', 'fxp-zext'];
  try {
    const bale = async (): Promise<void> => {
      const d = await fresh('pyimp');
      try {
        await sh(
          process.execPath,
          [
            BALE_BIN,
            'import',
            ...specs.map((s) => `pypi:${s}`),
            '--python',
            '3.11',
            '--index-url',
            index.simpleUrl,
            '--recipes',
            path.join(d, 'r'),
          ],
          {
            env: { XDG_CACHE_HOME: path.join(d, 'c') },
          },
        );
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    };
    const pip = async (): Promise<void> => {
      const d = await fresh('pip');
      try {
        // --isolated and no config: only the fixture index, nothing from the machine's pip.conf.
        await sh(
          py.bin,
          [
            '-m',
            'pip',
            'install',
            '--isolated',
            '--dry-run',
            '--ignore-installed',
            '--no-cache-dir',
            '--quiet',
            '--report',
            path.join(d, 'r.json'),
            '--index-url',
            index.simpleUrl,
            ...specs,
          ],
          {
            env: { PIP_CONFIG_FILE: '/dev/null', HOME: d },
          },
        );
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    };
    return {
      name: 'pypi-import',
      what: `bale import ${specs.map((s) => `pypi:${s}`).join(' ')} --python 3.11 from the fixture Simple index (a pure wheel closure with extras, and an sdist with build requirements), cold`,
      against: `pip ${py.fullVersion} install --dry-run --ignore-installed --report from the same index, no cache`,
      pair: await alternate(RUNS, bale, pip),
      target: 0.5,
    };
  } finally {
    await index.close();
  }
}

/** Above this, a ratio worse than the last BENCHMARKS.md is named: runs on a quiet machine vary by ~10%. */
const NOISE = 1.15;

/**
 * `old` with the section starting at the line `heading` replaced by `text` (up to the next `## `
 * heading); without one, `text` goes before the section starting at `before` (or at the end).
 */
function replaceSection(old: string, heading: string, text: string, before: string): string {
  const at = old.search(new RegExp(`^${heading}`, 'm'));
  if (at >= 0) {
    const next = old.slice(at + heading.length).search(/^## /m);
    const end = next < 0 ? old.length : at + heading.length + next;
    return `${`${old.slice(0, at)}${text}\n${old.slice(end)}`.trimEnd()}\n`;
  }
  const b = old.search(new RegExp(`^${before}`, 'm'));
  return b < 0 ? `${old.trimEnd()}\n\n${text}` : `${old.slice(0, b)}${text}\n${old.slice(b)}`;
}

/** The ratios the last BENCHMARKS.md recorded, by benchmark name (empty when there is none). */
async function lastRatios(): Promise<Map<string, number>> {
  const text = await readFile(path.join(repoRoot(), 'BENCHMARKS.md'), 'utf8').catch(() => '');
  const last = new Map<string, number>();
  for (const m of text.matchAll(/^\| ([\w-]+) \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|/gm)) last.set(m[1]!, Number(m[2]));
  return last;
}

function versusLast(r: Row, last: Map<string, number>): string {
  const was = last.get(r.name);
  if (was === undefined) return 'new';
  return r.pair.ratio > was * NOISE ? `${was.toFixed(3)}, WORSE` : was.toFixed(3);
}

function report(rows: Row[], last: Map<string, number>, by = '`npm run bench`'): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Benchmarks',
    '',
    `Written by ${by} on ${new Date().toISOString().slice(0, 10)}: ${availableParallelism()} cores (${cpu}), Node ${process.versions.node}, ` +
      `${RUNS} alternating pairs after one warm-up each; medians. Ratio = bale / the other tool (lower is better).`,
    '',
    '| benchmark | bale (s) | other tool (s) | ratio | target | | last run |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.pair.a.toFixed(3)} | ${r.pair.b.toFixed(3)} | ${r.pair.ratio.toFixed(3)} | ${r.target === undefined ? 'none set' : `<= ${r.target}`} | ${r.target === undefined ? '' : r.pair.ratio <= r.target ? 'met' : 'MISSED'} | ${versusLast(r, last)} |`,
    ),
    '',
    ...rows.flatMap((r) => [`- **${r.name}**: ${r.what}; against ${r.against}.`]),
    '',
  ];
  return lines.join('\n');
}

async function benchGemImport(): Promise<Row> {
  const server = await startGemServer();
  const gems = ['fxg-app', 'fxg-plat', 'fxg-zext'];
  try {
    const bale = async (): Promise<void> => {
      const d = await fresh('gemimp');
      try {
        await sh(
          process.execPath,
          [BALE_BIN, 'import', ...gems.map((g) => `gem:${g}`), '--ruby', '3.1', '--source', server.url, '--recipes', path.join(d, 'r')],
          { env: { XDG_CACHE_HOME: path.join(d, 'c') } },
        );
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    };
    const bundler = async (): Promise<void> => {
      const d = await fresh('bundle');
      try {
        await writeFile(
          path.join(d, 'Gemfile'),
          `source ${JSON.stringify(server.url)}\n${gems.map((g) => `gem ${JSON.stringify(g)}`).join('\n')}\n`,
        );
        await sh('bundle3.1', ['lock'], { cwd: d, env: { HOME: d } });
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    };
    return {
      name: 'gem-import',
      what: `bale import ${gems.map((g) => `gem:${g}`).join(' ')} --ruby 3.1 from the fixture compact index, cold`,
      against: 'Bundler 2.3 `bundle lock` of the same Gemfile from the same server, cold',
      pair: await alternate(RUNS, bale, bundler),
      target: undefined,
    };
  } finally {
    await server.close();
  }
}

async function trustRows(): Promise<Row[]> {
  const t = await benchTrust(Math.min(RUNS, 3));
  return [
    {
      name: 'rebuild',
      what: `bale rebuild oci://…/app:1 of an image of express, koa and eslint (${t.packages} packages) from a real registry, empty cache and store`,
      against: 'bale request of the same specs, cold (empty cache and store)',
      pair: t.rebuild,
      target: 1.3,
    },
    {
      name: 'policy',
      what: `bale pull --require 2 of that image (${t.packages} packages, two builders' attestations each), into an empty store`,
      against: 'bale pull --verify (signatures only), into an empty store',
      pair: t.policy,
      target: 1.5,
    },
  ];
}

// BALE_BENCH_ONLY=trust: only those rows, on stdout; BENCHMARKS.md is written by full runs alone.
if (process.env.BALE_BENCH_ONLY === 'trust') {
  const rows = await trustRows();
  process.stdout.write(report(rows, await lastRatios()));
  process.exit(rowsMet(rows) ? 0 : 1);
}

const BULK_RUNS = Math.min(RUNS, 3);
const bulkMet = (b: BulkBench): boolean =>
  b.thousand.seconds < 15 && b.fiveThousand.peakRssMiB < 1024 && (b.thousand.refreshSeconds ?? Infinity) < 1.5 * b.thousand.seconds;

// BALE_BENCH_ONLY=bulk: only the bulk sections, on stdout and in place of their old text in BENCHMARKS.md
// (the other sections stay as the last full run wrote them).
if (process.env.BALE_BENCH_ONLY === 'bulk') {
  const b = await benchBulk(BULK_RUNS);
  const text = `${bulkSection(b, BULK_RUNS)}\n${buildAllSection(await benchBuildAll())}`;
  process.stdout.write(text);
  const file = path.join(repoRoot(), 'BENCHMARKS.md');
  const old = await readFile(file, 'utf8').catch(() => '');
  const cut = old.search(/^## Bulk import /m);
  const rest = cut < 0 ? old : old.slice(0, cut);
  await writeFile(file, `${rest.trimEnd()}\n\n${text}`);
  process.exit(bulkMet(b) ? 0 : 1);
}

/** The table's rows: bale against the tool a user would otherwise run. */
async function mainRows(): Promise<Row[]> {
  const real = await benchPypiRealImport(RUNS);
  return [
    await benchImport(),
    await benchPack(),
    await benchPypiImport(),
    ...(real === undefined ? [] : [real]),
    await benchGemImport(),
    ...(await trustRows()),
  ];
}

/** Says on stderr each ratio worse than the last BENCHMARKS.md by more than noise, for the closing note. */
function warnWorse(rows: Row[], last: Map<string, number>): void {
  for (const r of rows)
    if (versusLast(r, last).endsWith('WORSE'))
      process.stderr.write(
        `bench: ${r.name} is ${r.pair.ratio.toFixed(3)}, worse than the last BENCHMARKS.md (${last.get(r.name)!.toFixed(3)})\n`,
      );
}

function rowsMet(rows: Row[]): boolean {
  return rows.every((r) => r.target === undefined || r.pair.ratio <= r.target);
}

// BALE_BENCH_ONLY=main: only the table (minutes, not the full run's hour), written in place of the
// old table in BENCHMARKS.md; the sections below it stay as the last full run wrote them.
if (process.env.BALE_BENCH_ONLY === 'main') {
  const last = await lastRatios();
  const rows = await mainRows();
  const table = report(
    rows,
    last,
    '`BALE_BENCH_ONLY=main npm run bench` (this table; each section below says what wrote it, git log when)',
  );
  process.stdout.write(table);
  const file = path.join(repoRoot(), 'BENCHMARKS.md');
  const old = await readFile(file, 'utf8').catch(() => '');
  const cut = old.search(/^## /m);
  await writeFile(file, cut < 0 ? table : `${table}\n${old.slice(cut)}`);
  warnWorse(rows, last);
  process.exit(rowsMet(rows) ? 0 : 1);
}

// BALE_BENCH_ONLY=audit: only the auditing section, in place of its old text (before the bulk sections).
if (process.env.BALE_BENCH_ONLY === 'audit') {
  const runs = Math.min(RUNS, 3);
  const a = await benchAuditAll(runs);
  const text = auditSection(a, runs);
  process.stdout.write(text);
  const file = path.join(repoRoot(), 'BENCHMARKS.md');
  const old = await readFile(file, 'utf8').catch(() => '');
  await writeFile(file, replaceSection(old, '## Auditing', text, '## Bulk import'));
  process.exit(auditMet(a) ? 0 : 1);
}

const rows = await mainRows();
const tp = await benchPypiBuild();
const queue = await benchQueue();
const compose = await benchCompose(Math.min(RUNS, 3));
const audit = await benchAuditAll(Math.min(RUNS, 3));
const bulk = await benchBulk(BULK_RUNS);
const buildAll = await benchBuildAll();
const last = await lastRatios();
const text = `${report(rows, last)}
## PyPI build throughput

${tp.wheels} pure wheels (21 modules each) for ${tp.pythons.length} interpreters (${tp.pythons.join(', ')}): ${tp.packages} packages in ${tp.wall.toFixed(2)} s
with \`bale build --jobs ${tp.cores}\` into an empty store (sources cached) = **${tp.perSecondPerCore.toFixed(1)} packages per second per core**.
The same unzip + install + pack in one process takes ${tp.coreWork.toFixed(2)} s of one core, so
**${(tp.outsideShare * 100).toFixed(0)}%** of the ${(tp.wall * tp.cores).toFixed(2)} core-seconds went to everything else (process start, recipes, planning, store writes, idle cores).

${queueSection(queue)}
## Image compose

${compose.packages.toLocaleString('en-US')} packages with ${compose.files.toLocaleString('en-US')} files in a local store, composed into one image in-process (closure over the
manifests' depends from one root, every path checked for conflicts, the canonical image file; manifests read cold by a fresh
store): **${compose.pair.a.toFixed(2)} s** (target: well under a second), against ${compose.pair.b.toFixed(2)} s for what a user would otherwise run to find
paths owned twice, \`tar -tzf\` of every package | sort | uniq -d: ratio **${compose.pair.ratio.toFixed(2)}** (${compose.pair.runs} runs, medians).

${auditSection(audit, Math.min(RUNS, 3))}
${bulkSection(bulk, BULK_RUNS)}
${buildAllSection(buildAll)}`;
await writeFile(path.join(repoRoot(), 'BENCHMARKS.md'), text);
process.stdout.write(text);
warnWorse(rows, last);
process.exitCode = rowsMet(rows) && bulkMet(bulk) && auditMet(audit) ? 0 : 1;

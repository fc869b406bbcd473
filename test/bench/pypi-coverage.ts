/**
 * PyPI coverage on a real index: for every project, pip's closure against bale's, and an import of
 * each top-level module from the unpacked packages. Not part of `npm test` (hours on a full index).
 *
 *   node dist/test/bench/pypi-coverage.js [--limit N] [--jobs N] [--out FILE] [--md FILE]
 *     [--index /opt/pypi[,/opt/pypi-more]] [--projects a,b] [--work DIR] [--fresh] [--tally-only]
 *     [--order hash|name] [--overrides DIR]
 *
 * Results go to WORK/results.jsonl as each project finishes, so a stopped run resumes where it was
 * (--fresh starts over); --out gets the JSON of all results, --md the Markdown tally.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import pLimit from 'p-limit';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { baleRequest, unpack, type BaleSetup } from './pypi-coverage/bale-run.js';
import { categorize, diffClosures } from './pypi-coverage/classify.js';
import { failed, importNames, tryImports } from './pypi-coverage/imports.js';
import { listProjects, mergeIndexes, serve } from './pypi-coverage/index-server.js';
import { pipResolve, pipTarget } from './pypi-coverage/pip.js';
import { renderReport, type RunInfo } from './pypi-coverage/report.js';
import { normalize, type ImportOutcome, type ProjectResult } from './pypi-coverage/types.js';

const { values: opt } = parseArgs({
  options: {
    limit: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    'bale-jobs': { type: 'string', default: '1' },
    out: { type: 'string' },
    md: { type: 'string' },
    index: { type: 'string', default: '/opt/pypi' },
    projects: { type: 'string' },
    work: { type: 'string', default: path.join(tmpdir(), 'bale-pypi-coverage') },
    python: { type: 'string', default: '3.11' },
    'timeout-min': { type: 'string', default: '20' },
    fresh: { type: 'boolean', default: false },
    'tally-only': { type: 'boolean', default: false },
    order: { type: 'string', default: 'hash' },
    overrides: { type: 'string' },
  },
});

const MIN = 60_000;
const hashOf = (s: string): string => createHash('sha256').update(s).digest('hex');
const work = path.resolve(opt.work!);
const resultsFile = path.join(work, 'results.jsonl');
const indexes = opt.index!.split(',');

async function pythonBinary(version: string): Promise<string> {
  const r = await execa(`python${version}`, ['-c', 'import sys; print(sys.executable)']);
  return r.stdout.trim();
}

async function readDone(): Promise<Map<string, ProjectResult>> {
  const done = new Map<string, ProjectResult>();
  const text = await readFile(resultsFile, 'utf8').catch(() => '');
  for (const line of text.split('\n'))
    if (line.trim() !== '') done.set((JSON.parse(line) as ProjectResult).project, JSON.parse(line) as ProjectResult);
  return done;
}

async function checkImports(
  python: string,
  indexUrl: string,
  root: string,
  project: string,
  version: string | undefined,
): Promise<ImportOutcome> {
  const sp = path.join(root, 'usr', 'lib', `python${opt.python}`, 'site-packages');
  const { names, from } = await importNames(sp, project);
  const scratch = await mkdtemp(path.join(work, 'cwd-'));
  try {
    const outcome: ImportOutcome = {
      namesFrom: from,
      bale: names.length === 0 ? {} : await tryImports(python, sp, names, scratch, 5 * MIN),
    };
    const bad = failed(outcome.bale);
    if (bad.length === 0) return outcome;
    // Would pip's install import it? The same names from a `pip install --target` tree.
    const target = path.join(scratch, 'target');
    await mkdir(target);
    const err = await pipTarget(python, indexUrl, version === undefined ? project : `${project}==${version}`, target, 20 * MIN);
    if (err !== null) outcome.pipInstallError = err;
    else outcome.pip = await tryImports(python, target, bad, scratch, 5 * MIN);
    return outcome;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function runProject(
  project: string,
  python: string,
  indexUrl: string,
  setup: BaleSetup,
  indexProjects: ReadonlySet<string>,
): Promise<ProjectResult> {
  const pip = await pipResolve(python, indexUrl, project, 10 * MIN);
  const spec = pip.ok && pip.version !== undefined ? `pypi:${project}@${pip.version}` : `pypi:${project}`;
  const scratch = await mkdtemp(path.join(work, 'p-'));
  try {
    const { outcome: bale, files } = await baleRequest(setup, spec, path.join(scratch, 'recipes'));
    const partial: Omit<ProjectResult, 'category'> = { project, pip, bale };
    if (bale.ok && pip.ok) partial.diff = diffClosures(bale.closure!, pip.closure!);
    if (bale.ok) {
      const root = path.join(scratch, 'root');
      await unpack(files, root);
      partial.imports = await checkImports(python, indexUrl, root, project, pip.version);
    }
    return { ...partial, ...categorize(partial, indexProjects) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The last commit that changed what is measured (bale's sources and tables, not this harness). */
async function commitOf(): Promise<string> {
  const measured = ['src', 'importers', 'overrides', 'queue', 'package.json'];
  const head = (await execa('git', ['log', '-1', '--format=%h', '--abbrev=12', '--', ...measured], { cwd: repoRoot() })).stdout.trim();
  const dirty =
    (await execa('git', ['status', '--porcelain', '--untracked-files=no', '--', ...measured], { cwd: repoRoot() })).stdout.trim() !== '';
  return dirty ? `${head} (+ uncommitted changes)` : head;
}

async function main(): Promise<void> {
  await mkdir(work, { recursive: true });
  if (opt.fresh) await rm(resultsFile, { force: true });
  let served = indexes[0]!;
  if (indexes.length > 1) {
    served = path.join(work, 'merged-index');
    await rm(served, { recursive: true, force: true });
    await mergeIndexes(indexes, served);
  }
  const all = await listProjects(served);
  const indexProjects = new Set(all.map(normalize));
  let projects = opt.projects !== undefined ? opt.projects.split(',') : all;
  // By hash of the name (fixed, not alphabetical): a stopped or --limit run is a fair sample.
  if (opt.order === 'hash') projects = [...projects].sort((a, b) => hashOf(a).localeCompare(hashOf(b)));
  if (opt.limit !== undefined) projects = projects.slice(0, Number(opt.limit));
  const started = performance.now();
  const done = await readDone();
  if (!opt['tally-only']) {
    const python = await pythonBinary(opt.python!);
    const server = await serve(served);
    const setup: BaleSetup = {
      python: opt.python!,
      indexUrl: server.url,
      store: path.join(work, 'store'),
      cache: path.join(work, 'cache'),
      jobs: Number(opt['bale-jobs']),
      timeoutMs: Number(opt['timeout-min']) * MIN,
      ...(opt.overrides === undefined ? {} : { overrides: path.resolve(opt.overrides) }),
    };
    const limit = pLimit(Number(opt.jobs));
    const todo = projects.filter((p) => !done.has(p));
    let finished = 0;
    try {
      await Promise.all(
        todo.map((p) =>
          limit(async () => {
            const t = performance.now();
            const r = await runProject(p, python, server.url, setup, indexProjects);
            done.set(p, r);
            await appendFile(resultsFile, `${JSON.stringify(r)}\n`);
            finished++;
            const line = r.bale?.ok === false ? ` ${r.bale.errorLine}` : '';
            process.stderr.write(
              `[${finished}/${todo.length}] ${p}: ${r.category}${r.subcategory !== undefined ? ` (${r.subcategory})` : ''} ${((performance.now() - t) / 1000).toFixed(0)} s${line}\n`,
            );
          }),
        ),
      );
    } finally {
      await server.stop();
    }
  }
  // Categories are recomputed from the recorded outcomes, so a refined rule applies to old runs too.
  const results = projects
    .filter((p) => done.has(p))
    .map((p) => {
      const { category: _c, subcategory: _s, ...raw } = done.get(p)!;
      return { ...raw, ...categorize(raw, indexProjects) };
    });
  const info: RunInfo = {
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    commit: await commitOf(),
    indexes,
    python: opt.python!,
    projectsInIndex: all.length,
    ...(opt['tally-only'] ? {} : { wallSeconds: (performance.now() - started) / 1000 }),
    command: `node dist/test/bench/pypi-coverage.js ${process.argv.slice(2).join(' ')}`.trim(),
  };
  const out = opt.out ?? path.join(work, 'coverage.json');
  await writeFile(out, `${JSON.stringify({ info, results }, null, 1)}\n`);
  await writeFile(opt.md ?? `${out.replace(/\.json$/, '')}.md`, `${renderReport(info, results)}\n`);
  process.stderr.write(`${results.length} projects: ${out}\n`);
}

await main();

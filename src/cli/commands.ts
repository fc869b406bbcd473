import { importerFor } from '../../importers/index.js';
import type { ImportResult } from '../../importers/index.js';
import { buildGraph, loadGraph } from '../builder/index.js';
import type { TaskResult } from '../builder/index.js';
import { parseNodeList } from '../interpreters/node.js';
import { parseSpec } from '../purl/purl.js';
import type { Purl, Spec } from '../purl/purl.js';
import { LocalStore } from '../store/index.js';
import { UserError } from '../errors/index.js';
import { packageLines, printImport, printJson, printPackages } from './output.js';
import type { Paths } from './paths.js';
import type { Progress } from './progress.js';
import { resolveBuildRoots } from './specs.js';
import type { BuildRoot } from './specs.js';

export interface GlobalOptions {
  recipes: string;
  store: string;
  registry?: string;
  node?: string;
  jobs: number;
  json: boolean;
  sandbox: 'auto' | 'bubblewrap' | 'direct';
}

export interface Env {
  opts: GlobalOptions;
  paths: Paths;
  progress: Progress;
}

export async function runImport(specArgs: string[], env: Env): Promise<ImportResult> {
  const specs = specArgs.map(parseSpec);
  const byEco = new Map<string, Spec[]>();
  for (const s of specs) byEco.set(s.type, [...(byEco.get(s.type) ?? []), s]);
  const all: ImportResult = { roots: [], recipes: [] };
  for (const [, group] of byEco) {
    const importer = await importerFor(group[0]!.type);
    env.progress.phase('resolving', group.length);
    const r = await importer.importClosure(group, {
      recipesDir: env.opts.recipes,
      cacheDir: env.paths.cache,
      ...(env.opts.registry !== undefined ? { registry: env.opts.registry } : {}),
      onProgress: (p) => env.progress.update(p.resolved, p.discovered, p.current),
      onNote: (line) => {
        if (!env.opts.json) env.progress.log(`note: ${line}`);
      },
    });
    all.roots.push(...r.roots);
    all.recipes.push(...r.recipes);
  }
  env.progress.stop();
  return all;
}

async function runBuild(roots: BuildRoot[], env: Env): Promise<TaskResult[]> {
  const { graph } = await loadGraph(env.opts.recipes, roots);
  let done = 0;
  let total = 0;
  const results = await buildGraph(graph, {
    store: new LocalStore(env.opts.store),
    cacheDir: env.paths.cache,
    jobs: env.opts.jobs,
    request: { node: env.opts.node !== undefined ? parseNodeList(env.opts.node) : [] },
    sandbox: env.opts.sandbox,
    warn: (line) => env.progress.log(`warning: ${line}`),
    onPlanned: (tasks) => {
      total = tasks.length;
      env.progress.phase('building', total);
    },
    onStart: (t) => env.progress.update(done, total, t.node.id),
    onDone: (r) => env.progress.update(++done, total, r.task.node.id),
  });
  env.progress.stop();
  return results;
}

function report(results: TaskResult[], env: Env, extra: Record<string, unknown> = {}): void {
  const lines = packageLines(results);
  if (env.opts.json) printJson({ ...extra, packages: lines });
  else printPackages(lines);
}

export async function cmdImport(specArgs: string[], env: Env): Promise<void> {
  const r = await runImport(specArgs, env);
  if (env.opts.json) printJson(r);
  else printImport(r);
}

export async function cmdBuild(args: string[], env: Env): Promise<void> {
  report(await runBuild(await resolveBuildRoots(args, env.opts.recipes), env), env);
}

export async function cmdRequest(specArgs: string[], env: Env): Promise<void> {
  const imported = await runImport(specArgs, env);
  const roots = imported.roots.map((purl: Purl) => ({ purl }));
  report(await runBuild(roots, env), env, { roots: imported.roots.map((p) => `${p.type}:${p.name}@${p.version}`) });
}

export function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UserError('EUSAGE', `--jobs ${value}: expected a whole number from 1 to 256`);
  return n;
}

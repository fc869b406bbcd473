/**
 * `bale refresh`: for each root, the newest version upstream lists that the policy and the root's
 * range allow (src/refresh/), re-imported at exactly that version so its recipe and closure are
 * re-pinned, then a report grouped major/minor/patch. Roots that did not move are not re-imported,
 * so a refresh with nothing new writes nothing; a recipe whose bytes are already there is left
 * alone (src/recipe/repo.ts writePrepared). With --queue, the moved roots become import jobs (their
 * dependencies' pins kept from the workers' tree), waited for as `request --queue` waits: the imports,
 * then their builds; with --keep-going a root whose import or build fails on the fleet is reported.
 */
import { parseSpec } from '../purl/purl.js';
import type { Policy } from '../refresh/decide.js';
import { bulkSpecs, endRun, failedRootOf, failedRootsJson, type BulkFlags, type FailedRoot } from './bulk.js';
import { resolvedOrRefused } from './commands.js';
import { resolveCheckedSpecs, writeRecipes, type SpecArg } from './resolve-specs.js';
import { indexOf, type Env } from './env.js';
import { printJson, printPackages, say } from './output.js';
import type { PackageLine, WrittenRecipe } from './output.js';
import type { QueuedImport } from './queue-imports.js';

export interface RefreshFlags extends BulkFlags {
  policy?: Policy;
  /** `--queue [URL]`: import the moved roots on the fleet (and build them) instead of importing here. */
  queue?: string | true;
}

export async function cmdRefresh(args: string[], o: RefreshFlags, env: Env): Promise<void> {
  const policy = o.policy ?? 'minor';
  const keepGoing = env.opts.keepGoing === true;
  const specArgs = await bulkSpecs(args, o, keepGoing, 'refresh');
  // Every root parsed, and every index checked, before anything is asked.
  const roots: SpecArg[] = specArgs.map((arg) => ({ spec: parseSpec(arg), arg }));
  const registryOf = (s: SpecArg['spec']): string | undefined => s.repository ?? indexOf(s.type, env.opts);
  for (const r of roots) registryOf(r.spec);
  const { planRefresh } = await import('../refresh/plan.js');
  env.progress.phase('asking upstream', roots.length);
  const plan = await planRefresh(roots, {
    recipes: env.opts.recipes,
    cacheDir: env.paths.cache,
    policy,
    registryOf,
    keepGoing,
    onProgress: (done, current) => env.progress.update(done, roots.length, current),
  });
  env.progress.stop();
  const failedRoots: FailedRoot[] = plan.failed.map((f) => failedRootOf(f.arg, f.error));
  const movedArgs = new Set(plan.rows.filter((r) => r.to !== undefined).map((r) => r.root));
  // Each moved root pinned at its new version; messages still quote the root as given.
  const moved: SpecArg[] = roots
    .filter((r) => movedArgs.has(r.arg))
    .map((r) => ({ spec: { ...r.spec, range: plan.rows.find((x) => x.root === r.arg)!.to }, arg: r.arg }));
  let written: WrittenRecipe[] = [];
  let failures: ReturnType<typeof resolvedOrRefused> = [];
  let jobs: unknown[] | undefined;
  let fleet: { packages: PackageLine[]; recipes: string[] } | undefined;
  if (o.queue !== undefined && moved.length > 0) {
    const { importsViaQueue } = await import('./queue-imports.js');
    const done = await importsViaQueue(await importJobs(moved, env), env, o.queue === true ? undefined : o.queue, keepGoing);
    jobs = done.jobs;
    fleet = { packages: done.lines, recipes: done.recipes };
    failedRoots.push(...done.failedRoots);
    failures = done.failures;
  } else if (moved.length > 0) {
    // Dependencies keep the versions the tree pins where those still fit: only what must move moves.
    const { listRecipeVersions } = await import('../recipe/index.js');
    const res = await resolveCheckedSpecs(moved, env, true, (eco, name) =>
      // A name that cannot be a recipe path has no pins to keep (the importer's own checks name it).
      listRecipeVersions(env.opts.recipes, eco, name).catch(() => []),
    );
    failures = resolvedOrRefused(res, env);
    failedRoots.push(...res.failedRoots);
    written = (await writeRecipes(res)).filter((w) => w.changed);
  }
  // A root whose re-import failed did not move.
  const failedArgs = new Set(failedRoots.map((f) => f.spec));
  const rows = plan.rows.map((r) => (failedArgs.has(r.root) ? { ...r, to: undefined, update: undefined, failed: true as const } : r));
  const { reportJson, reportLines } = await import('../refresh/report.js');
  if (env.opts.json) {
    printJson({
      ...reportJson(policy, rows),
      recipes: written,
      ...(jobs !== undefined ? { jobs } : {}),
      ...(fleet !== undefined ? { fleetRecipes: fleet.recipes, packages: fleet.packages } : {}),
      failures,
      ...failedRootsJson(failedRoots),
    });
  } else {
    for (const line of reportLines(policy, rows)) say(line);
    if (fleet !== undefined) {
      say(`imported ${jobs!.length} moved root(s) on the fleet (${fleet.recipes.length} recipe(s) in its tree)`);
      printPackages(fleet.packages);
    } else if (moved.length > 0) say(`${written.length} recipe(s) written`);
  }
  await endRun('refresh', specArgs, failedRoots, failures, o);
}

/** The moved roots as import jobs (`bale enqueue --import`), each spec pinned to its new version, its dependencies' pins kept. */
async function importJobs(moved: SpecArg[], env: Env): Promise<QueuedImport[]> {
  const { targetRequest, matrixOf } = await import('./env.js');
  return moved.map(({ spec, arg }) => {
    const registry = spec.repository ?? indexOf(spec.type, env.opts);
    const interpreters = matrixOf(spec.type, env.opts);
    const data = {
      request: targetRequest(env.opts),
      keepPins: true,
      ...(registry !== undefined ? { registry } : {}),
      ...(interpreters !== undefined ? { interpreters } : {}),
    };
    return { spec: specText(spec), arg, data };
  });
}

/** `eco:name[extras]@version`, as an import job parses it. */
function specText(s: SpecArg['spec']): string {
  const extras = s.extras !== undefined && s.extras.length > 0 ? `[${s.extras.join(',')}]` : '';
  return `${s.type}:${s.name}${extras}@${s.range!}`;
}

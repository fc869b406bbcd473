import type { Resolution } from '../../importers/index.js';
import type { RecipeGraph, TaskResult } from '../builder/index.js';
import type { Purl } from '../purl/purl.js';
import type { Store } from '../store/index.js';
import { UsageError } from '../errors/index.js';
import type { OpenCheck } from './check-command.js';
import { targetRequest, type Env } from './env.js';
import { packageLines, printImport, printJson, printPackages, type WrittenRecipe } from './output.js';
import { bulkSpecs, checkReport, endRun, failedRootsJson, recipesOfBuiltRoots, rootsNotBuilt, type BulkFlags } from './bulk.js';
import { resolveChecked, writeRecipes, type CheckedResolution } from './resolve-specs.js';
import { buildFailure, refuse, targetsFailed, type FailedTarget } from './targets.js';

/** The builder (undici, the sandbox, the packer) loads only for commands that build. */
const builder = (): Promise<typeof import('../builder/index.js')> => import('../builder/index.js');

/**
 * The store --store names (signing what it writes when a key is configured). Commands that build
 * open it first: a bad --store (or cache) is a usage error before any recipe is read or resolved.
 */
async function openGivenStore(env: Env): Promise<Store> {
  const { openStore } = await import('./signing.js');
  return openStore(env.opts.store, env.opts, env.paths.cache);
}

/** Build into `store`; each failed build is added to `failures` (the run stops at the first unless --keep-going). */
async function runBuild(graph: RecipeGraph, env: Env, store: Store, failures: FailedTarget[] = []): Promise<TaskResult[]> {
  const { buildGraph } = await builder();
  let done = 0;
  let total = 0;
  const results = await buildGraph(graph, {
    store,
    cacheDir: env.paths.cache,
    jobs: env.opts.jobs,
    request: targetRequest(env.opts),
    sandbox: env.opts.sandbox,
    directAsRoot: env.opts.iKnow,
    ...(env.opts.buildTimeoutMs !== undefined ? { limits: { timeoutMs: env.opts.buildTimeoutMs } } : {}),
    warn: (line) => env.progress.log(`warning: ${line}`),
    onPlanned: (tasks) => {
      total = tasks.length;
      env.progress.phase('building', total);
    },
    onStart: (t) => env.progress.update(done, total, t.node.id),
    onDone: (r) => env.progress.update(++done, total, r.task.node.id),
    onFailed: (task, error) => failures.push(buildFailure(task, error)),
    keepGoing: env.opts.keepGoing === true,
  });
  env.progress.stop();
  return results;
}

function report(results: TaskResult[], env: Env, extra: Record<string, unknown> = {}): void {
  const lines = packageLines(results);
  if (env.opts.json) printJson({ ...extra, packages: lines });
  else printPackages(lines);
}

const rootNames = (roots: Purl[]): string[] => roots.map((p) => `${p.type}:${p.name}@${p.version}`);

/**
 * The resolution's failed targets: without --keep-going any one refuses the request before
 * anything is built or written (with --json, the failures are printed first).
 */
export function resolvedOrRefused(res: Resolution, env: Env): FailedTarget[] {
  const failures = res.failures ?? [];
  if (failures.length > 0 && env.opts.keepGoing !== true) refuse(failures, env.opts.json, rootNames(res.roots));
  return [...failures];
}

export async function cmdImport(args: string[], env: Env, o: BulkFlags = {}): Promise<void> {
  const specArgs = await bulkSpecs(args, o, env.opts.keepGoing === true, 'import');
  // Every recipe checked before the first is written: a bad one leaves the tree as it was.
  const res = await resolveChecked(specArgs, env, true);
  const failures = resolvedOrRefused(res, env);
  const written = await writeRecipes(res);
  if (env.opts.json) printJson({ roots: rootNames(res.roots), recipes: written, failures, ...failedRootsJson(res.failedRoots) });
  else printImport(rootNames(res.roots), written);
  await endRun('import', specArgs, res.failedRoots, failures, o);
}

/** `--check URL`: the registry opened (read, never written) before the build, and closed however the command ends. */
async function withCheck(url: string | undefined, store: Store, work: (check: OpenCheck | undefined) => Promise<void>): Promise<void> {
  if (url === undefined) return work(undefined);
  const check = await (await import('./check-command.js')).openCheck(url, store);
  try {
    await work(check);
  } finally {
    await check.close();
  }
}

/**
 * Report the run's packages (and with --check, each against the registry), then fail: failed
 * targets first, else a --check mismatch.
 */
async function reportChecked(
  results: TaskResult[],
  store: Store,
  env: Env,
  check: OpenCheck | undefined,
  extra: Record<string, unknown> & { failures: FailedTarget[] },
  end = async (): Promise<void> => {
    if (extra.failures.length > 0) throw targetsFailed(extra.failures, true);
  },
): Promise<void> {
  if (check === undefined) {
    report(results, env, extra);
  } else {
    const { checkJson } = await import('../rebuild/check.js');
    const { judgeCheck, printCheck, runCheck } = await import('./check-command.js');
    const checked = await runCheck(check, results, store, env);
    report(results, env, { ...extra, check: checkJson(checked) });
    if (!env.opts.json) await printCheck(check, checked);
    if (extra.failures.length === 0) await judgeCheck(check, checked, env);
  }
  await end();
}

/** `bale build` flags besides the bulk ones: `--all`, `--queue [url]`. */
export interface BuildFlags extends BulkFlags {
  all?: boolean;
  queue?: string | true;
}

/** The graph to build and its roots: every recipe (--all), or the closure of the arguments (set aside with --keep-going). */
async function buildRoots(specArgs: string[], env: Env, all: boolean): Promise<Kept> {
  if (all) {
    const { allRecipesGraph } = await import('./build-all.js');
    const { graph, roots } = await allRecipesGraph(env.opts.recipes);
    return { graph, roots: roots.map((r) => r.purl), failed: [], argOf: new Map(roots.map((r) => [r.id, r.id])) };
  }
  const { keptBuildGraph, resolveBuildRoots } = await import('./specs.js');
  // --keep-going: a root without a recipe (or with an unreadable closure) is set aside, the rest built.
  if (env.opts.keepGoing === true) return keptBuildGraph(specArgs, env.opts.recipes);
  const { graph, roots } = await (await builder()).loadGraph(env.opts.recipes, await resolveBuildRoots(specArgs, env.opts.recipes));
  return { graph, roots: roots.map((r) => r.purl), failed: [], argOf: new Map<string, string>() };
}

type Kept = Awaited<ReturnType<typeof import('./specs.js').keptBuildGraph>>;

export async function cmdBuild(args: string[], env: Env, checkUrl?: string, o: BuildFlags = {}): Promise<void> {
  const all = o.all === true;
  if (all && (args.length > 0 || o.fromFile !== undefined)) {
    throw new UsageError('bale build --all builds every recipe in the tree: drop the specs and --from-file, or drop --all');
  }
  if (o.queue !== undefined && checkUrl !== undefined) {
    throw new UsageError('bale build: --check compares what this process builds, so it cannot be used with --queue: drop one of them');
  }
  await checkReport(o, env.opts.keepGoing === true);
  const given = all ? [] : await bulkSpecs(args, o, env.opts.keepGoing === true, 'build');
  if (o.queue !== undefined) {
    // Redis (and the store results are listed from) checked before the tree is read; the fleet builds.
    const { buildViaQueue } = await import('./queue-commands.js');
    let kept: Kept | undefined;
    const keepGoing = env.opts.keepGoing === true;
    const queue = o.queue === true ? undefined : o.queue;
    const { lines, failures } = await buildViaQueue(async () => (kept = await buildRoots(given, env, all)), env, queue, keepGoing);
    // --keep-going: a root whose build failed on the fleet is a build failure of its own, as in-process.
    const failedRoots = [...(kept?.failed ?? []), ...(kept !== undefined ? rootsNotBuilt(kept.roots, kept.argOf, failures) : [])];
    if (env.opts.json) printJson({ packages: lines, ...(keepGoing ? { failures } : {}), ...failedRootsJson(failedRoots) });
    else printPackages(lines);
    await endRun('build', all ? [...(kept?.argOf.values() ?? [])] : given, failedRoots, failures, o);
    return;
  }
  const store = await openGivenStore(env);
  await withCheck(checkUrl, store, async (check) => {
    const { graph, roots: kept, failed, argOf } = await buildRoots(given, env, all);
    const specArgs = all ? [...argOf.values()] : given;
    // Without --keep-going a failed build refuses the run before roots are matched to it.
    const roots = env.opts.keepGoing === true ? kept : [];
    // Pinned recipes, nothing to write but the store: what built before a failure stays, a hit next time (README: Targets).
    const failures: FailedTarget[] = [];
    const results = await runBuild(graph, env, store, failures).catch((err: unknown) => refuse(failures, env.opts.json, [], err));
    const failedRoots = [...failed, ...rootsNotBuilt(roots, argOf, failures)];
    await reportChecked(results, store, env, check, { failures, ...failedRootsJson(failedRoots) }, () =>
      endRun('build', specArgs, failedRoots, failures, o),
    );
  });
}

/**
 * Resolve, check every recipe, build into a staging store, and only when every target built move
 * the packages into the store and write the recipes: a failed request leaves recipes and store as
 * they were (a recipe that could not be written is refused before any build). --keep-going keeps
 * what built, and still fails naming the rest.
 */
export async function cmdRequest(args: string[], env: Env, queue?: string | true, checkUrl?: string, o: BulkFlags = {}): Promise<void> {
  if (queue !== undefined && checkUrl !== undefined) {
    throw new UsageError('bale request: --check compares what this process builds, so it cannot be used with --queue: drop one of them');
  }
  const specArgs = await bulkSpecs(args, o, env.opts.keepGoing === true, 'request');
  if (queue !== undefined) {
    // `--queue URL`, or `--queue` alone for $BALE_REDIS_URL. Failed resolutions refuse it before anything is enqueued.
    const { requestViaQueue } = await import('./queue-commands.js');
    let failures: FailedTarget[] = [];
    const resolved = async (): Promise<CheckedResolution> => {
      const res = await resolveChecked(specArgs, env, true);
      failures = resolvedOrRefused(res, env);
      return res;
    };
    const keepGoing = env.opts.keepGoing === true;
    const built = await requestViaQueue(resolved, env, queue === true ? undefined : queue, keepGoing);
    const { res, lines } = built;
    failures.push(...built.failures);
    // --keep-going: a root whose build failed on the fleet is reported, and only built roots' recipes are written.
    const failedRoots = [...res.failedRoots, ...rootsNotBuilt(res.roots, res.argOf, built.failures)];
    const { graphFromRecipes } = await builder();
    const kept =
      built.failures.length > 0 ? recipesOfBuiltRoots(res, graphFromRecipes('', res.recipes, res.roots).graph, built.failures) : res;
    const written = await writeRecipes(kept);
    if (env.opts.json)
      printJson({ roots: rootNames(res.roots), recipes: written, failures, packages: lines, ...failedRootsJson(failedRoots) });
    else printPackages(lines);
    await endRun('request', specArgs, failedRoots, failures, o);
    return;
  }
  const store = await openGivenStore(env);
  await withCheck(checkUrl, store, async (check) => {
    const { value, written } = await staged(store, env, 'request-', async (staging) => {
      const done = await requestBuilt(specArgs, env, staging, true);
      // With --keep-going, a root that did not build leaves no recipes behind but those a built root needs.
      return { value: done, resolved: [recipesOfBuiltRoots(done.res, done.graph, done.failures)] };
    });
    const { res, results, failures } = value;
    const failedRoots = [...res.failedRoots, ...rootsNotBuilt(res.roots, res.argOf, failures)];
    await reportChecked(
      await inStore(results, store),
      store,
      env,
      check,
      { roots: rootNames(res.roots), recipes: written, failures, ...failedRootsJson(failedRoots) },
      () => endRun('request', specArgs, failedRoots, failures, o),
    );
  });
}

/**
 * The shape `request`, `image compose` and `install` share: `work` builds into a staging store;
 * only when it returns are the staged builds moved into `store` and its resolutions' recipes
 * written (all or nothing); the staging store goes however it ends.
 */
export async function staged<T>(
  store: Store,
  env: Env,
  prefix: string,
  work: (staging: Store) => Promise<{ value: T; resolved: CheckedResolution[] }>,
): Promise<{ value: T; written: WrittenRecipe[] }> {
  const { stage } = await import('../store/staging.js');
  const staging = await stage(store, env.paths.cache, prefix);
  try {
    const { value, resolved } = await work(staging);
    await staging.commit();
    const written: WrittenRecipe[] = [];
    for (const res of resolved) written.push(...(await writeRecipes(res)));
    return { value, written };
  } finally {
    await staging.discard();
  }
}

/** Results as `store` holds them once a staging store was committed to it (the files the user keeps). */
export function inStore(results: TaskResult[], store: Store): Promise<TaskResult[]> {
  return Promise.all(results.map(async (r) => ({ ...r, packages: (await store.lookup(r.task.key)) ?? r.packages })));
}

/** What requestBuilt did: the checked resolution, the builds that succeeded, the targets that failed (only with --keep-going). */
export interface Requested {
  res: CheckedResolution;
  results: TaskResult[];
  failures: FailedTarget[];
  graph: RecipeGraph;
}

/**
 * What `request` does before it writes anything: resolve, check every recipe, build into `store`
 * (a staging store: request's, compose's, install's). A failed target refuses it here, unless
 * --keep-going. The caller commits the store and writes the recipes (through staged) once everything
 * it needs succeeded.
 */
export async function requestBuilt(specArgs: string[], env: Env, store: Store, keepRoots = false): Promise<Requested> {
  const res = await resolveChecked(specArgs, env, keepRoots);
  const failures = resolvedOrRefused(res, env);
  const { graph } = (await builder()).graphFromRecipes(env.opts.recipes, res.recipes, res.roots);
  const results = await runBuild(graph, env, store, failures).catch((err: unknown) =>
    refuse(failures, env.opts.json, rootNames(res.roots), err),
  );
  return { res, results, failures, graph };
}

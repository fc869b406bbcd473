/**
 * From specs to checked recipes, in memory: each ecosystem's specs resolved by its importer against
 * one registry, then every recipe checked as writing it would; written only when a command says so.
 */
import { importerFor } from '../../importers/index.js';
import type { ImportProgress, Resolution } from '../../importers/index.js';
import { EveryTargetFailed } from '../../importers/matrix.js';
import { UserError } from '../errors/index.js';
import { parseSpec } from '../purl/purl.js';
import type { Ecosystem, Spec } from '../purl/purl.js';
import type { PreparedRecipe } from '../recipe/index.js';
import { argsOfRoots, rootFailuresOf, type FailedRoot } from './bulk.js';
import { indexOf, matrixOf, type Env, type GlobalOptions } from './env.js';
import type { WrittenRecipe } from './output.js';

/** A spec and the argument it was parsed from, which messages quote. */
export interface SpecArg {
  spec: Spec;
  arg: string;
}

/**
 * The registry one ecosystem's specs resolve against: a purl's `repository_url`, else the flag,
 * else the default. One closure is resolved against one registry, so specs of one ecosystem that
 * name different ones are refused (request them separately).
 */
function groupRegistry(group: readonly SpecArg[], o: GlobalOptions): string | undefined {
  const registry = (s: Spec): string | undefined => s.repository ?? indexOf(s.type, o);
  const first = group[0]!;
  const want = registry(first.spec);
  const other = group.find((g) => registry(g.spec) !== want);
  if (other !== undefined) {
    const where = (s: Spec): string => registry(s) ?? 'the default registry';
    throw new UserError(
      'ESPEC',
      `${first.arg} and ${other.arg} name different ${first.spec.type} registries (${where(first.spec)} and ${where(other.spec)}): one command resolves an ecosystem against one registry; request them separately`,
    );
  }
  return want;
}

/** A resolution, with the roots --keep-going set aside and the argument each pinned root came from. */
interface ResolvedRoots extends Resolution {
  failedRoots: FailedRoot[];
  /** Root purl (`pkg:npm/x@1.0.0`) to the argument it was resolved from. */
  argOf: Map<string, string>;
}

/**
 * Resolve specs into their pinned closures, in memory; nothing is written yet. `keepRoots`: with
 * --keep-going, a root that cannot be resolved is set aside (import, request; an image or a root
 * laid by install is never silently short of one).
 */
async function resolveSpecs(
  specArgs: SpecArg[],
  env: Env,
  keepRoots: boolean,
  pinned?: (eco: Ecosystem, name: string) => Promise<readonly string[]>,
): Promise<ResolvedRoots> {
  const byEco = new Map<Ecosystem, SpecArg[]>();
  for (const sa of specArgs) byEco.set(sa.spec.type, [...(byEco.get(sa.spec.type) ?? []), sa]);
  // Every group's registry is checked before the first one is asked anything.
  const registries = new Map([...byEco].map(([eco, group]) => [eco, groupRegistry(group, env.opts)]));
  const all: ResolvedRoots = { roots: [], recipes: [], failedRoots: [], argOf: new Map() };
  for (const [eco, group] of byEco) {
    const importer = await importerFor(eco);
    env.progress.phase('resolving', group.length);
    const registry = registries.get(eco);
    const interpreters = matrixOf(eco, env.opts);
    const options = {
      cacheDir: env.paths.cache,
      ...(registry !== undefined ? { registry } : {}),
      ...(interpreters !== undefined ? { interpreters } : {}),
      ...(env.opts.overrides !== undefined ? { overridesDir: env.opts.overrides } : {}),
      ...(keepRoots && env.opts.keepGoing === true ? { keepGoing: true } : {}),
      ...(pinned !== undefined ? { pinned: (name: string) => pinned(eco, name) } : {}),
      onProgress: (p: ImportProgress) => env.progress.update(p.resolved, p.discovered, p.current),
      onNote: (line: string) => {
        if (!env.opts.json) env.progress.log(`note: ${line}`);
      },
    };
    const r = await importer
      .resolveClosure(
        group.map((g) => g.spec),
        options,
      )
      .catch((err: unknown): Resolution => {
        // Every interpreter failed: judged with the other failures (all or nothing, or --keep-going).
        if (err instanceof EveryTargetFailed) return { roots: [], recipes: [], failures: err.failures };
        throw err;
      });
    all.roots.push(...r.roots);
    all.recipes.push(...r.recipes);
    if (r.failures) all.failures = [...(all.failures ?? []), ...r.failures];
    all.failedRoots.push(...rootFailuresOf(group, r));
    for (const [purl, arg] of argsOfRoots(group, r)) all.argOf.set(purl, arg);
  }
  env.progress.stop();
  return all;
}

/**
 * The recipe module (zod, TOML) is loaded while the crawl waits on the network: a cold import is
 * mostly waiting, and loading it first would add to the time a user waits.
 */
const recipeModule = (): Promise<typeof import('../recipe/index.js')> => import('../recipe/index.js');

/** A resolution whose every recipe passed the checks writing it makes (schema, path), in canonical form. */
export interface CheckedResolution extends ResolvedRoots {
  prepared: PreparedRecipe[];
}

/**
 * Resolve, then check every recipe exactly as writing it would (http(s) URLs, hashes, purls, a
 * safe path), before anything is built, enqueued or written: a bad one fails the command here.
 */
export async function resolveChecked(specArgs: string[], env: Env, keepRoots: boolean): Promise<CheckedResolution> {
  return resolveCheckedSpecs(
    specArgs.map((arg) => ({ spec: parseSpec(arg), arg })),
    env,
    keepRoots,
  );
}

/**
 * resolveChecked of specs parsed already (refresh pins each root's new version, messages still quote
 * the root as given); `pinned`: versions already pinned, kept where they fit (ImportOptions.pinned).
 */
export async function resolveCheckedSpecs(
  specArgs: SpecArg[],
  env: Env,
  keepRoots: boolean,
  pinned?: (eco: Ecosystem, name: string) => Promise<readonly string[]>,
): Promise<CheckedResolution> {
  const root = env.opts.recipes; // checked here, before any registry is asked
  const resolving = resolveSpecs(specArgs, env, keepRoots, pinned);
  const recipes = recipeModule();
  recipes.catch(() => undefined);
  const res = await resolving;
  const { prepareRecipe } = await recipes;
  const prepared = res.recipes.map((r) => prepareRecipe(root, r));
  return { ...res, recipes: prepared.map((p) => p.recipe), prepared };
}

/** Write recipes resolveChecked checked (all of them were, so a write fails only on the file system). */
export async function writeRecipes(res: CheckedResolution): Promise<WrittenRecipe[]> {
  const { writePrepared } = await recipeModule();
  return Promise.all(res.prepared.map(async (p) => ({ purl: p.recipe.purl, ...(await writePrepared(p)) })));
}

/**
 * Import and plan jobs. An import job resolves one spec against its upstream on the worker,
 * writes the closure's recipes to the worker's recipes tree (a shared directory in a fleet),
 * then plans and enqueues the builds; a plan job does the last step for recipes a producer
 * resolved or read itself. A registry that says 429/503 with Retry-After pauses that
 * ecosystem's import queue for as long as it asked.
 */
import { Worker, type Job, type Queue } from 'bullmq';
import { importerFor } from '../importers/index.js';
import { BaleError, TransientError, UserError } from '../src/errors/index.js';
import { parseSpec } from '../src/purl/purl.js';
import { formatPurl } from '../src/purl/purl.js';
import { listRecipeVersions, prepareRecipe, writePrepared } from '../src/recipe/index.js';
import { forQueue, type ImportJobData, type PlanJobData, type PlanResult } from './jobs.js';
import { planAndEnqueue, type PlanDeps } from './plan.js';

export interface ImportProcessorDeps extends PlanDeps {
  cacheDir: string;
  overridesDir?: string;
}

export function planProcessor(deps: PlanDeps): (job: Job<PlanJobData>) => Promise<PlanResult> {
  return async (job) => {
    try {
      return await planAndEnqueue(job.data.recipes, job.data.roots, job.data.request, deps);
    } catch (err) {
      throw forQueue(err);
    }
  };
}

export function importProcessor(deps: ImportProcessorDeps, queue: () => Queue): (job: Job<ImportJobData>) => Promise<PlanResult> {
  return async (job) => {
    try {
      const spec = parseSpec(job.data.spec);
      const importer = await importerFor(spec.type);
      // A purl's repository_url is the registry for that spec, as in-process.
      const registry = spec.repository ?? job.data.registry;
      const res = await importer.resolveClosure([spec], {
        cacheDir: deps.cacheDir,
        ...(registry !== undefined ? { registry } : {}),
        ...(job.data.interpreters !== undefined ? { interpreters: job.data.interpreters } : {}),
        ...(deps.overridesDir !== undefined ? { overridesDir: deps.overridesDir } : {}),
        // A name that cannot be a recipe path has no pins to keep (the importer's own checks name it).
        ...(job.data.keepPins === true
          ? { pinned: (name: string) => listRecipeVersions(deps.recipesDir, spec.type, name).catch(() => []) }
          : {}),
      });
      // Every recipe checked before the first is written (a bad one leaves the tree as it was).
      const prepared = res.recipes.map((r) => prepareRecipe(deps.recipesDir, r));
      const written = await Promise.all(prepared.map(writePrepared));
      await job.updateProgress({ phase: 'planning', recipes: res.recipes.length });
      const plan = await planAndEnqueue(res.recipes, res.roots.map(formatPurl), job.data.request, deps);
      const failures = res.failures ?? [];
      // The interpreters that resolved are planned; the job still fails so the others are seen.
      if (failures.length > 0) throw new UserError('EPARTIAL', failures.map((f) => f.error).join('; '));
      return { ...plan, recipes: written.map((w) => w.file) };
    } catch (err) {
      if (err instanceof TransientError && err.retryAfterMs !== undefined) {
        await queue().rateLimit(err.retryAfterMs);
        throw Worker.RateLimitError();
      }
      // The error's code, kept with the job, so whoever waits for it can sort the failure (--keep-going).
      if (err instanceof BaleError) await job.updateProgress({ phase: 'failed', code: err.code }).catch(() => undefined);
      throw forQueue(err);
    }
  };
}

/**
 * What travels through the queues, and how failures are told apart. Job ids are content hashes:
 * a build's id is its build key (recipe digest, target, bale and zlib versions, the keys of the
 * builds it ran against), so adding a build the fleet already has, queued or done, adds nothing.
 */
import { createHash } from 'node:crypto';
import { UnrecoverableError, type JobsOptions } from 'bullmq';
import { isUserError, oneLine, TransientError } from '../src/errors/index.js';
import type { TargetRequest } from '../src/builder/index.js';
import type { Recipe } from '../src/recipe/index.js';

/** Import a spec on a worker: resolve, write the recipes to the worker's tree, plan, enqueue. */
export interface ImportJobData {
  spec: string;
  /** The upstream to ask (a mirror's URL); absent: the ecosystem's default. */
  registry?: string;
  /** The interpreter matrix to import for (`['3.11','3.12']`), where the ecosystem has one. */
  interpreters?: string[];
  request: TargetRequest;
  /**
   * `bale refresh`: dependencies keep the versions the worker's recipes tree pins where those still
   * fit (ImportOptions.pinned), so a moved root re-pins only what it must. @defaultValue false
   */
  keepPins?: boolean;
}

/** Plan and enqueue the builds of recipes the producer resolved or read itself. */
export interface PlanJobData {
  recipes: Recipe[];
  /** Canonical purls of what was asked for. */
  roots: string[];
  request: TargetRequest;
}

/** One planned build, as a plan reports it. */
export interface BuildRef {
  /** The build key, which is also the build job's id. */
  key: string;
  /** `<purl>|<target id>` */
  task: string;
  purl: string;
}

export interface PlanResult {
  roots: string[];
  builds: BuildRef[];
  /** Recipes written by an import job, as paths under the worker's recipes tree. */
  recipes?: string[];
}

/** One recipe for one target. The recipes of its closure are in Redis by digest (see recipe-store.ts). */
export interface BuildJobData {
  task: string;
  purl: string;
  key: string;
  /** Digests of every recipe reachable from this one (itself included), to rebuild its graph. */
  closure: string[];
  request: TargetRequest;
  /** Keys of the builds whose packages this one runs against. */
  deps: string[];
  /** `node22.23.3`, `python3.11.7`, ... or null for a package every interpreter shares. */
  interpreter: string | null;
}

/** A stored package as a build job reports it: `file` relative to the store's root. */
export interface BuiltPackage {
  name: string;
  version: string;
  sha256: string;
  size: number;
  file: string;
}

export interface BuildResult {
  purl: string;
  interpreter: string | null;
  cached: boolean;
  packages: BuiltPackage[];
}

/** Idempotent id for an import or plan job: the same request twice is one job while it is kept. */
export function contentId(kind: string, value: unknown): string {
  return `${kind}-${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 40)}`;
}

/**
 * Retried with exponential backoff (registry 5xx, timeouts, a lost connection, a bug that may
 * not recur); deterministic failures are thrown as UnrecoverableError and fail at once. Completed
 * builds are kept (their ids answer "built already"); failed ones stay until retried.
 */
export const BUILD_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 200_000 },
  removeOnFail: false,
};

/** Imports ask a registry whose answers change: a finished import is forgotten after an hour, so asking again re-imports. */
export const IMPORT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** How a processor's error reaches BullMQ: user errors (bad recipe, hash mismatch, missing library) never retry. */
export function forQueue(err: unknown): Error {
  if (isUserError(err)) return new UnrecoverableError(oneLine(err));
  if (err instanceof TransientError) return err;
  return err instanceof Error ? err : new Error(String(err));
}

/** A job that waits for other builds gives its slot back and looks again after this long. */
export const DEPENDENCY_POLL_MS = 250;

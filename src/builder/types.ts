import type { SourceFetcher } from '../fetch/index.js';
import type { PackageOutput, StoredPackage } from '../store/index.js';
import type { Ecosystem } from '../purl/purl.js';
import type { Runner } from '../sandbox/index.js';
import type { Limits } from '../limits/index.js';
import type { RecipeGraph, RecipeNode } from './graph.js';

/** What a package's files depend on: nothing ('any'), or one interpreter version. */
export interface Target {
  /** Stable id, part of the build key: 'any', 'node22.23.3', 'py3.11.7'. */
  id: string;
  /** Package-name prefix: 'node', 'node22', 'py3.11'. */
  prefix: string;
  interpreter: { kind: string; version: string; abi: string } | null;
}

/** The interpreter versions a user asked for, per ecosystem flag (`--node 20,22`). */
export interface TargetRequest {
  node: string[];
  /** `--python 3.11,3.12`; empty: every interpreter a recipe was imported for. */
  python: string[];
  /** `--ruby 3.1`; empty: every Ruby a recipe was imported for. */
  ruby: string[];
}

/** A (recipe, target) pair that must be built before another. */
export interface BuildDependency {
  purl: string;
  target: Target;
}

export interface BuildContext {
  node: RecipeNode;
  target: Target;
  graph: RecipeGraph;
  /** The stored packages of every build dependency (see `buildDependencies`). */
  inputs: StoredPackage[];
  sources: SourceFetcher;
  /** The sandbox, picked on first use so pure builds never probe for bubblewrap. */
  runner: () => Promise<Runner>;
  /** Scratch space and logs. */
  cacheDir: string;
  jobs: number;
  /** This build's bounds: the recipe's `[build.limits]` over the flags' over the defaults. */
  limits: Limits;
}

/** One per ecosystem: turns a pinned recipe into packages for a target. */
export interface EcosystemBuilder {
  readonly ecosystem: Ecosystem;
  /** The targets this recipe is built for, given the request. */
  targets(node: RecipeNode, request: TargetRequest): Promise<Target[]>;
  /** Builds whose packages must exist before this one runs (e.g. a native addon's dependency closure). */
  buildDependencies(node: RecipeNode, target: Target, graph: RecipeGraph): BuildDependency[];
  build(ctx: BuildContext): Promise<PackageOutput[]>;
}

import { join } from 'node:path';
import { SourceFetcher } from '../fetch/index.js';
import { sweepScratch } from '../util/scratch.js';
import { ecosystem } from '../ecosystems/index.js';
import type { Ecosystem } from '../purl/purl.js';
import type { Runner } from '../sandbox/index.js';
import { resolveLimits, type Limits } from '../limits/index.js';
import type { Store } from '../store/index.js';
import { withLease } from '../store/leases.js';
import type { RecipeGraph, RecipeNode } from './graph.js';
import { describeBuild } from './describe.js';
import { checkNativeBuildDeps } from './native-deps.js';
import { planTasks, runTasks } from './scheduler.js';
import type { Task, TaskResult } from './scheduler.js';
import type { BuildContext, EcosystemBuilder, TargetRequest } from './types.js';

export interface BuildOptions {
  store: Store;
  /** Sources, interpreters, scratch space and build logs. */
  cacheDir: string;
  /** Builds at once. */
  jobs: number;
  request: TargetRequest;
  sandbox: 'auto' | 'bubblewrap' | 'direct';
  /** The direct runner may run builds as root (`--sandbox direct --i-know`). @defaultValue false */
  directAsRoot?: boolean;
  /** Bounds for recipes without their own `[build.limits]` (flags such as --build-timeout). */
  limits?: Partial<Limits>;
  warn: (line: string) => void;
  /** pacote options for fetching interpreters from the npm registry. */
  npmOptions?: Record<string, unknown>;
  onPlanned?: (tasks: Task[]) => void;
  onStart?: (task: Task) => void;
  onDone?: (r: TaskResult) => void;
  /** A build that failed (see ScheduleHooks.onFailed). */
  onFailed?: (task: Task, error: unknown) => void;
  /** Build what does not wait for a failed build, and return that (`--keep-going`). @defaultValue false */
  keepGoing?: boolean;
  /** Build only these planned tasks (ids) and what they wait for (a rebuild); default every task. */
  only?: ReadonlySet<string>;
}

/** `only` and every task they wait for. */
function selected(tasks: Map<string, Task>, only: ReadonlySet<string> | undefined): Map<string, Task> {
  if (only === undefined) return tasks;
  const keep = new Map<string, Task>();
  const stack = [...only].filter((id) => tasks.has(id));
  while (stack.length > 0) {
    const t = tasks.get(stack.pop()!)!;
    if (keep.has(t.id)) continue;
    keep.set(t.id, t);
    stack.push(...t.deps);
  }
  return keep;
}

/**
 * The builder of an ecosystem, as its descriptor makes it. Loaded when a graph needs it: an npm
 * build does not pay for the PEP 440, gem and dpkg code (measured: 30-50 ms of a 0.9 s build).
 */
function makeBuilder(eco: Ecosystem, opts: BuildOptions): Promise<EcosystemBuilder> {
  return ecosystem(eco).builder(opts);
}

/** The recipes of tasks the store cannot answer: only those need their build host libraries. */
async function toBuild(tasks: Task[], store: Store): Promise<Task[]> {
  const misses = await Promise.all(tasks.map(async (t) => ((await store.lookup(t.key)) === undefined ? t : undefined)));
  return misses.filter((t): t is Task => t !== undefined);
}

/**
 * The builders, source fetcher and sandbox one process builds with: an in-process run makes one
 * per command, a queue worker one for its lifetime (interpreters are discovered once).
 */
export class BuildSession {
  private readonly builders = new Map<Ecosystem, EcosystemBuilder>();
  private runner: Promise<Runner> | undefined;
  readonly sources: SourceFetcher;

  constructor(readonly opts: BuildOptions) {
    this.sources = new SourceFetcher({ cacheDir: opts.cacheDir });
  }

  /** The builder of a node's ecosystem: loaded by `load` (which `plan` and `buildOne` call) first. */
  builderFor = (node: RecipeNode): EcosystemBuilder => {
    const b = this.builders.get(node.purl.type);
    if (b === undefined) throw new Error(`no builder loaded for ${node.purl.type} (BuildSession.load first)`);
    return b;
  };

  /** Loads the builders of every ecosystem in the graph. */
  async load(graph: RecipeGraph): Promise<void> {
    for (const eco of new Set([...graph.nodes.values()].map((n) => n.purl.type))) await this.loadBuilder(eco);
  }

  private async loadBuilder(eco: Ecosystem): Promise<void> {
    if (!this.builders.has(eco)) this.builders.set(eco, await makeBuilder(eco, this.opts));
  }

  /** Every (recipe, target) build the graph needs, keyed, with what each waits for. */
  async plan(graph: RecipeGraph, request: TargetRequest = this.opts.request): Promise<Map<string, Task>> {
    await this.load(graph);
    return planTasks(graph, request, { builderFor: this.builderFor });
  }

  context(graph: RecipeGraph, node: RecipeNode): Omit<BuildContext, 'node' | 'target' | 'inputs'> {
    return {
      graph,
      sources: this.sources,
      // The sandbox (and execa) load only when a build needs it: pure packages never do.
      runner: () =>
        (this.runner ??= import('../sandbox/index.js').then((m) =>
          m.pickRunner(this.opts.sandbox, this.opts.warn, { directAsRoot: this.opts.directAsRoot === true }),
        )),
      cacheDir: this.opts.cacheDir,
      jobs: this.opts.jobs,
      limits: resolveLimits(node.recipe.build.limits, this.opts.limits),
    };
  }

  /**
   * One planned build whose dependencies' builds (`deps`) are already in the store: a hit when
   * the store has it, else built (its native build packages checked first) and stored, with what
   * it was made from (`request`: the interpreter versions it was planned for).
   */
  async buildOne(task: Task, graph: RecipeGraph, deps: TaskResult[], request: TargetRequest = this.opts.request): Promise<TaskResult> {
    const hit = await this.opts.store.lookup(task.key);
    if (hit !== undefined) return { task, packages: hit, cached: true };
    if (task.target.interpreter !== null) await checkNativeBuildDeps([task]);
    await this.loadBuilder(task.node.purl.type);
    const store = this.opts.store;
    return withLease(
      store,
      task.key,
      deps.map((d) => d.task.key),
      async () => {
        const startedOn = new Date().toISOString();
        const outputs = await this.builderFor(task.node).build({
          ...this.context(graph, task.node),
          node: task.node,
          target: task.target,
          inputs: deps.flatMap((d) => d.packages),
        });
        const facts = { ...describeBuild(task, graph, request, deps), startedOn, finishedOn: new Date().toISOString() };
        return { task, packages: await store.put(task.key, outputs, facts), cached: false };
      },
    );
  }

  async close(): Promise<void> {
    await this.sources.close();
  }
}

/** Build every recipe of the graph for the requested targets; cache hits come straight from the store. */
export async function buildGraph(graph: RecipeGraph, opts: BuildOptions): Promise<TaskResult[]> {
  const session = new BuildSession(opts);
  await sweepScratch(join(opts.cacheDir, 'tmp'));
  try {
    const tasks = selected(await session.plan(graph), opts.only);
    await checkNativeBuildDeps(
      await toBuild(
        [...tasks.values()].filter((t) => t.target.interpreter !== null),
        opts.store,
      ),
    );
    opts.onPlanned?.([...tasks.values()]);
    return await runTasks(tasks, opts.store, opts.jobs, {
      builderFor: session.builderFor,
      context: (task) => session.context(graph, task.node),
      describe: (task, inputs) => describeBuild(task, graph, opts.request, inputs),
      ...(opts.onStart ? { onStart: opts.onStart } : {}),
      ...(opts.onDone ? { onDone: opts.onDone } : {}),
      ...(opts.onFailed ? { onFailed: opts.onFailed } : {}),
      keepGoing: opts.keepGoing === true,
    });
  } finally {
    await session.close();
  }
}

export { graphFromRecipes, loadGraph, RecipeGraph } from './graph.js';
export type { RecipeNode } from './graph.js';
export type { Task, TaskResult } from './scheduler.js';
export type { Target, TargetRequest } from './types.js';

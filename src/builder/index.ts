import { SourceFetcher } from '../fetch/index.js';
import type { Ecosystem } from '../purl/purl.js';
import type { Runner } from '../sandbox/index.js';
import type { LocalStore } from '../store/index.js';
import type { RecipeGraph, RecipeNode } from './graph.js';
import { NpmBuilder } from './npm/index.js';
import { PypiBuilder } from './pypi/index.js';
import { GemBuilder } from './rubygems/index.js';
import { checkNativeBuildDeps } from './native-deps.js';
import { planTasks, runTasks } from './scheduler.js';
import type { Task, TaskResult } from './scheduler.js';
import type { EcosystemBuilder, TargetRequest } from './types.js';

export interface BuildOptions {
  store: LocalStore;
  /** Sources, interpreters, scratch space and build logs. */
  cacheDir: string;
  /** Builds at once. */
  jobs: number;
  request: TargetRequest;
  sandbox: 'auto' | 'bubblewrap' | 'direct';
  warn: (line: string) => void;
  /** pacote options for fetching interpreters from the npm registry. */
  npmOptions?: Record<string, unknown>;
  onPlanned?: (tasks: Task[]) => void;
  onStart?: (task: Task) => void;
  onDone?: (r: TaskResult) => void;
}

/** The one place that maps an ecosystem to its builder. */
function makeBuilder(ecosystem: Ecosystem, opts: BuildOptions): EcosystemBuilder {
  switch (ecosystem) {
    case 'npm':
      return new NpmBuilder({ cacheDir: opts.cacheDir, ...(opts.npmOptions ? { npmOptions: opts.npmOptions } : {}) });
    case 'pypi':
      return new PypiBuilder();
    case 'gem':
      return new GemBuilder();
    default: {
      const never: never = ecosystem;
      throw new Error(`unknown ecosystem ${String(never)}`);
    }
  }
}

/** The recipes of tasks the store cannot answer: only those need their build host libraries. */
async function toBuild(tasks: Task[], store: LocalStore): Promise<RecipeNode[]> {
  const misses = await Promise.all(tasks.map(async (t) => ((await store.lookup(t.key)) === undefined ? t.node : undefined)));
  return misses.filter((n): n is RecipeNode => n !== undefined);
}

/** Build every recipe of the graph for the requested targets; cache hits come straight from the store. */
export async function buildGraph(graph: RecipeGraph, opts: BuildOptions): Promise<TaskResult[]> {
  const builders = new Map<Ecosystem, EcosystemBuilder>();
  const builderFor = (node: RecipeNode): EcosystemBuilder => {
    let b = builders.get(node.purl.type);
    if (b === undefined) {
      b = makeBuilder(node.purl.type, opts);
      builders.set(node.purl.type, b);
    }
    return b;
  };
  let runner: Promise<Runner> | undefined;
  const sources = new SourceFetcher({ cacheDir: opts.cacheDir });
  try {
    const tasks = await planTasks(graph, opts.request, { builderFor });
    await checkNativeBuildDeps(await toBuild([...tasks.values()].filter((t) => t.target.interpreter !== null), opts.store));
    opts.onPlanned?.([...tasks.values()]);
    return await runTasks(tasks, opts.store, opts.jobs, {
      builderFor,
      context: () => ({
        graph,
        sources,
        // The sandbox (and execa) load only when a build needs it: pure packages never do.
        runner: () => (runner ??= import('../sandbox/index.js').then((m) => m.pickRunner(opts.sandbox, opts.warn))),
        cacheDir: opts.cacheDir,
        jobs: opts.jobs,
      }),
      ...(opts.onStart ? { onStart: opts.onStart } : {}),
      ...(opts.onDone ? { onDone: opts.onDone } : {}),
    });
  } finally {
    await sources.close();
  }
}

export { graphFromRecipes, loadGraph, RecipeGraph } from './graph.js';
export type { RecipeNode } from './graph.js';
export type { Task, TaskResult } from './scheduler.js';
export type { Target, TargetRequest } from './types.js';

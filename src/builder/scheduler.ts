import pLimit from 'p-limit';
import { isUserError, UserError } from '../errors/index.js';
import type { BuildFacts, Store, StoredPackage } from '../store/index.js';
import { withLease } from '../store/leases.js';
import type { RecipeGraph, RecipeNode } from './graph.js';
import { buildKey } from './key.js';
import type { BuildContext, EcosystemBuilder, Target, TargetRequest } from './types.js';

export interface Task {
  /** `<purl>|<target id>` */
  id: string;
  node: RecipeNode;
  target: Target;
  key: string;
  deps: string[];
}

export interface TaskResult {
  task: Task;
  packages: StoredPackage[];
  cached: boolean;
}

export interface ScheduleHooks {
  builderFor(node: RecipeNode): EcosystemBuilder;
  context(task: Task, inputs: StoredPackage[]): Omit<BuildContext, 'node' | 'target' | 'inputs'>;
  /** What a build is made of, kept with its packages (describeBuild); clock times are added here. */
  describe?(task: Task, inputs: readonly TaskResult[]): Omit<BuildFacts, 'startedOn' | 'finishedOn'>;
  onStart?(task: Task): void;
  onDone?(r: TaskResult): void;
  /** A build that failed, or (keepGoing) that cannot start because one it waits for failed; once per task. */
  onFailed?(task: Task, error: unknown): void;
  /**
   * Keep building what does not wait for a failed build (a UserError); the failed ones are left
   * out of the results and reported through onFailed. Any other error still stops the run.
   * @defaultValue false: the first failure stops the run
   */
  keepGoing?: boolean;
}

const taskId = (purl: string, target: Target): string => `${purl}|${target.id}`;

/** Every (recipe, target) build the graph needs, with the builds each waits for. */
export async function planTasks(
  graph: RecipeGraph,
  request: TargetRequest,
  hooks: Pick<ScheduleHooks, 'builderFor'>,
): Promise<Map<string, Task>> {
  const tasks = new Map<string, Task>();
  for (const node of [...graph.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const builder = hooks.builderFor(node);
    for (const target of await builder.targets(node, request)) {
      const deps = builder.buildDependencies(node, target, graph).map((d) => taskId(d.purl, d.target));
      const id = taskId(node.id, target);
      tasks.set(id, { id, node, target, key: '', deps: [...new Set(deps)].sort() });
    }
  }
  for (const t of tasks.values()) {
    for (const d of t.deps) if (!tasks.has(d)) throw new Error(`build plan: ${t.id} waits for unplanned ${d}`);
  }
  assertAcyclic(tasks);
  assignKeys(tasks);
  return tasks;
}

/**
 * A build's key covers what it was built from: its recipe, its target, and the keys of the builds
 * whose packages it ran against, so editing a dependency's recipe rebuilds the addons that used it.
 */
function assignKeys(tasks: Map<string, Task>): void {
  const keyOf = (t: Task): string => {
    if (t.key === '')
      t.key = buildKey(
        t.node.digest,
        t.target.id,
        t.deps.map((d) => keyOf(tasks.get(d)!)),
      );
    return t.key;
  };
  for (const t of tasks.values()) keyOf(t);
}

/** A build that (transitively) waits for itself can never start: name the loop. */
function assertAcyclic(tasks: Map<string, Task>): void {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'open') {
      const loop = path
        .slice(path.indexOf(id))
        .concat(id)
        .map((x) => x.split('|')[0]);
      throw new UserError(
        'ECYCLE',
        `build requirements form a cycle: ${loop.join(' -> ')}; break it with an override (ignore_scripts) or by building one side as pure`,
      );
    }
    state.set(id, 'open');
    path.push(id);
    for (const d of tasks.get(id)!.deps) visit(d);
    path.pop();
    state.set(id, 'done');
  };
  for (const id of [...tasks.keys()].sort()) visit(id);
}

/** Run the plan: cache hits at once, builds with at most `jobs` at a time, each after what it waits for. */
export async function runTasks(tasks: Map<string, Task>, store: Store, jobs: number, hooks: ScheduleHooks): Promise<TaskResult[]> {
  const limit = pLimit(Math.max(1, jobs));
  const running = new Map<string, Promise<TaskResult>>();
  const keepGoing = hooks.keepGoing === true;
  // After the first failure that stops the run nothing new starts: a user is not kept waiting for
  // builds whose results will be thrown away. With keepGoing only a non-user error (a bug) stops it.
  let failure: { error: unknown } | undefined;
  const stops = (error: unknown): boolean => !keepGoing || !isUserError(error);
  const reported = new Set<string>();
  const failed = (task: Task, error: unknown): void => {
    if (stops(error)) failure ??= { error };
    reported.add(task.id);
    hooks.onFailed?.(task, error);
  };
  /** The packages of what `task` waits for; with keepGoing, a failed one fails `task` too, named. */
  const inputsOf = async (task: Task): Promise<TaskResult[]> => {
    if (!keepGoing) return Promise.all(task.deps.map((d) => run(tasks.get(d)!)));
    const settled = await Promise.allSettled(task.deps.map((d) => run(tasks.get(d)!)));
    const bad = settled.findIndex((s) => s.status === 'rejected');
    if (bad === -1) return settled.map((s) => (s as PromiseFulfilledResult<TaskResult>).value);
    const reason = (settled[bad] as PromiseRejectedResult).reason;
    if (stops(reason)) throw reason;
    const [purl, target] = task.deps[bad]!.split('|');
    const error = new UserError(
      'EDEPFAILED',
      `${task.node.id} (${task.target.id}) was not built: it needs ${purl} (${target}), which failed`,
    );
    failed(task, error);
    throw error;
  };
  const run = (task: Task): Promise<TaskResult> => {
    let p = running.get(task.id);
    if (p === undefined) {
      p = (async () => {
        const hit = await store.lookup(task.key);
        if (hit !== undefined) return { task, packages: hit, cached: true };
        const depResults = await inputsOf(task);
        return limit(async () => {
          if (failure !== undefined) throw failure.error;
          const again = await store.lookup(task.key);
          if (again !== undefined) return { task, packages: again, cached: true };
          // A lease keeps `bale gc` from removing what this build runs against while it runs.
          return withLease(
            store,
            task.key,
            depResults.map((r) => r.task.key),
            async () => {
              hooks.onStart?.(task);
              const startedOn = new Date().toISOString();
              const inputs = depResults.flatMap((r) => r.packages);
              const ctx: BuildContext = { ...hooks.context(task, inputs), node: task.node, target: task.target, inputs };
              // Recorded before p-limit frees the slot: the handler on `p` below runs too late to stop the next queued build.
              const outputs = await hooks
                .builderFor(task.node)
                .build(ctx)
                .catch((error: unknown) => {
                  failed(task, error);
                  throw error;
                });
              const facts =
                hooks.describe === undefined
                  ? undefined
                  : { ...hooks.describe(task, depResults), startedOn, finishedOn: new Date().toISOString() };
              return { task, packages: await store.put(task.key, outputs, facts), cached: false };
            },
          );
        });
      })();
      p.then(
        (r) => hooks.onDone?.(r),
        (error: unknown) => {
          // A store's own UserError (a corrupt record) fails the task like its build would.
          if (!stops(error) && !reported.has(task.id)) failed(task, error);
          else if (stops(error)) failure ??= { error };
        },
      );
      running.set(task.id, p);
    }
    return p;
  };
  const ordered = [...tasks.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (!keepGoing) return Promise.all(ordered.map(run));
  const settled = await Promise.allSettled(ordered.map(run));
  if (failure !== undefined) throw failure.error;
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

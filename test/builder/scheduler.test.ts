import { DEFAULT_LIMITS } from '../../src/limits/index.js';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import { graphFromRecipes, type RecipeGraph, type RecipeNode } from '../../src/builder/graph.js';
import { buildKey } from '../../src/builder/key.js';
import { planTasks, runTasks, type ScheduleHooks, type Task } from '../../src/builder/scheduler.js';
import type { BuildContext, BuildDependency, EcosystemBuilder, Target, TargetRequest } from '../../src/builder/types.js';
import { isUserError, UserError } from '../../src/errors/index.js';
import { SourceFetcher } from '../../src/fetch/index.js';
import { checkRecipe, type Recipe } from '../../src/recipe/index.js';
import { LocalStore, type PackageOutput } from '../../src/store/index.js';
import { sri } from '../recipe/helpers.js';
import { makeOutput, storeRoot } from '../store/outputs.js';

const ANY: Target = { id: 'any', prefix: 'node', interpreter: null };

function nodeTarget(version: string): Target {
  const major = version.split('.')[0]!;
  return { id: `node${version}`, prefix: `node${major}`, interpreter: { kind: 'node', version, abi: `abi-${major}` } };
}

let seed = 0;

/** A valid npm recipe for `<name>@1.0.0` whose dependencies are `<dep>@1.0.0`. */
function recipe(name: string, deps: string[] = []): Recipe {
  seed = (seed + 1) % 256;
  return checkRecipe(
    {
      format: 1,
      purl: `pkg:npm/${name}@1.0.0`,
      source_date_epoch: 1700000000,
      source: [{ url: `https://registry.example/${name}/-/${name}-1.0.0.tgz`, integrity: sri(seed), kind: 'npm-tarball' }],
      dependency: deps.map((d) => ({ name: d, purl: `pkg:npm/${d}@1.0.0`, kind: 'runtime' })),
      build: { native: false, reasons: [], requires: [], interpreters: [] },
    },
    `${name}.toml`,
  );
}

/** `{ a: ['b'], b: [] }` -> a graph where a depends on b. */
function graphOf(deps: Record<string, string[]>): RecipeGraph {
  return graphFromRecipes(
    '/nonexistent/recipes',
    Object.entries(deps).map(([n, d]) => recipe(n, d)),
    [],
  ).graph;
}

const nameOf = (node: RecipeNode): string => node.purl.name;

interface TestBuilderOptions {
  /** How long a build takes, by package name and by the order builds start in (1-based); default 5 ms. */
  delayMs?: (name: string, nth: number) => number;
  /** Fail the n-th build to start (1-based) with this error. */
  failNth?: { n: number; error: Error };
  /** Fail the build of a package for a target with the error this returns, if any. */
  failFor?: (name: string, targetId: string) => Error | undefined;
}

/**
 * A small EcosystemBuilder: every recipe dependency is a build dependency on the same target, and a
 * build makes one real package. It records what happened for the assertions.
 */
class TestBuilder implements EcosystemBuilder {
  readonly ecosystem = 'npm' as const;
  readonly events: string[] = [];
  readonly inputs = new Map<string, string[]>();
  calls = 0;
  running = 0;
  maxRunning = 0;

  constructor(private readonly opts: TestBuilderOptions = {}) {}

  async targets(_node: RecipeNode, request: TargetRequest): Promise<Target[]> {
    return request.node.length === 0 ? [ANY] : request.node.map(nodeTarget);
  }

  buildDependencies(node: RecipeNode, target: Target, _graph: RecipeGraph): BuildDependency[] {
    return node.recipe.dependency.map((d) => ({ purl: d.purl, target }));
  }

  async build(ctx: BuildContext): Promise<PackageOutput[]> {
    const name = nameOf(ctx.node);
    const nth = ++this.calls;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.events.push(`start ${name} ${ctx.target.id}`);
    this.inputs.set(`${name} ${ctx.target.id}`, ctx.inputs.map((p) => p.name).sort());
    try {
      await sleep(this.opts.delayMs?.(name, nth) ?? 5);
      const error = this.opts.failNth?.n === nth ? this.opts.failNth.error : this.opts.failFor?.(name, ctx.target.id);
      if (error !== undefined) {
        this.events.push(`fail ${name}`);
        throw error;
      }
      const out = await makeOutput(`${ctx.target.prefix}-${name}`, ctx.node.purl.version);
      this.events.push(`finish ${name} ${ctx.target.id}`);
      return [out];
    } finally {
      this.running--;
    }
  }
}

function hooks(t: TestContext, builder: EcosystemBuilder, graph: RecipeGraph, started: string[] = []): ScheduleHooks {
  const sources = new SourceFetcher({ cacheDir: '/nonexistent/bale-cache' });
  t.after(() => sources.close());
  return {
    builderFor: () => builder,
    context: () => ({
      graph,
      sources,
      runner: () => Promise.reject(new Error('these builds never run a sandbox')),
      cacheDir: '/nonexistent/bale-cache',
      jobs: 1,
      limits: DEFAULT_LIMITS,
    }),
    onStart: (task: Task) => started.push(task.id),
  };
}

async function plan(
  graph: RecipeGraph,
  builder: EcosystemBuilder,
  request: TargetRequest = { node: [], python: [], ruby: [] },
): Promise<Map<string, Task>> {
  return planTasks(graph, request, { builderFor: () => builder });
}

describe('planTasks', () => {
  it('one task per recipe and target, waiting for its build dependencies', async () => {
    const graph = graphOf({ a: ['b', 'c'], b: ['c'], c: [] });
    const tasks = await plan(graph, new TestBuilder());
    assert.deepEqual([...tasks.keys()], ['pkg:npm/a@1.0.0|any', 'pkg:npm/b@1.0.0|any', 'pkg:npm/c@1.0.0|any']);
    assert.deepEqual(tasks.get('pkg:npm/a@1.0.0|any')?.deps, ['pkg:npm/b@1.0.0|any', 'pkg:npm/c@1.0.0|any']);
    assert.deepEqual(tasks.get('pkg:npm/c@1.0.0|any')?.deps, []);
  });

  it('build keys differ by target and by recipe, and are the recipe digest with the target id', async () => {
    const graph = graphOf({ a: [], b: [] });
    const tasks = await plan(graph, new TestBuilder(), { node: ['20.18.0', '22.11.0'], python: [], ruby: [] });
    assert.equal(tasks.size, 4);
    const keys = new Set([...tasks.values()].map((t) => t.key));
    assert.equal(keys.size, 4);
    for (const task of tasks.values()) {
      assert.equal(task.key, buildKey(task.node.digest, task.target.id));
      assert.match(task.key, /^[0-9a-f]{64}$/);
    }
    const a20 = tasks.get('pkg:npm/a@1.0.0|node20.18.0')!;
    const a22 = tasks.get('pkg:npm/a@1.0.0|node22.11.0')!;
    assert.notEqual(a20.key, a22.key);
    assert.equal(a20.node, a22.node);
    // Planning again gives the same keys: they are content hashes, not run ids.
    const again = await plan(graph, new TestBuilder(), { node: ['20.18.0', '22.11.0'], python: [], ruby: [] });
    assert.deepEqual(
      [...again.values()].map((t) => t.key),
      [...tasks.values()].map((t) => t.key),
    );
  });

  const cycles: { name: string; deps: Record<string, string[]>; loop: string }[] = [
    { name: 'two packages', deps: { a: ['b'], b: ['a'] }, loop: 'pkg:npm/a@1.0.0 -> pkg:npm/b@1.0.0 -> pkg:npm/a@1.0.0' },
    { name: 'a package and itself', deps: { a: ['a'] }, loop: 'pkg:npm/a@1.0.0 -> pkg:npm/a@1.0.0' },
    {
      name: 'a loop below the first package',
      deps: { a: ['x'], x: ['y'], y: ['z'], z: ['x'] },
      loop: 'pkg:npm/x@1.0.0 -> pkg:npm/y@1.0.0 -> pkg:npm/z@1.0.0 -> pkg:npm/x@1.0.0',
    },
  ];
  for (const c of cycles) {
    it(`a build dependency cycle is ECYCLE naming the packages: ${c.name}`, async () => {
      await assert.rejects(plan(graphOf(c.deps), new TestBuilder()), (err: Error & { code?: string }) => {
        assert.ok(isUserError(err));
        assert.equal(err.code, 'ECYCLE');
        assert.ok(err.message.includes(c.loop), err.message);
        assert.ok(!err.message.includes('|'), 'names packages, not task ids');
        return true;
      });
    });
  }

  it('a cycle of runtime dependencies is fine when the builder does not wait on them', async () => {
    const graph = graphOf({ a: ['b'], b: ['a'] });
    const builder = new TestBuilder();
    builder.buildDependencies = () => [];
    assert.equal((await plan(graph, builder)).size, 2);
  });
});

describe('runTasks', () => {
  it('starts a build only after its build dependencies finished, and hands it their packages', async (t) => {
    const graph = graphOf({ app: ['lib', 'util'], lib: ['base'], util: ['base'], base: [], other: [] });
    const builder = new TestBuilder({ delayMs: (n) => (n === 'base' ? 30 : 5) });
    const store = new LocalStore(await storeRoot(t));
    const results = await runTasks(await plan(graph, builder), store, 4, hooks(t, builder, graph));
    const at = (e: string): number => {
      const i = builder.events.indexOf(e);
      assert.notEqual(i, -1, `${e} in ${builder.events.join(', ')}`);
      return i;
    };
    for (const [dependent, dependency] of [
      ['lib', 'base'],
      ['util', 'base'],
      ['app', 'lib'],
      ['app', 'util'],
    ] as const) {
      assert.ok(
        at(`finish ${dependency} any`) < at(`start ${dependent} any`),
        `${dependency} before ${dependent}: ${builder.events.join(', ')}`,
      );
    }
    assert.deepEqual(builder.inputs.get('app any'), ['node-lib', 'node-util']);
    assert.deepEqual(builder.inputs.get('lib any'), ['node-base']);
    assert.deepEqual(builder.inputs.get('base any'), []);
    assert.equal(builder.calls, 5);
    assert.deepEqual(
      results.map((r) => [r.task.id, r.cached, r.packages.map((p) => p.name)]),
      [
        ['pkg:npm/app@1.0.0|any', false, ['node-app']],
        ['pkg:npm/base@1.0.0|any', false, ['node-base']],
        ['pkg:npm/lib@1.0.0|any', false, ['node-lib']],
        ['pkg:npm/other@1.0.0|any', false, ['node-other']],
        ['pkg:npm/util@1.0.0|any', false, ['node-util']],
      ],
    );
  });

  for (const jobs of [1, 2, 3]) {
    it(`runs at most ${jobs} build(s) at once`, async (t) => {
      const deps: Record<string, string[]> = {};
      for (const n of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']) deps[n] = [];
      const graph = graphOf(deps);
      const builder = new TestBuilder({ delayMs: () => 25 });
      const store = new LocalStore(await storeRoot(t));
      await runTasks(await plan(graph, builder), store, jobs, hooks(t, builder, graph));
      assert.equal(builder.calls, 7);
      assert.equal(builder.maxRunning, jobs, 'the pool was filled but never exceeded');
    });
  }

  it('a second run is all cache hits and builds nothing', async (t) => {
    const graph = graphOf({ a: ['b'], b: [], c: [] });
    const store = new LocalStore(await storeRoot(t));
    const request = { node: ['20.18.0', '22.11.0'], python: [], ruby: [] };
    const first = new TestBuilder();
    const r1 = await runTasks(await plan(graph, first, request), store, 2, hooks(t, first, graph));
    assert.equal(first.calls, 6);
    assert.ok(r1.every((r) => !r.cached));
    const second = new TestBuilder();
    const started: string[] = [];
    const r2 = await runTasks(await plan(graph, second, request), store, 2, hooks(t, second, graph, started));
    assert.equal(second.calls, 0);
    assert.deepEqual(started, []);
    assert.ok(r2.every((r) => r.cached));
    assert.deepEqual(
      r2.map((r) => [r.task.id, r.packages]),
      r1.map((r) => [r.task.id, r.packages]),
    );
  });

  it('a changed recipe rebuilds it and what was built against it; the rest are hits', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const before = graphOf({ a: ['b'], b: [], c: [] });
    const first = new TestBuilder();
    await runTasks(await plan(before, first), store, 2, hooks(t, first, before));
    // Same names, but b's recipe differs (another integrity): a new digest, a new key.
    const after = graphOf({ a: ['b'], b: [], c: [] });
    for (const id of ['pkg:npm/a@1.0.0', 'pkg:npm/c@1.0.0']) after.nodes.set(id, before.get(id));
    assert.notEqual(after.get('pkg:npm/b@1.0.0').digest, before.get('pkg:npm/b@1.0.0').digest);
    const second = new TestBuilder();
    const r = await runTasks(await plan(after, second), store, 2, hooks(t, second, after));
    // a ran against b's packages: its key covers b's, so it is built again, after b.
    assert.deepEqual(
      second.events.filter((e) => e.startsWith('start')),
      ['start b any', 'start a any'],
    );
    assert.deepEqual(
      r.map((x) => [x.task.id, x.cached]),
      [
        ['pkg:npm/a@1.0.0|any', false],
        ['pkg:npm/b@1.0.0|any', false],
        ['pkg:npm/c@1.0.0|any', true],
      ],
    );
  });

  for (const jobs of [1, 2]) {
    it(`after a build fails no further build starts, and the run fails with that error (jobs ${jobs})`, async (t) => {
      const deps: Record<string, string[]> = {};
      for (const n of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']) deps[n] = [];
      deps.top = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
      const graph = graphOf(deps);
      const error = new Error('build script failed');
      // The first build fails after the others have queued up behind it; a neighbour running beside it is slower.
      const builder = new TestBuilder({ failNth: { n: 1, error }, delayMs: (_name, nth) => (nth === 1 ? 30 : 100) });
      const store = new LocalStore(await storeRoot(t));
      const started: string[] = [];
      await assert.rejects(runTasks(await plan(graph, builder), store, jobs, hooks(t, builder, graph, started)), (err) => err === error);
      // Let anything wrongly scheduled after the failure show itself.
      await sleep(200);
      assert.ok(builder.calls >= 1 && builder.calls <= jobs, builder.events.join(', '));
      assert.equal(started.length, builder.calls);
      const failedAt = builder.events.findIndex((e) => e.startsWith('fail'));
      assert.notEqual(failedAt, -1);
      assert.deepEqual(
        builder.events.slice(failedAt + 1).filter((e) => e.startsWith('start')),
        [],
      );
      assert.ok(!started.some((id) => id.startsWith('pkg:npm/top@')), 'what waits on a failed build never starts');
    });
  }

  it('keepGoing: a failed build fails what waits for it, named; everything else is built and returned', async (t) => {
    const graph = graphOf({ app: ['lib'], lib: [], other: [] });
    const request = { node: ['20.18.0', '22.11.0'], python: [], ruby: [] };
    const builder = new TestBuilder({
      failFor: (name, target) =>
        name === 'lib' && target === 'node22.11.0' ? new UserError('EBUILD', 'lib: install script failed') : undefined,
    });
    const store = new LocalStore(await storeRoot(t));
    const failed: [string, string][] = [];
    const results = await runTasks(await plan(graph, builder, request), store, 2, {
      ...hooks(t, builder, graph),
      keepGoing: true,
      onFailed: (task, error) => failed.push([task.id, (error as Error).message]),
    });
    assert.deepEqual(
      results.map((r) => r.task.id),
      [
        'pkg:npm/app@1.0.0|node20.18.0',
        'pkg:npm/lib@1.0.0|node20.18.0',
        'pkg:npm/other@1.0.0|node20.18.0',
        'pkg:npm/other@1.0.0|node22.11.0',
      ],
    );
    assert.deepEqual(failed.sort(), [
      [
        'pkg:npm/app@1.0.0|node22.11.0',
        'pkg:npm/app@1.0.0 (node22.11.0) was not built: it needs pkg:npm/lib@1.0.0 (node22.11.0), which failed',
      ],
      ['pkg:npm/lib@1.0.0|node22.11.0', 'lib: install script failed'],
    ]);
    assert.ok(!builder.events.includes('start app node22.11.0'), 'what waits on a failed build never starts');
    // Only what built is in the store.
    const tasks = await plan(graph, builder, request);
    assert.equal(await store.lookup(tasks.get('pkg:npm/app@1.0.0|node22.11.0')!.key), undefined);
    assert.notEqual(await store.lookup(tasks.get('pkg:npm/app@1.0.0|node20.18.0')!.key), undefined);
  });

  it("keepGoing: an error that is not the user's (a bug) still stops the run", async (t) => {
    const graph = graphOf({ a: [], b: [], c: [] });
    const bug = new TypeError('undefined is not a function');
    const builder = new TestBuilder({ failFor: (name) => (name === 'a' ? bug : undefined), delayMs: (name) => (name === 'a' ? 1 : 50) });
    const store = new LocalStore(await storeRoot(t));
    await assert.rejects(
      runTasks(await plan(graph, builder), store, 1, { ...hooks(t, builder, graph), keepGoing: true }),
      (err) => err === bug,
    );
    assert.equal(builder.calls, 1, builder.events.join(', '));
  });

  it('without keepGoing, onFailed hears of the build that failed, once', async (t) => {
    const graph = graphOf({ top: ['a', 'b'], a: [], b: [] });
    const error = new UserError('EBUILD', 'a failed');
    const builder = new TestBuilder({ failFor: (name) => (name === 'a' ? error : undefined) });
    const store = new LocalStore(await storeRoot(t));
    const failed: string[] = [];
    await assert.rejects(
      runTasks(await plan(graph, builder), store, 1, { ...hooks(t, builder, graph), onFailed: (task) => failed.push(task.id) }),
      (err) => err === error,
    );
    assert.deepEqual(failed, ['pkg:npm/a@1.0.0|any']);
  });
});

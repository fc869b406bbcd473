import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../../src/errors/index.js';
import type { Closure } from '../../../importers/npm/closure.js';
import { IdealTree, type PackumentGetter } from '../../../importers/npm/ideal-tree.js';
import { NodeTargets } from '../../../importers/npm/node-targets.js';
import type { NpmVersion, Packument } from '../../../importers/npm/packument.js';

type Fields = Partial<Omit<NpmVersion, 'name' | 'version' | 'dist'>>;

/** A registry in memory: "name" -> "version" -> manifest fields; `latest` is the highest unless given. */
function registry(spec: Record<string, Record<string, Fields>>, latest: Record<string, string> = {}): PackumentGetter {
  const docs = new Map<string, Packument>();
  for (const [name, versions] of Object.entries(spec)) {
    const vs: Packument['versions'] = {};
    for (const [v, f] of Object.entries(versions))
      vs[v] = { name, version: v, dist: { tarball: `https://registry.example/${name}/-/x-${v}.tgz` }, ...f };
    const tags: Record<string, string> = latest[name] !== undefined ? { latest: latest[name]! } : {};
    docs.set(name, { name, 'dist-tags': tags, versions: vs });
  }
  return {
    get: async (name) => {
      const d = docs.get(name);
      if (d === undefined) throw new UserError('ENOTFOUND', `npm package "${name}" not found`);
      return d;
    },
    urlOf: (name) => `https://registry.example/${name}`,
  };
}

async function resolve(
  reg: PackumentGetter,
  roots: string[],
  node?: string[],
): Promise<{ closure: Closure; notes: string[]; set: string[] }> {
  const notes: string[] = [];
  const tree = new IdealTree(
    reg,
    NodeTargets.from(node, '20.20.2'),
    (l) => notes.push(l),
    () => undefined,
  );
  const closure = await tree.build(roots.map((r) => ({ name: r.slice(0, r.lastIndexOf('@')), range: r.slice(r.lastIndexOf('@') + 1) })));
  return { closure, notes, set: [...closure.nodes.keys()].sort() };
}

const edgesOf = (c: Closure, key: string): string[] => c.nodes.get(key)!.edges.map((e) => `${e.as}->${e.name}@${e.version}`);

describe('IdealTree: peers', () => {
  it('a peer takes the version the tree already has (webpack and its plugins), not the highest', async () => {
    const reg = registry({
      webpack: { '5.1.0': { dependencies: { 'min-plugin': '^1' } }, '5.2.0': {} },
      'min-plugin': { '1.0.0': { peerDependencies: { webpack: '^5.0.0' } } },
    });
    const { closure, set } = await resolve(reg, ['webpack@5.1.0']);
    assert.deepEqual(set, ['min-plugin@1.0.0', 'webpack@5.1.0']);
    assert.deepEqual(edgesOf(closure, 'min-plugin@1.0.0'), ['webpack->webpack@5.1.0']);
  });

  it("a peer set follows its dependent's own range: a preset's peer core ^7 || ^8 meets its plugins' ^7", async () => {
    const reg = registry(
      {
        preset: { '1.0.0': { dependencies: { 'plugin-a': '^1', 'plugin-b': '^1' }, peerDependencies: { core: '^7.0.0 || ^8.0.0-0' } } },
        'plugin-a': { '1.0.0': { peerDependencies: { core: '^7.0.0-0' } } },
        'plugin-b': { '1.0.0': { peerDependencies: { core: '^7.0.0-0' } } },
        core: { '7.2.0': {}, '8.1.0': { dependencies: { 'core-helper': '^8' } } },
        'core-helper': { '8.0.0': {} },
      },
      { core: '8.1.0' },
    );
    const { set } = await resolve(reg, ['preset@1.0.0']);
    assert.deepEqual(set, ['core@7.2.0', 'plugin-a@1.0.0', 'plugin-b@1.0.0', 'preset@1.0.0']);
  });

  it('a newer peer version replaces an older one when everything depending on it accepts it', async () => {
    const reg = registry({
      app: { '1.0.0': { dependencies: { lib: '^1', ui: '^1' } } },
      lib: { '1.0.0': { peerDependencies: { react: '>=17' } } },
      ui: { '1.0.0': { peerDependencies: { react: '^18' } } },
      react: { '17.0.0': {}, '18.3.0': {}, '19.0.0': {} },
    });
    const { set } = await resolve(reg, ['app@1.0.0']);
    assert.deepEqual(
      set.filter((s) => s.startsWith('react@')),
      ['react@18.3.0'],
    );
  });
});

describe('IdealTree: placement', () => {
  it('a range is met by a version already placed above, as npm dedupes', async () => {
    const reg = registry({
      a: { '1.0.0': { dependencies: { c: '1.0.0' } } },
      b: { '1.0.0': { dependencies: { c: '^1.0.0' } } },
      c: { '1.0.0': {}, '1.4.0': {} },
      top: { '1.0.0': { dependencies: { a: '1', b: '1' } } },
    });
    const { set, closure } = await resolve(reg, ['top@1.0.0']);
    assert.deepEqual(set, ['a@1.0.0', 'b@1.0.0', 'c@1.0.0', 'top@1.0.0']);
    assert.deepEqual(edgesOf(closure, 'b@1.0.0'), ['c->c@1.0.0']);
  });

  it('conflicting ranges nest a second version, each dependent pinned to its own', async () => {
    const reg = registry({
      top: { '1.0.0': { dependencies: { a: '1', b: '1' } } },
      a: { '1.0.0': { dependencies: { c: '^1' } } },
      b: { '1.0.0': { dependencies: { c: '^2' } } },
      c: { '1.1.0': {}, '2.0.0': {} },
    });
    const { set, closure } = await resolve(reg, ['top@1.0.0']);
    assert.deepEqual(set, ['a@1.0.0', 'b@1.0.0', 'c@1.1.0', 'c@2.0.0', 'top@1.0.0']);
    assert.deepEqual(edgesOf(closure, 'a@1.0.0'), ['c->c@1.1.0']);
    assert.deepEqual(edgesOf(closure, 'b@1.0.0'), ['c->c@2.0.0']);
  });

  it('a dependency cycle ends', async () => {
    const reg = registry({ a: { '1.0.0': { dependencies: { b: '1' } } }, b: { '1.0.0': { dependencies: { a: '^1' } } } });
    const { set, closure } = await resolve(reg, ['a@1.0.0']);
    assert.deepEqual(set, ['a@1.0.0', 'b@1.0.0']);
    assert.deepEqual(edgesOf(closure, 'b@1.0.0'), ['a->a@1.0.0']);
  });

  it('an alias resolves to the real package under its own name', async () => {
    const reg = registry({ a: { '1.0.0': { dependencies: { old: 'npm:c@^1' } } }, c: { '1.0.0': {}, '1.2.0': {} } });
    const { closure } = await resolve(reg, ['a@1.0.0']);
    assert.deepEqual(edgesOf(closure, 'a@1.0.0'), ['old->c@1.2.0']);
  });

  it('two roots of one name each get their tree', async () => {
    const reg = registry({ a: { '1.0.0': {}, '2.0.0': {} } });
    const { set, closure } = await resolve(reg, ['a@1.0.0', 'a@2.0.0']);
    assert.deepEqual(set, ['a@1.0.0', 'a@2.0.0']);
    assert.deepEqual(closure.roots, [
      { name: 'a', version: '1.0.0' },
      { name: 'a', version: '2.0.0' },
    ]);
  });
});

describe('IdealTree: engines against the target Nodes', () => {
  const reg = registry(
    {
      app: { '1.0.0': { dependencies: { core: '^7 || ^8', old: '^1' } } },
      core: { '7.9.0': { engines: { node: '>=6' } }, '8.1.0': { engines: { node: '^22.18.0 || >=24' } } },
      old: { '1.0.0': { engines: { node: '>=22' } } },
      sqlite: { '12.0.0': { engines: { node: '>=18' } }, '13.2.0': { engines: { node: '>=22' } } },
    },
    { core: '8.1.0' },
  );

  it('a version whose engines leave out the target Node is passed over, even as latest', async () => {
    assert.ok((await resolve(reg, ['app@1.0.0'], ['20'])).set.includes('core@7.9.0'));
    assert.ok((await resolve(reg, ['app@1.0.0'], ['22'])).set.includes('core@8.1.0'));
    assert.ok((await resolve(reg, ['app@1.0.0'], ['20', '22'])).set.includes('core@7.9.0'));
  });

  it("when no version fits, npm's pick stands and a note names the package, its engines and the Node", async () => {
    const { set, notes } = await resolve(reg, ['app@1.0.0'], ['20']);
    assert.ok(set.includes('old@1.0.0'));
    assert.deepEqual(notes, ['old@1.0.0 wants node ">=22" (its engines), which leaves out Node 20; it may not work there']);
  });

  it('a requested version whose engines leave out a target Node is refused in one line', async () => {
    await assert.rejects(resolve(reg, ['sqlite@13.2.0'], ['20', '22']), (e: Error) => {
      assert.equal((e as UserError).code, 'EENGINE');
      assert.match(e.message, /^npm package sqlite@13\.2\.0 wants node ">=22" \(its engines\), which leaves out Node 20: /);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    assert.deepEqual((await resolve(reg, ['sqlite@13.2.0'], ['22'])).set, ['sqlite@13.2.0']);
  });

  it('a requested range takes the newest version that every target Node may run', async () => {
    assert.deepEqual((await resolve(reg, ['sqlite@>=12'], ['20', '22'])).set, ['sqlite@12.0.0']);
  });
});

describe('IdealTree: platform', () => {
  const reg = registry({
    fsevents: { '2.3.3': { os: ['darwin'] } },
    musl: { '1.0.0': { os: ['linux'], cpu: ['x64'], libc: ['musl'] } },
    watcher: { '1.0.0': { optionalDependencies: { fsevents: '^2' } } },
  });

  it('a requested package for another platform is refused like EBADPLATFORM', async () => {
    await assert.rejects(
      resolve(reg, ['fsevents@2.3.3']),
      /^UserError: npm package fsevents@2\.3\.3 is for os darwin, cpu any, not linux-x64-glibc/,
    );
    await assert.rejects(
      resolve(reg, ['musl@1.0.0']),
      (e: Error) => (e as UserError).code === 'EBADPLATFORM' && /libc musl/.test(e.message),
    );
  });

  it('an optional dependency for another platform is skipped with a note', async () => {
    const { set, notes } = await resolve(reg, ['watcher@1.0.0']);
    assert.deepEqual(set, ['watcher@1.0.0']);
    assert.deepEqual(notes, ['skipped optional fsevents@2.3.3 of watcher@1.0.0: not for linux-x64']);
  });
});

describe('NodeTargets', () => {
  it('reads the running Node exactly, another major as any of its releases', () => {
    const t = NodeTargets.from(['current', '22', '18.0.0'], '20.20.2');
    assert.deepEqual(t.excludedBy({ node: '>=20.19' }), ['Node 18.0.0']);
    assert.deepEqual(t.excludedBy({ node: '^20.21 || >=22.12' }), ['Node 20.20.2 (the running one)', 'Node 18.0.0']);
    assert.deepEqual(t.excludedBy({}), []);
    assert.deepEqual(t.excludedBy({ node: 'not a range' }), ['Node 20.20.2 (the running one)', 'Node 22', 'Node 18.0.0']);
    assert.deepEqual(NodeTargets.from(undefined, '20.20.2').excludedBy({ node: '>=22' }), ['Node 20.20.2 (the running one)']);
    assert.deepEqual(
      NodeTargets.from(['20'], '20.20.2').excludedBy({ node: '>=20.21' }),
      ['Node 20'],
      'the running major is the running version',
    );
  });
});

/**
 * `bale build --all` through the real CLI against the fixture npm registry: every recipe of the
 * tree is built (a tree that is only a cycle too), a second run is all cache hits, and --all with
 * specs, with --from-file, or over an empty tree is a one-line usage error that builds nothing.
 * (Through --queue: test/gc/fleet.server.test.ts, which runs it on two workers.)
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';

interface Line {
  name: string;
  purl: string;
  cached: boolean;
}

describe('bale build --all', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (tree: string, args: string[]): Promise<BaleRun> =>
    bale([...args, '--registry', reg.url, '--store', dir(`${tree}/store`), '--recipes', dir(`${tree}/recipes`)], {
      env: { XDG_CACHE_HOME: dir('cache') },
    });
  /** The purls of a tree's recipe files (`npm/fx-left/1.0.0.toml` -> pkg:npm/fx-left@1.0.0). */
  const treePurls = async (tree: string): Promise<string[]> =>
    (await listFiles(dir(`${tree}/recipes`))).map((f) => {
      const parts = f.slice(0, -'.toml'.length).split('/');
      const version = parts.pop()!;
      const [eco, ...name] = parts;
      return `pkg:${eco}/${name.join('/').replace('@', '%40')}@${version}`;
    });

  before(async () => {
    t = await tempDir('build-all');
    reg = await startNpmRegistry();
  });
  after(async () => {
    await reg?.close();
    await t?.cleanup();
  });

  test('builds every recipe of the tree, then every one is a cache hit', async () => {
    const imp = await run('a', ['import', 'npm:fx-app@1.0.0', 'npm:fx-left@1.0.0']);
    assert.equal(imp.code, 0, imp.stderr);
    const first = await run('a', ['build', '--all', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const lines = (JSON.parse(first.stdout) as { packages: Line[] }).packages;
    const purls = [...new Set(lines.map((l) => l.purl))].sort();
    assert.deepEqual(purls, (await treePurls('a')).sort(), 'one build per recipe in the tree');
    assert.ok(purls.length >= 8, `the fixture closure is larger: ${purls.join(' ')}`);
    assert.ok(
      lines.some((l) => !l.cached),
      'the first run builds',
    );
    const again = await run('a', ['build', '--all', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const second = (JSON.parse(again.stdout) as { packages: Line[] }).packages;
    assert.equal(second.length, lines.length);
    assert.ok(
      second.every((l) => l.cached),
      'the second run is all hits',
    );
  });

  test('a tree that is only a cycle is built too (no recipe is a root by dependency)', async () => {
    const imp = await run('c', ['import', 'npm:fx-cycle-a@1.0.0']);
    assert.equal(imp.code, 0, imp.stderr);
    const r = await run('c', ['build', '--all', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const purls = [...new Set((JSON.parse(r.stdout) as { packages: Line[] }).packages.map((l) => l.purl))].sort();
    assert.deepEqual(purls, (await treePurls('c')).sort());
    assert.ok(purls.includes('pkg:npm/fx-cycle-b@1.0.0'), purls.join(' '));
  });

  test('--all with specs or --from-file, or over an empty tree, is one usage line and builds nothing', async () => {
    await writeFile(dir('roots.txt'), 'npm:fx-left@1.0.0\n');
    for (const [tree, args, want] of [
      ['a', ['build', '--all', 'npm:fx-left@1.0.0'], /--all builds every recipe in the tree: drop the specs and --from-file/],
      ['a', ['build', '--all', '--from-file', dir('roots.txt')], /--all builds every recipe in the tree/],
      ['empty', ['build', '--all'], /holds no recipes: import some first/],
    ] as const) {
      const r = await run(tree, [...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneErrorLine(r.stderr), want);
    }
    assert.deepEqual(await listFiles(dir('empty/store')), []);
  });
});

/**
 * `bale refresh` through the real CLI against the fixture npm registry, which publishes between
 * runs: a patch, a minor and a major release, a pinned version unpublished, a deprecated one. Each
 * policy moves exactly what it should (within each root's range); files already there keep their
 * bytes and mtimes; a second refresh rewrites nothing; bad input is one line.
 */
import assert from 'node:assert/strict';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { generatedVersion } from '../helpers/npm-generated.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';

interface Moved {
  root: string;
  from: string;
  to: string;
}
interface RefreshJson {
  policy: string;
  moved: Record<'major' | 'minor' | 'patch', Moved[]>;
  unchanged: number;
  roots: {
    root: string;
    from: string;
    to?: string;
    skipped: { version: string; why: string }[];
    pinnedWithdrawn?: string;
    heldBack?: string;
  }[];
}

const ROOTS = [
  'npm:rf-patch@^1.0.0',
  'npm:rf-minor@^1.0.0',
  'npm:rf-major',
  'npm:rf-yank@^1.0.0',
  'npm:rf-depr@^1.0.0',
  'npm:rf-stay@^1.0.0',
];

/** Every file under dir with its bytes and mtime. */
async function snapshot(dir: string): Promise<Map<string, { bytes: string; mtimeNs: bigint }>> {
  const out = new Map<string, { bytes: string; mtimeNs: bigint }>();
  for (const f of await listFiles(dir)) {
    const p = path.join(dir, f);
    out.set(f, { bytes: await readFile(p, 'latin1'), mtimeNs: (await stat(p, { bigint: true })).mtimeNs });
  }
  return out;
}

/** Root name -> `from -> to` of what moved. */
const movedOf = (j: RefreshJson): Record<string, string> =>
  Object.fromEntries(
    Object.values(j.moved)
      .flat()
      .map((m) => [m.root, `${m.from} -> ${m.to}`]),
  );

describe('bale refresh (npm)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (recipes: string, args: string[], registry = reg.url): Promise<BaleRun> =>
    bale([...args, '--registry', registry, '--store', dir('store'), '--recipes', recipes], { env: { XDG_CACHE_HOME: dir('cache') } });
  const publish = async (
    name: string,
    versions: [string, Record<string, string>?][],
    meta?: Parameters<FixtureRegistry['publish']>[2],
  ): Promise<void> => reg.publish(name, await Promise.all(versions.map(([v, deps]) => generatedVersion(name, v, deps))), meta);

  before(async () => {
    t = await tempDir('refresh');
    reg = await startNpmRegistry();
    const dep = { 'rf-dep': '^1.0.0' };
    await publish('rf-dep', [['1.0.0']]);
    for (const n of ['rf-minor', 'rf-major', 'rf-yank', 'rf-depr']) await publish(n, [['1.0.0']]);
    await publish('rf-patch', [['1.0.0', dep]]);
    await publish('rf-stay', [['1.0.0', dep]]);
    await writeFile(dir('roots.txt'), `# refresh roots\n${ROOTS.join('\n')}\n`);
    const imp = await run(dir('base'), ['import', '--from-file', dir('roots.txt')]);
    assert.equal(imp.code, 0, imp.stderr);
    // Upstream publishes: patch, minor and major releases; rf-yank's pinned 1.0.0 is unpublished; rf-depr's newest is deprecated.
    await publish('rf-patch', [
      ['1.0.0', dep],
      ['1.0.1', dep],
      ['1.1.0', dep],
      ['2.0.0', dep],
    ]);
    await publish('rf-minor', [['1.0.0'], ['1.2.0']]);
    await publish('rf-major', [['1.0.0'], ['1.0.1'], ['3.0.0']]);
    await publish('rf-yank', [['1.0.1']]);
    await publish('rf-depr', [['1.0.0'], ['1.0.1'], ['1.0.2']], { deprecated: { '1.0.2': 'use rf-other' } });
    // rf-dep has a newer release too, but the pinned 1.0.0 still fits: a moved root keeps it.
    await publish('rf-dep', [['1.0.0'], ['1.0.1']]);
  });
  after(async () => {
    await reg?.close();
    await t?.cleanup();
  });

  const expected: Record<string, Record<string, string>> = {
    patch: {
      'npm:rf-patch@^1.0.0': '1.0.0 -> 1.0.1',
      'npm:rf-major': '1.0.0 -> 1.0.1',
      'npm:rf-yank@^1.0.0': '1.0.0 -> 1.0.1',
      'npm:rf-depr@^1.0.0': '1.0.0 -> 1.0.1',
    },
    minor: {
      'npm:rf-patch@^1.0.0': '1.0.0 -> 1.1.0',
      'npm:rf-minor@^1.0.0': '1.0.0 -> 1.2.0',
      'npm:rf-major': '1.0.0 -> 1.0.1',
      'npm:rf-yank@^1.0.0': '1.0.0 -> 1.0.1',
      'npm:rf-depr@^1.0.0': '1.0.0 -> 1.0.1',
    },
    // The root's range bounds every policy: rf-patch@^1.0.0 never reaches 2.0.0.
    major: {
      'npm:rf-patch@^1.0.0': '1.0.0 -> 1.1.0',
      'npm:rf-minor@^1.0.0': '1.0.0 -> 1.2.0',
      'npm:rf-major': '1.0.0 -> 3.0.0',
      'npm:rf-yank@^1.0.0': '1.0.0 -> 1.0.1',
      'npm:rf-depr@^1.0.0': '1.0.0 -> 1.0.1',
    },
    // latest: the dist-tag (rf-patch's 2.0.0 is outside ^1, so it stays; rf-depr's latest is deprecated, so it stays, the version named).
    latest: {
      'npm:rf-minor@^1.0.0': '1.0.0 -> 1.2.0',
      'npm:rf-major': '1.0.0 -> 3.0.0',
      'npm:rf-yank@^1.0.0': '1.0.0 -> 1.0.1',
    },
  };

  for (const policy of ['patch', 'minor', 'major', 'latest']) {
    test(`--policy ${policy} moves exactly what it should; a second refresh rewrites nothing`, async () => {
      const recipes = dir(`r-${policy}`);
      await cp(dir('base'), recipes, { recursive: true, preserveTimestamps: true });
      const before = await snapshot(recipes);
      const r = await run(recipes, ['refresh', '--policy', policy, '--from-file', dir('roots.txt'), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as RefreshJson;
      assert.deepEqual(movedOf(j), expected[policy]);
      assert.equal(j.unchanged, ROOTS.length - Object.keys(expected[policy]!).length);
      const after1 = await snapshot(recipes);
      // Nothing already there was rewritten (rf-dep, rf-stay and the old pins keep bytes and mtimes)...
      for (const [f, s] of before) assert.deepEqual(after1.get(f), s, `${f} was rewritten`);
      // ...and each moved root has its new recipe.
      for (const [root, move] of Object.entries(expected[policy]!)) {
        const name = root.replace(/^npm:/, '').replace(/@.*/, '');
        assert.ok(after1.has(`npm/${name}/${move.split(' -> ')[1]}.toml`), `${root}: no recipe for ${move}`);
      }
      assert.equal(after1.size, before.size + Object.keys(expected[policy]!).length);
      const patched = expected[policy]!['npm:rf-patch@^1.0.0'];
      if (patched !== undefined) {
        const text = after1.get(`npm/rf-patch/${patched.split(' -> ')[1]}.toml`)!.bytes;
        assert.match(text, /purl = "pkg:npm\/rf-dep@1\.0\.0"/);
      }
      const rows = new Map(j.roots.map((x) => [x.root, x]));
      assert.equal(rows.get('npm:rf-yank@^1.0.0')?.pinnedWithdrawn, 'gone');
      assert.deepEqual(rows.get('npm:rf-depr@^1.0.0')?.skipped, [{ version: '1.0.2', why: 'deprecated', detail: 'use rf-other' }]);
      if (policy === 'latest') assert.equal(rows.get('npm:rf-patch@^1.0.0')?.heldBack, '2.0.0');
      if (policy === 'patch') assert.equal(rows.get('npm:rf-minor@^1.0.0')?.heldBack, '1.2.0');

      const again = await run(recipes, ['refresh', '--policy', policy, '--from-file', dir('roots.txt')]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^0 of 6 root\(s\) moved, 6 unchanged/m);
      assert.deepEqual(await snapshot(recipes), after1, 'the second refresh rewrote files');
    });
  }

  test('the table groups the moves as major, minor and patch, and names what was passed over', async () => {
    const recipes = dir('r-table');
    await cp(dir('base'), recipes, { recursive: true });
    const r = await run(recipes, ['refresh', '--policy', 'major', ...ROOTS]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.ok(out.indexOf('major (1)') < out.indexOf('minor (2)') && out.indexOf('minor (2)') < out.indexOf('patch (2)'), out);
    assert.match(out, /^ {2}npm:rf-major\s+1\.0\.0 -> 3\.0\.0$/m);
    assert.match(out, /^ {2}npm:rf-yank@1\.0\.0 {2}gone/m);
    assert.match(out, /^ {2}npm:rf-depr@1\.0\.2 {2}deprecated \("use rf-other"\)$/m);
    assert.match(out, /^ {2}npm:rf-patch@\^1\.0\.0 {2}1\.1\.0, upstream has 2\.0\.0$/m);
    assert.match(out, /^5 of 6 root\(s\) moved \(major 1, minor 2, patch 2\), 1 unchanged \(--policy major\)$/m);
  });

  test('bad input: an unknown policy, a root never imported, a registry that is down: one line each, nothing written', async () => {
    const recipes = dir('r-bad');
    await cp(dir('base'), recipes, { recursive: true, preserveTimestamps: true });
    const before = await snapshot(recipes);
    const policy = await run(recipes, ['refresh', '--policy', 'newest', ...ROOTS]);
    assert.equal(policy.code, 2);
    assert.match(oneErrorLine(policy.stderr), /newest.*patch, minor, major, latest/);
    const never = await run(recipes, ['refresh', 'npm:rf-minor@^1.0.0', 'npm:rf-never@^1.0.0']);
    assert.equal(never.code, 1);
    assert.match(
      oneErrorLine(never.stderr),
      /npm:rf-never@\^1\.0\.0: nothing pinned in .* \(it was never imported\): import it first with `bale import npm:rf-never@\^1\.0\.0`/,
    );
    const down = await run(recipes, ['refresh', ...ROOTS], 'http://127.0.0.1:9/');
    assert.equal(down.code, 75, down.stderr); // transient: try again
    assert.match(oneErrorLine(down.stderr), /registry http:\/\/127\.0\.0\.1:9\/ failed for "rf-\S+" \(ECONNREFUSED\): try again later$/);
    assert.deepEqual(await snapshot(recipes), before);
  });

  test('--keep-going: a root whose new version cannot be imported stays, is reported, and the others move', async () => {
    const recipes = dir('r-reimport');
    await publish('rf-bad', [['1.0.0']]);
    await publish('rf-ok', [['1.0.0']]);
    const imp = await run(recipes, ['import', 'npm:rf-bad@^1.0.0', 'npm:rf-ok@^1.0.0']);
    assert.equal(imp.code, 0, imp.stderr);
    // Its new release needs a git dependency, which bale never pins.
    await publish('rf-bad', [['1.0.0'], ['1.1.0', { 'rf-left': 'git+https://example.invalid/left.git' }]]);
    await publish('rf-ok', [['1.0.0'], ['1.0.1']]);
    const r = await run(recipes, ['refresh', '--keep-going', '--json', 'npm:rf-bad@^1.0.0', 'npm:rf-ok@^1.0.0']);
    assert.equal(r.code, 1, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stderr, /^bale: unsatisfiable: 1 root\(s\): npm:rf-bad@\^1\.0\.0$/m);
    const j = JSON.parse(r.stdout) as RefreshJson;
    assert.deepEqual(movedOf(j), { 'npm:rf-ok@^1.0.0': '1.0.0 -> 1.0.1' });
    assert.equal(j.roots.find((x) => x.root === 'npm:rf-bad@^1.0.0')?.to, undefined);
    const files = await listFiles(recipes);
    assert.ok(files.includes('npm/rf-ok/1.0.1.toml') && !files.includes('npm/rf-bad/1.1.0.toml'), files.join(' '));
  });

  test('--keep-going: a root never imported is reported, the others move', async () => {
    const recipes = dir('r-keep');
    await cp(dir('base'), recipes, { recursive: true });
    const r = await run(recipes, ['refresh', '--keep-going', '--json', 'npm:rf-minor@^1.0.0', 'npm:rf-never@^1.0.0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bale: not found: 1 root\(s\): npm:rf-never@\^1\.0\.0$/m);
    const j = JSON.parse(r.stdout) as RefreshJson & { failedRoots: { spec: string; code: string }[] };
    assert.deepEqual(movedOf(j), { 'npm:rf-minor@^1.0.0': '1.0.0 -> 1.2.0' });
    assert.deepEqual(
      j.failedRoots.map((f) => [f.spec, f.code]),
      [['npm:rf-never@^1.0.0', 'ENORECIPE']],
    );
  });
});

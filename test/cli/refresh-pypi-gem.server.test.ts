/**
 * `bale refresh` for PyPI and RubyGems through the real CLI: the fixture index and gem source
 * publish between runs (files hidden for the import, served again for the refresh). PyPI's yanked
 * release (PEP 592 data-yanked) is never chosen and is named; a gem yanked from the source (gone
 * from its index) is named as the pinned version withdrawn. A moved root keeps its dependency's
 * pin where it still fits, even when the dependency published a newer version: that recipe keeps
 * its bytes and mtime.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, tempDir } from '../helpers/cli.js';
import { startGemServer, type GemServer } from '../helpers/gem-server.js';
import { startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

/** A file's bytes and mtime. */
async function snap(file: string): Promise<{ bytes: string; mtimeNs: bigint }> {
  return { bytes: await readFile(file, 'latin1'), mtimeNs: (await stat(file, { bigint: true })).mtimeNs };
}

interface RefreshJson {
  moved: Record<'major' | 'minor' | 'patch', { root: string; from: string; to: string }[]>;
  roots: { root: string; skipped: { version: string; why: string; detail: string }[]; pinnedWithdrawn?: string; heldBack?: string }[];
}

describe('bale refresh (PyPI, RubyGems)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let index: FixtureIndex;
  let gems: GemServer;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]): ReturnType<typeof bale> =>
    bale([...args, '--recipes', dir('recipes'), '--store', dir('store')], { env: { XDG_CACHE_HOME: dir('cache') } });

  before(async () => {
    t = await tempDir('refresh-pypi-gem');
    [index, gems] = await Promise.all([startPypiIndex(), startGemServer()]);
  });
  after(async () => {
    await Promise.all([index?.close(), gems?.close()]);
    await t?.cleanup();
  });

  test('PyPI: a new minor release is taken; the yanked 2.0.0 is named, never chosen; --policy patch holds it back', async () => {
    const lib = index.dists.projects.get('fxp-lib')!;
    const all = lib.files;
    lib.files = all.filter((f) => f.version !== '1.1.0'); // not published yet
    const py = ['--python', '3.11', '--index-url', index.simpleUrl];
    const imp = await run(['import', 'pypi:fxp-lib@>=1.0', ...py]);
    assert.equal(imp.code, 0, imp.stderr);
    assert.deepEqual(
      (await listFiles(dir('recipes'))).filter((f) => f.startsWith('pypi/')),
      ['pypi/fxp-lib/1.0.0.toml'],
    );
    lib.files = all; // 1.1.0 published
    const patch = await run(['refresh', '--policy', 'patch', '--json', 'pypi:fxp-lib@>=1.0', ...py]);
    assert.equal(patch.code, 0, patch.stderr);
    const p = JSON.parse(patch.stdout) as RefreshJson;
    assert.deepEqual(p.moved, { major: [], minor: [], patch: [] });
    assert.equal(p.roots[0]!.heldBack, '1.1.0');
    const major = await run(['refresh', '--policy', 'major', '--json', 'pypi:fxp-lib@>=1.0', ...py]);
    assert.equal(major.code, 0, major.stderr);
    const j = JSON.parse(major.stdout) as RefreshJson;
    assert.deepEqual(j.moved.minor, [{ root: 'pypi:fxp-lib@>=1.0', package: 'pypi:fxp-lib', from: '1.0.0', to: '1.1.0' }]);
    // 1.2.0rc1 is a pre-release (the pin is not one); 2.0.0 is yanked.
    assert.deepEqual(j.roots[0]!.skipped, [{ version: '2.0.0', why: 'yanked', detail: 'broken API, use fxp-lib 1.x' }]);
    assert.ok((await listFiles(dir('recipes'))).includes('pypi/fxp-lib/1.1.0.toml'));
  });

  test('RubyGems: a patch release is taken; the pinned version, yanked since, is named', async () => {
    const leaf = gems.dists.gems.get('fxg-leaf')!;
    const all = leaf.releases;
    leaf.releases = all.filter((r) => r.version !== '0.1.5');
    const rb = ['--ruby', '3.1', '--source', gems.url];
    const imp = await run(['import', 'gem:fxg-leaf', ...rb]);
    assert.equal(imp.code, 0, imp.stderr);
    leaf.releases = all.filter((r) => r.version !== '0.1.0'); // 0.1.5 published, 0.1.0 yanked
    const r = await run(['refresh', '--policy', 'patch', '--json', 'gem:fxg-leaf', ...rb]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as RefreshJson;
    assert.deepEqual(j.moved.patch, [{ root: 'gem:fxg-leaf', package: 'gem:fxg-leaf', from: '0.1.0', to: '0.1.5' }]);
    assert.equal(j.roots[0]!.pinnedWithdrawn, 'gone');
    const files = (await listFiles(dir('recipes'))).filter((f) => f.startsWith('gem/'));
    assert.deepEqual(files, ['gem/fxg-leaf/0.1.0.toml', 'gem/fxg-leaf/0.1.5.toml']);
    const again = await run(['refresh', '--policy', 'patch', 'gem:fxg-leaf', ...rb]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^0 of 1 root\(s\) moved, 1 unchanged/m);
    leaf.releases = all;
  });

  /**
   * Import root 1.0.0 and its dependency while both newer versions are hidden, publish both, refresh:
   * the root moves, the dependency's recipe is untouched, the new root's recipe pins the old version.
   * A fresh import of the new root (the control) takes the newer dependency, so the keeping is refresh's.
   */
  async function keepsPin(o: {
    eco: string;
    root: string;
    dep: string;
    hide: () => () => void;
    flags: string[];
    depOld: string;
    depNew: string;
  }): Promise<void> {
    const recipes = dir(`keep-${o.eco}`);
    const runIn = (tree: string, args: string[]): ReturnType<typeof bale> =>
      bale([...args, ...o.flags, '--recipes', tree, '--store', dir('store')], { env: { XDG_CACHE_HOME: dir('cache') } });
    const publish = o.hide();
    const imp = await runIn(recipes, ['import', `${o.eco}:${o.root}`]);
    assert.equal(imp.code, 0, imp.stderr);
    publish();
    const depFile = path.join(recipes, o.eco, o.dep, `${o.depOld}.toml`);
    const before = await snap(depFile);
    const r = await runIn(recipes, ['refresh', '--policy', 'minor', '--json', `${o.eco}:${o.root}`]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as RefreshJson;
    assert.deepEqual(j.moved.minor, [{ root: `${o.eco}:${o.root}`, package: `${o.eco}:${o.root}`, from: '1.0.0', to: '1.1.0' }]);
    assert.deepEqual(await snap(depFile), before, `${o.dep} ${o.depOld}'s recipe was rewritten`);
    const files = (await listFiles(recipes)).filter((f) => f.startsWith(`${o.eco}/`));
    assert.deepEqual(
      files,
      [`${o.eco}/${o.dep}/${o.depOld}.toml`, `${o.eco}/${o.root}/1.0.0.toml`, `${o.eco}/${o.root}/1.1.0.toml`].sort(),
    );
    const moved = await readFile(path.join(recipes, o.eco, o.root, '1.1.0.toml'), 'utf8');
    assert.ok(moved.includes(`/${o.dep}@${o.depOld}"`), `the new root pins ${o.dep} ${o.depOld}:\n${moved}`);
    const control = await runIn(dir(`fresh-${o.eco}`), ['import', `${o.eco}:${o.root}@1.1.0`]);
    assert.equal(control.code, 0, control.stderr);
    assert.ok(
      (await listFiles(dir(`fresh-${o.eco}`))).includes(`${o.eco}/${o.dep}/${o.depNew}.toml`),
      'a fresh import takes the newer dependency',
    );
  }

  test('PyPI: a moved root keeps its dependency pinned where it still fits (fxp-lib 1.0.0, though 1.1.0 is out)', async () => {
    const hideOf = (name: string, version: string): (() => void) => {
      const p = index.dists.projects.get(name)!;
      const all = p.files;
      p.files = all.filter((f) => f.version !== version);
      return () => {
        p.files = all;
      };
    };
    await keepsPin({
      eco: 'pypi',
      root: 'fxp-bump',
      dep: 'fxp-lib',
      hide: () => {
        const shows = [hideOf('fxp-bump', '1.1.0'), hideOf('fxp-lib', '1.1.0')];
        return () => {
          for (const show of shows) show();
        };
      },
      flags: ['--python', '3.11', '--index-url', index.simpleUrl],
      depOld: '1.0.0',
      depNew: '1.1.0',
    });
  });

  test('RubyGems: a moved root keeps its dependency pinned where it still fits (fxg-leaf 0.1.0, though 0.1.5 is out)', async () => {
    const hideOf = (name: string, version: string): (() => void) => {
      const g = gems.dists.gems.get(name)!;
      const all = g.releases;
      g.releases = all.filter((r) => r.version !== version);
      return () => {
        g.releases = all;
      };
    };
    await keepsPin({
      eco: 'gem',
      root: 'fxg-bump',
      dep: 'fxg-leaf',
      hide: () => {
        const shows = [hideOf('fxg-bump', '1.1.0'), hideOf('fxg-leaf', '0.1.5')];
        return () => {
          for (const show of shows) show();
        };
      },
      flags: ['--ruby', '3.1', '--source', gems.url],
      depOld: '0.1.0',
      depNew: '0.1.5',
    });
  });
});

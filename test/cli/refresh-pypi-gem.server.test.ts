/**
 * `bale refresh` for PyPI and RubyGems through the real CLI: the fixture index and gem source
 * publish between runs (files hidden for the import, served again for the refresh). PyPI's yanked
 * release (PEP 592 data-yanked) is never chosen and is named; a gem yanked from the source (gone
 * from its index) is named as the pinned version withdrawn.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, tempDir } from '../helpers/cli.js';
import { startGemServer, type GemServer } from '../helpers/gem-server.js';
import { startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

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
  });
});

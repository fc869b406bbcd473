/**
 * `bale refresh` for Debian through the real CLI, against the host's apt and deb.debian.org: a root
 * imported at bookworm's release version moves to the security update under --policy patch (a
 * Debian revision is a patch), its dependencies' recipes are not rewritten, and a second refresh
 * writes nothing.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { aptCache } from '../helpers/apt-cache.js';
import { bale, listFiles, SHARED_XDG_CACHE, tempDir } from '../helpers/cli.js';

describe('bale refresh (Debian)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('refresh-deb');
  });
  after(async () => t?.cleanup());

  test('deb:zlib1g moves from its release to the newest revision apt lists; nothing else is rewritten', async () => {
    aptCache(['zlib1g'], 'this test');
    const madison = (await execa('apt-cache', ['madison', 'zlib1g'])).stdout;
    const versions = [...madison.matchAll(/\| (\S+) \|/g)].map((m) => m[1]!);
    const release = '1:1.2.13.dfsg-1';
    // The machine this suite runs on (and CI) carries bookworm with its security archive: without both, this is a broken setup, not a pass.
    assert.ok(
      versions.includes(release) && versions.length >= 2,
      `apt lists ${versions.join(', ')} for zlib1g: this test needs bookworm's ${release} and its security update (apt-get update)`,
    );
    const recipes = path.join(t.dir, 'recipes');
    const run = (args: string[]): ReturnType<typeof bale> =>
      bale([...args, '--recipes', recipes], { env: { XDG_CACHE_HOME: SHARED_XDG_CACHE } });
    const imp = await run(['import', `deb:zlib1g@${release}`]);
    assert.equal(imp.code, 0, imp.stderr);
    const files = await listFiles(recipes);
    const mtimes = new Map(
      await Promise.all(files.map(async (f) => [f, (await stat(path.join(recipes, f), { bigint: true })).mtimeNs] as const)),
    );
    const r = await run(['refresh', '--policy', 'patch', '--json', 'deb:zlib1g']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { moved: { patch: { from: string; to: string }[] }; recipes: { file: string }[] };
    assert.equal(j.moved.patch.length, 1);
    assert.equal(j.moved.patch[0]!.from, release);
    const to = j.moved.patch[0]!.to;
    assert.ok(to.startsWith(`${release}+deb`), to);
    assert.deepEqual(
      j.recipes.map((w) => path.relative(recipes, w.file)),
      [`deb/zlib1g/${to}.toml`],
    );
    for (const [f, m] of mtimes) assert.equal((await stat(path.join(recipes, f), { bigint: true })).mtimeNs, m, `${f} was rewritten`);
    const again = await run(['refresh', '--policy', 'patch', 'deb:zlib1g']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^0 of 1 root\(s\) moved, 1 unchanged/m);
  });
});

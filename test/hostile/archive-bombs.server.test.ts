/**
 * Hostile input, class "archives that unpack to too much", end to end: the real CLI against the
 * fixture npm registry serving a 2 GiB gzip bomb. One line, exit 1, nothing stored; and an
 * override row's limits, copied into the recipe, are what the build then holds.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { GiB, MiB, packageJson, TAR_END, tarFile, ustarHeader, zeroMembers } from '../helpers/bombs.js';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import type { Manifest } from '../helpers/npm-fixtures.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';

function manifest(name: string): Manifest {
  return JSON.parse(packageJson(name).toString()) as Manifest;
}

describe('archive bombs through bale request', () => {
  let reg: FixtureRegistry;
  let t: { dir: string; cleanup: () => Promise<void> };

  before(async () => {
    t = await tempDir('archive-bombs-cli');
    // fx-bomb: package.json, then a 2 GiB file of zeros and 2 GiB more of zero blocks (~4 MB).
    const head = gzipSync(
      Buffer.concat([...tarFile('package/package.json', packageJson('fx-bomb')), ustarHeader('package/zeros.bin', 2 * GiB)]),
    );
    const bomb = Buffer.concat([head, ...zeroMembers(2 * GiB), ...zeroMembers(2 * GiB)]);
    // fx-zeros: 40 MiB of zeros, a ratio of ~1000: refused by default, fine once its row says so.
    const zeros = gzipSync(
      Buffer.concat([...tarFile('package/package.json', packageJson('fx-zeros')), ...tarFile('package/zeros.bin', 40 * MiB), TAR_END]),
      { level: 9 },
    );
    reg = await startNpmRegistry({
      extraPackages: [
        { manifest: manifest('fx-bomb'), tarball: bomb },
        { manifest: manifest('fx-zeros'), tarball: zeros },
      ],
    });
  });
  after(async () => {
    await reg.close();
    await t.cleanup();
  });

  async function request(
    spec: string,
    run: string,
    extra: string[] = [],
  ): Promise<{ code: number; stderr: string; recipes: string; store: string }> {
    const recipes = path.join(t.dir, run, 'recipes');
    const store = path.join(t.dir, run, 'store');
    const r = await bale(['request', spec, '--registry', reg.url, '--recipes', recipes, '--store', store, ...extra], {
      env: { XDG_CACHE_HOME: path.join(t.dir, run, 'cache') },
    });
    return { ...r, recipes, store };
  }

  test('bale request npm:fx-bomb@1.0.0: one line naming the bound and how to raise it, exit 1, nothing stored', async () => {
    const r = await request('npm:fx-bomb@1.0.0', 'bomb');
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.trim().split('\n').length <= 3, r.stderr);
    const line = oneErrorLine(r.stderr);
    assert.match(
      line,
      /pkg:npm\/fx-bomb@1\.0\.0 \(http:\/\/127\.0\.0\.1:\d+\/fx-bomb\/-\/fx-bomb-1\.0\.0\.tgz\): entry "package\/zeros\.bin" unpacks to 2 GiB, more than 1 GiB \(the file_size limit, default 1 GiB\); if this package really is that big, raise it with \[build\.limits\] file_size = "2GiB" in its recipe, or limits = \{ file_size = "2GiB" \} in its override row$/,
    );
    assert.doesNotMatch(line, /corrupt/);
    assert.deepEqual(await listFiles(r.store), []);
    assert.deepEqual(await listFiles(r.recipes), []);
  });

  test("an override row's limits reach the build: the same package fails by default and builds with ratio raised", async () => {
    const refused = await request('npm:fx-zeros@1.0.0', 'zeros-default');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      oneErrorLine(refused.stderr),
      /fx-zeros-1\.0\.0\.tgz\): unpacks to more than 200 times its compressed size .*\(the ratio limit, default 200\)/,
    );
    assert.deepEqual(await listFiles(refused.store), []);

    const overrides = path.join(t.dir, 'overrides');
    await mkdir(overrides, { recursive: true });
    await writeFile(
      path.join(overrides, 'npm.toml'),
      '[[package]]\nname = "fx-zeros"\nlimits = { ratio = 5000 }\nnote = "ships a 40 MiB file of zeros"\n',
    );
    const built = await request('npm:fx-zeros@1.0.0', 'zeros-raised', ['--overrides', overrides]);
    assert.equal(built.code, 0, built.stderr);
    assert.ok(
      (await listFiles(built.store)).some((f) => f.includes('fx-zeros')),
      (await listFiles(built.store)).join('\n'),
    );
    assert.ok((await listFiles(built.recipes)).length > 0);
  });
});

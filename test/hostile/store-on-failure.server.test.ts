/**
 * Hostile inputs, "nothing stored on failure" class: a request or a compose that fails leaves the
 * store and the recipes byte for byte as they were (every file listed with its sha256 before and
 * after), whatever it had built or cached on the way. Through the real CLI against the fixture
 * npm registry and PyPI index, a lying proxy in front where the lie is in the answer.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { rewriteJson, startLyingProxy, type LyingProxy } from '../helpers/lying-proxy.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { SIMPLE_JSON, startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

/** Every file under `dir` with its sha256: what "untouched, byte for byte" is compared on. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir))
    out[f] = createHash('sha256')
      .update(await readFile(path.join(dir, f)))
      .digest('hex');
  return out;
}

describe('hostile: nothing stored on failure, checked before work', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  let index: FixtureIndex;
  let npmLiar: LyingProxy;
  let pypiLiar: LyingProxy;
  const dir = (x: string): string => path.join(t.dir, x);
  /** One store, recipes tree and cache for the whole file: what was built and cached before is what a failure must not touch. */
  const run = (args: string[], extraEnv: Record<string, string> = {}): Promise<BaleRun> =>
    bale([...args, '--store', dir('store'), '--recipes', dir('recipes')], {
      env: { XDG_CACHE_HOME: dir('cache'), XDG_CONFIG_HOME: dir('config'), BALE_SIGNING_KEY: dir('me.key'), ...extraEnv },
    });

  before(async () => {
    t = await tempDir('hostile-store');
    reg = await startNpmRegistry();
    index = await startPypiIndex();
    // The case: a packument whose tarball is file:///etc/passwd, with the integrity of a tarball already cached.
    npmLiar = await startLyingProxy(
      reg.url,
      rewriteJson(
        (a) => a.path === '/fx-shared',
        (doc) => {
          (doc['versions'] as Record<string, Record<string, Record<string, unknown>>>)['1.0.0']!['dist']!['tarball'] = 'file:///etc/passwd';
        },
      ),
    );
    // The same for a wheel: a PEP 691 page whose file URL is file:///etc/passwd, hashes unchanged.
    pypiLiar = await startLyingProxy(
      index.url,
      rewriteJson(
        (a) => a.path === '/simple/fxp-lib/' && a.contentType === SIMPLE_JSON,
        (doc) => {
          for (const f of doc['files'] as Record<string, unknown>[])
            if (f['filename'] === 'fxp_lib-1.0.0-py3-none-any.whl') f['url'] = 'file:///etc/passwd';
        },
      ),
    );
    const k = await bale(['keygen', '--out', dir('me')]);
    assert.equal(k.code, 0, k.stderr);
    // What the store holds before the hostile runs: built and cached by honest ones.
    for (const args of [
      ['request', 'npm:fx-shared@1.0.0', '--registry', reg.url],
      ['request', 'pypi:fxp-lib@1.0.0', '--python', '3.11', '--index-url', index.simpleUrl],
      ['image', 'compose', 'npm:fx-bin@1.0.0', '--registry', reg.url, '--name', 'bin', '--tag', '1', '-o', dir('bin.image.toml')],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });
  after(async () => {
    await npmLiar.close();
    await pypiLiar.close();
    await reg.close();
    await index.close();
    await t.cleanup();
  });

  /** Runs `args`, which must fail with one line matching `says`, and leave store and recipes as they were. */
  async function untouched(args: string[], says: RegExp): Promise<void> {
    const store = await snapshot(dir('store'));
    const recipes = await snapshot(dir('recipes'));
    assert.ok(Object.keys(store).length > 0 && Object.keys(recipes).length > 0, 'the store and recipes hold what was built before');
    const r = await run(args);
    assert.equal(r.code, 1, `${r.stderr}\n${r.stdout}`);
    assert.match(oneErrorLine(r.stderr), says);
    assert.deepEqual(await snapshot(dir('store')), store, 'the store is byte-identical');
    assert.deepEqual(await snapshot(dir('recipes')), recipes, 'the recipes are byte-identical');
  }

  test('a cached npm tarball whose packument says file:///etc/passwd (same integrity): refused before any build', async () => {
    await untouched(
      ['request', 'npm:fx-shared@1.0.0', '--registry', npmLiar.url],
      /npm package "fx-shared"@1\.0\.0: http:\/\/127\.0\.0\.1:\d+\/fx-shared gives its file as "file:\/\/\/etc\/passwd" \(URL must be http\(s\)\): refusing it/,
    );
  });

  test('... and import writes no recipe for it', async () => {
    await untouched(
      ['import', 'npm:fx-shared@1.0.0', '--registry', npmLiar.url],
      /npm package "fx-shared"@1\.0\.0: .* gives its file as "file:\/\/\/etc\/passwd"/,
    );
  });

  test('a cached wheel whose PEP 691 page says file:///etc/passwd (same sha256): refused before any build', async () => {
    await untouched(
      ['request', 'pypi:fxp-lib@1.0.0', '--python', '3.11', '--index-url', `${pypiLiar.url}simple/`],
      /Python project "fxp-lib" 1\.0\.0: the index gives its file as "file:\/\/\/etc\/passwd" \(URL must be http\(s\)\): refusing it/,
    );
  });

  test('a compose that fails on a conflict keeps nothing it built (no package, build record, signature or recipe); one that composes then stores it', async () => {
    await untouched(
      [
        'image',
        'compose',
        'npm:fx-bin@1.0.0',
        'npm:fx-bin-clash@1.0.0',
        '--registry',
        reg.url,
        '--name',
        'clash',
        '--tag',
        '1',
        '-o',
        dir('clash.image.toml'),
      ],
      /conflict: node-fx-bin-bin 1\.0\.0 and node-fx-bin-clash-bin 1\.0\.0 both own usr\/bin\/fx-bin/,
    );
    assert.equal(existsSync(dir('clash.image.toml')), false, 'no image file');
    assert.deepEqual(await listFiles(path.join(dir('cache'), 'bale', 'tmp')), [], 'the staging store is gone');

    // Staging is not "never store": an image that composes stores what it built, signed, and writes its recipes.
    const before = await snapshot(dir('store'));
    const r = await run([
      'image',
      'compose',
      'npm:fx-bin@1.0.0',
      'npm:fx-left@1.0.0',
      '--registry',
      reg.url,
      '--name',
      'ok',
      '--tag',
      '1',
      '-o',
      dir('ok.image.toml'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const after = await snapshot(dir('store'));
    for (const [f, sha] of Object.entries(before)) assert.equal(after[f], sha, `${f} unchanged`);
    const image = JSON.parse(r.stdout) as { packages: { name: string; version: string; sha256: string }[] };
    const left = image.packages.find((p) => p.name === 'node-fx-left')!;
    const file = `packages/${left.name}-${left.version}-${left.sha256.slice(0, 12)}.tar.gz`;
    assert.ok(after[file] !== undefined && after[`${file}.minisig`] !== undefined, 'the new package is in the store, signed');
    assert.ok(existsSync(path.join(dir('recipes'), 'npm/fx-left/1.0.0.toml')), 'its recipe is written');
    assert.deepEqual(await listFiles(path.join(dir('cache'), 'bale', 'tmp')), [], 'the staging store is gone');
  });
});

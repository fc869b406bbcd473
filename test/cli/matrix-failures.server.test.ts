/**
 * The all-or-nothing rule for a matrix of targets, through the real CLI against the fixture PyPI
 * index and npm registry: a request (or import) where one target fails writes nothing to recipes
 * or store (compared file by file before and after), exits 1 and names every failed target; with
 * --keep-going what resolved and built is kept, and it still exits 1; --json lists the failures
 * with their error lines either way. The same for a failed resolution (a project needing Python
 * >= 3.10 asked for 3.9) and a failed build (an npm install script that exits 3).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { packFiles, publishedManifest } from '../helpers/npm-fixtures.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

interface Output {
  roots: string[];
  recipes: { purl: string }[];
  packages: { name: string; file: string }[];
  failures: { target: string; package?: string; error: string }[];
}

/** Every file under `dir` with its sha256. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir))
    out[f] = createHash('sha256')
      .update(await readFile(path.join(dir, f)))
      .digest('hex');
  return out;
}

/** An npm package whose postinstall exits 3: its build fails, whatever else builds. */
async function failingPackage(): Promise<{ manifest: ReturnType<typeof publishedManifest>; tarball: Buffer }> {
  const pkg = {
    name: 'fx-fails',
    version: '1.0.0',
    main: 'index.js',
    license: 'MIT',
    scripts: { postinstall: 'node -e "process.exit(3)"' },
  };
  const files = [
    { path: 'package.json', body: Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`) },
    { path: 'index.js', body: Buffer.from('module.exports = 1;\n') },
  ];
  return {
    manifest: publishedManifest(
      pkg,
      files.map((f) => f.path),
    ),
    tarball: await packFiles(files),
  };
}

describe('a matrix where one target fails: all or nothing, or --keep-going', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let index: FixtureIndex;
  let reg: FixtureRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  /** One store and recipes tree per scenario `s`, with something in them from an honest request. */
  const run = (s: string, args: string[]): Promise<BaleRun> =>
    bale([...args, '--index-url', index.simpleUrl, '--registry', reg.url, '--store', dir(`${s}/store`), '--recipes', dir(`${s}/recipes`)], {
      env: { XDG_CACHE_HOME: dir('cache') },
    });
  const seeded = async (s: string): Promise<void> => {
    const r = await run(s, ['request', 'pypi:fxp-lib@1.0.0', '--python', '3.11']);
    assert.equal(r.code, 0, r.stderr);
  };
  /** Runs `args` in scenario `s`, which must fail (exit 1, one line matching `says`) and leave store and recipes as they were. */
  const untouched = async (s: string, args: string[], says: RegExp): Promise<Output> => {
    const store = await snapshot(dir(`${s}/store`));
    const recipes = await snapshot(dir(`${s}/recipes`));
    assert.ok(Object.keys(store).length > 0 && Object.keys(recipes).length > 0);
    const r = await run(s, [...args, '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), says);
    assert.deepEqual(await snapshot(dir(`${s}/store`)), store, 'the store is as it was');
    assert.deepEqual(await snapshot(dir(`${s}/recipes`)), recipes, 'the recipes are as they were');
    return JSON.parse(r.stdout) as Output;
  };

  before(async () => {
    t = await tempDir('matrix');
    index = await startPypiIndex();
    reg = await startNpmRegistry({ extraPackages: [await failingPackage()] });
  });
  after(async () => {
    await index.close();
    await reg.close();
    await t.cleanup();
  });

  test('a project needing Python >= 3.10, asked for 3.9 and 3.11: nothing written, 3.9 named, --json lists it', async () => {
    await seeded('py');
    const out = await untouched(
      'py',
      ['request', 'pypi:fxp-new', '--python', '3.9,3.11'],
      /^bale: error: Python 3\.9 failed: cannot resolve fxp-new for Python 3\.9: .*nothing was written.*--keep-going/,
    );
    assert.deepEqual(out.packages, []);
    assert.deepEqual(out.recipes, []);
    assert.deepEqual(
      out.failures.map((f) => f.target),
      ['Python 3.9'],
    );
    assert.match(out.failures[0]!.error, /^cannot resolve fxp-new for Python 3\.9: /);
  });

  test('... and import writes no recipe either', async () => {
    const out = await untouched('py', ['import', 'pypi:fxp-new', '--python', '3.9,3.11'], /Python 3\.9 failed: .*nothing was written/);
    assert.deepEqual(
      out.failures.map((f) => f.target),
      ['Python 3.9'],
    );
  });

  test('every interpreter failing names each one, in the line and in --json', async () => {
    const out = await untouched(
      'py',
      ['request', 'pypi:fxp-new', '--python', '3.8,3.9'],
      /Python 3\.8 and Python 3\.9 failed: cannot resolve fxp-new for Python 3\.8: .*; cannot resolve fxp-new for Python 3\.9: /,
    );
    assert.deepEqual(
      out.failures.map((f) => f.target),
      ['Python 3.8', 'Python 3.9'],
    );
  });

  test('--keep-going keeps the 3.11 package and its recipe, exits 1 naming 3.9, and --json lists the failure', async () => {
    await seeded('keep');
    const before = await snapshot(dir('keep/store'));
    const r = await run('keep', ['request', 'pypi:fxp-new', '--python', '3.9,3.11', '--keep-going', '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /Python 3\.9 failed: cannot resolve fxp-new for Python 3\.9: .*kept what resolved and built \(--keep-going\)/,
    );
    const out = JSON.parse(r.stdout) as Output;
    assert.deepEqual(
      out.packages.map((p) => p.name),
      ['py3.11-fxp-new'],
    );
    assert.ok(out.packages[0]!.file.startsWith(dir('keep/store')), 'listed where the store keeps it');
    assert.deepEqual(
      out.failures.map((f) => f.target),
      ['Python 3.9'],
    );
    const after = await snapshot(dir('keep/store'));
    for (const [f, sha] of Object.entries(before)) assert.equal(after[f], sha);
    assert.ok(Object.keys(after).some((f) => f.startsWith('packages/py3.11-fxp-new-1.0.0-')));
    assert.ok((await listFiles(dir('keep/recipes'))).includes('pypi/fxp-new/1.0.0.toml'));
  });

  test('a failed build: what built beside it is not stored; --json names the package and target', async () => {
    await seeded('npm');
    const out = await untouched('npm', ['request', 'npm:fx-left@1.0.0', 'npm:fx-fails@1.0.0'], /fx-fails/);
    assert.deepEqual(out.packages, []);
    assert.equal(out.failures.length, 1);
    assert.equal(out.failures[0]!.package, 'pkg:npm/fx-fails@1.0.0');
    assert.match(out.failures[0]!.target, /^node \d+\.\d+\.\d+$/);
    assert.doesNotMatch(JSON.stringify(await listFiles(dir('npm/store'))), /fx-left|fx-shared/);
  });

  test('... and with --keep-going the rest is stored and its recipes written, exit 1 naming the build', async () => {
    const r = await run('npm', ['request', 'npm:fx-left@1.0.0', 'npm:fx-fails@1.0.0', '--keep-going', '--json']);
    assert.equal(r.code, 1, r.stderr);
    // A root whose build failed is summed up by category (see keep-going.server.test.ts), then the one error line.
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('bale: '));
    assert.deepEqual(lines, [
      'bale: build failure: 1 root(s): npm:fx-fails@1.0.0',
      'bale: error: 1 of 2 root(s) failed (build failure 1); kept the other 1 (--keep-going)',
    ]);
    const out = JSON.parse(r.stdout) as Output;
    assert.deepEqual(
      out.packages.map((p) => p.name).filter((n) => !n.endsWith('-bin')),
      ['node-fx-left', 'node-fx-shared'],
    );
    assert.deepEqual(
      out.failures.map((f) => f.package),
      ['pkg:npm/fx-fails@1.0.0'],
    );
    const stored = await listFiles(dir('npm/store'));
    assert.ok(stored.some((f) => f.startsWith('packages/node-fx-left-1.0.0-')));
    assert.ok(!stored.some((f) => f.includes('fx-fails')));
    assert.ok((await listFiles(dir('npm/recipes'))).includes('npm/fx-left/1.0.0.toml'));
  });
});

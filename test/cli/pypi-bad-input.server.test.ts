/**
 * PyPI bad input as a user meets it: one line naming the input and what to do, a non-zero exit,
 * nothing in recipes or store. And a wheel-only release fails the interpreter it lacks: nothing written, or (--keep-going) the others kept.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startPypiIndex } from '../helpers/pypi-index.js';
import type { FixtureIndex } from '../helpers/pypi-index.js';

const CASES: { name: string; specs: string[]; says: RegExp; exit?: number }[] = [
  {
    name: 'broken METADATA',
    specs: ['pypi:fxp-broken'],
    says: /broken metadata in fxp_broken-1\.0\.0-py3-none-any\.whl.*no Version field/,
  },
  { name: 'a wheel with ../ entries', specs: ['pypi:fxp-evil'], says: /fxp_evil-1\.0\.0-py3-none-any\.whl: entry "\.\.\/evil\.txt"/ },
  {
    name: 'a hash mismatch',
    specs: ['pypi:fxp-badhash'],
    says: /fxp_badhash-1\.0\.0-py3-none-any\.whl: integrity mismatch: expected sha256-/,
  },
  {
    name: 'an unknown project',
    specs: ['pypi:fxp-nope'],
    says: /no Python project "fxp-nope" on the Simple API at http:\/\/127\.0\.0\.1:\d+\/simple\/.*HTTP 404/,
  },
  {
    name: 'an unsatisfiable closure names both sides',
    specs: ['pypi:fxp-app', 'pypi:fxp-lib@<1'],
    says: /cannot resolve fxp-lib for Python 3\.11: fxp-lib<1 \(asked for\) and fxp-lib>=1\.0 \(from fxp-app 1\.0\.0\)/,
  },
  { name: 'a bad spec', specs: ['pypi:fxp-app[!]'], says: /invalid package spec "pypi:fxp-app\[!\]": bad extras/ },
];

describe('PyPI bad input', () => {
  let index: FixtureIndex;
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    index = await startPypiIndex();
    t = await tempDir('pypi-bad');
    await mkdir(path.join(t.dir, 'empty-ov'));
  });
  after(async () => {
    await index.close();
    await t.cleanup();
  });

  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const r = await bale(
        [
          'request',
          ...c.specs,
          '--python',
          '3.11',
          '--index-url',
          index.simpleUrl,
          '--recipes',
          path.join(t.dir, `r${i}`),
          '--store',
          path.join(t.dir, `s${i}`),
        ],
        {
          env: { XDG_CACHE_HOME: path.join(t.dir, `c${i}`) },
        },
      );
      assert.equal(r.code, c.exit ?? 1, r.stderr);
      assert.match(oneErrorLine(r.stderr), c.says);
      assert.deepEqual(await listFiles(path.join(t.dir, `r${i}`)), []);
      assert.deepEqual(await listFiles(path.join(t.dir, `s${i}`)), []);
    });
  }

  test('a missing native build library is named before any build, nothing written', async () => {
    const overrides = path.join(t.dir, 'ov');
    await mkdir(overrides);
    await writeFile(path.join(overrides, 'pypi.toml'), '[[package]]\nname = "fxp-zext"\nbuild = ["libbale-test-missing-dev"]\n');
    const r = await bale([
      'request',
      'pypi:fxp-zext',
      '--python',
      '3.11',
      '--overrides',
      overrides,
      '--index-url',
      index.simpleUrl,
      '--recipes',
      path.join(t.dir, 'rn'),
      '--store',
      path.join(t.dir, 'sn'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /pkg:pypi\/fxp-zext@1\.0\.0 needs native libraries missing on this build host: libbale-test-missing-dev .*apt-get install libbale-test-missing-dev$/,
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 'rn')), []);
    assert.deepEqual(await listFiles(path.join(t.dir, 'sn')), []);
  });

  test("without an override row, the sdist's PEP 725 [external] table names its native packages", async () => {
    const r = await bale([
      'import',
      'pypi:fxp-zext',
      '--python',
      '3.11',
      '--overrides',
      path.join(t.dir, 'empty-ov'),
      '--index-url',
      index.simpleUrl,
      '--recipes',
      path.join(t.dir, 'r725'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const recipe = await readFile(path.join(t.dir, 'r725/pypi/fxp-zext/1.0.0.toml'), 'utf8');
    assert.match(recipe, /\[native\]\nbuild = \["gcc", "libc6-dev", "zlib1g-dev"\]\nruntime = \["zlib1g"\]/);
  });

  test('a wheel-only release for CPython 3.11: 3.10 is a clear error and nothing is written; --keep-going keeps 3.11, still exit 1', async () => {
    const args = [
      'request',
      'pypi:fxp-binary',
      '--python',
      '3.10,3.11',
      '--index-url',
      index.simpleUrl,
      '--recipes',
      path.join(t.dir, 'rb'),
      '--store',
      path.join(t.dir, 'sb'),
      '--json',
    ];
    const all = await bale(args);
    assert.equal(all.code, 1, all.stderr);
    assert.match(
      oneErrorLine(all.stderr),
      /Python 3\.10 failed: cannot resolve fxp-binary for Python 3\.10: .*no release has a wheel for CPython 3\.10.*nothing was written/,
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 'rb')), []);
    assert.deepEqual(await listFiles(path.join(t.dir, 'sb')), []);
    const r = await bale([...args, '--keep-going']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), /cannot resolve fxp-binary for Python 3\.10: .*no release has a wheel for CPython 3\.10/);
    const out = JSON.parse(r.stdout) as { packages: { name: string }[]; failures: { target: string }[] };
    assert.deepEqual(
      out.packages.map((p) => p.name),
      ['py3.11-fxp-binary'],
    );
    assert.deepEqual(
      out.failures.map((f) => f.target),
      ['Python 3.10'],
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 'rb')), ['pypi/fxp-binary/1.0.0.toml']);
  });
});

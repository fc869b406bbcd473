/**
 * An override row describes building the sdist: a manylinux wheel that vendors its libraries needs
 * none of its `build` packages (nor its `runtime`), so a missing one must not block the wheel, and
 * the recipe says the row applies to sdists only. fxp-blas has a cp311 manylinux wheel (with a
 * vendored `fxp_blas.libs/`) and an sdist for every other interpreter; the row's packages are
 * missing on every host.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { missingDebianPackages } from '../../src/builder/native-deps.js';
import { discoverPythons } from '../../src/interpreters/python.js';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

const BUILD = 'libbale-test-missing-blas-dev';
const RUNTIME = 'libbale-test-missing-blas0';
const ROW = `[[package]]\nname = "fxp-blas"\nbuild = ["${BUILD}", "pkgconf"]\nruntime = ["${RUNTIME}"]\nflags = ["setup-args=-Dblas=fxp"]\nnote = "like numpy's row"\n`;

describe('override rows and wheels (fxp-blas: cp311 manylinux wheel + sdist)', () => {
  let index: FixtureIndex;
  let t: { dir: string; cleanup: () => Promise<void> };
  let overrides: string;

  before(async () => {
    index = await startPypiIndex();
    t = await tempDir('pypi-native-rows');
    overrides = path.join(t.dir, 'ov');
    await mkdir(overrides);
    await writeFile(path.join(overrides, 'pypi.toml'), ROW);
    assert.deepEqual(await missingDebianPackages([BUILD, RUNTIME]), [BUILD, RUNTIME], 'the row names packages this host lacks');
  });
  after(async () => {
    await index.close();
    await t.cleanup();
  });

  const request = (python: string, dir: string, ov = overrides) =>
    bale(
      [
        'request',
        'pypi:fxp-blas@1.0.0',
        '--python',
        python,
        '--overrides',
        ov,
        '--index-url',
        index.simpleUrl,
        '--recipes',
        path.join(t.dir, dir, 'r'),
        '--store',
        path.join(t.dir, dir, 's'),
        '--json',
      ],
      {
        env: { XDG_CACHE_HOME: path.join(t.dir, dir, 'cache') },
      },
    );

  test('the cp311 wheel is requested without the missing packages; the recipe says the row is for the sdist', async () => {
    const r = await request('3.11', 'w');
    assert.equal(r.code, 0, r.stderr);
    const recipe = await readFile(path.join(t.dir, 'w/r/pypi/fxp-blas/1.0.0.toml'), 'utf8');
    assert.match(recipe, /kind = "wheel"/);
    assert.doesNotMatch(recipe, /kind = "sdist"/);
    assert.match(
      recipe,
      new RegExp(`\\[native\\]\\nbuild = \\["${BUILD}", "pkgconf"\\]\\nruntime = \\["${RUNTIME}"\\]\\nsources = \\["sdist"\\]\\n`),
    );

    const py = (await discoverPythons()).find((p) => p.version === '3.11')!;
    const pkg = (JSON.parse(r.stdout) as { packages: { name: string; file: string }[] }).packages.find(
      (p) => p.name === 'py3.11-fxp-blas',
    )!;
    const root = path.join(t.dir, 'w/root');
    await mkdir(root);
    await execa('tar', ['-xzf', pkg.file, '-C', root]);
    const site = path.join(root, 'usr/lib/python3.11/site-packages');
    assert.ok((await listFiles(site)).includes('fxp_blas.libs/libfxpblas.so'), 'the vendored library is installed');
    const run = await execa(py.bin, [
      '-S',
      '-c',
      `import sys; sys.path.insert(0, ${JSON.stringify(site)}); import fxp_blas; print(fxp_blas.dot())`,
    ]);
    assert.equal(run.stdout.trim(), '42');
  });

  test('`bale show` says the row is for sdist builds only', async () => {
    const r = await bale(['show', 'pypi:fxp-blas@1.0.0', '--recipes', path.join(t.dir, 'w/r'), '--store', path.join(t.dir, 'w/s')], {
      env: { XDG_CACHE_HOME: path.join(t.dir, 'w/cache') },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`native +build: ${BUILD} pkgconf; runtime: ${RUNTIME}; for sdist only`));
  });

  test('the sdist (for 3.12, which has no wheel) still demands them, in one line, before any build', async () => {
    const r = await request('3.12', 'sd');
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      new RegExp(
        `pkg:pypi/fxp-blas@1\\.0\\.0 needs native libraries missing on this build host: ${BUILD} \\(from the override table, for a build from its sdist\\): install them with apt-get install ${BUILD}$`,
      ),
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 'sd/s')), []);
  });

  test('wheel_runtime: the runtime packages apply to the wheel too, the build packages still do not', async () => {
    const ov = path.join(t.dir, 'ov-wr');
    await mkdir(ov);
    await writeFile(path.join(ov, 'pypi.toml'), ROW.replace('note =', 'wheel_runtime = true\nnote ='));
    const r = await request('3.11', 'wr', ov);
    assert.equal(r.code, 0, r.stderr);
    const recipe = await readFile(path.join(t.dir, 'wr/r/pypi/fxp-blas/1.0.0.toml'), 'utf8');
    assert.match(
      recipe,
      new RegExp(`\\[native\\]\\nbuild = \\["${BUILD}", "pkgconf"\\]\\nruntime = \\["${RUNTIME}"\\]\\n$`),
      'no sources: every source kind',
    );
  });
});

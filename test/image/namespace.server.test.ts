/**
 * The classic Python conflict, through images: two distributions of one namespace package each
 * ship `fxpns/__init__.py`. Composing both is refused, naming the file and both packages; an
 * override row that drops one copy (PEP 420 needs none) makes them one image, and both halves
 * import from its rootfs.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { discoverPythons } from '../../src/interpreters/python.js';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startPypiIndex, type FixtureIndex as PypiIndex } from '../helpers/pypi-index.js';

describe('image compose: a namespace __init__.py owned twice (fixture PyPI index)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let index: PypiIndex;
  const dir = (x: string): string => path.join(t.dir, x);
  const compose = (name: string, overrides: string) =>
    bale([
      'image',
      'compose',
      'pypi:fxp-ns-a',
      'pypi:fxp-ns-c',
      '--python',
      '3.11',
      '--index-url',
      index.simpleUrl,
      '--overrides',
      overrides,
      '--name',
      name,
      '--tag',
      '1',
      '-o',
      dir(`${name}.image.toml`),
      '--key',
      dir('k.key'),
      '--store',
      dir(`s-${name}`),
      '--recipes',
      dir(`r-${name}`),
    ]);

  before(async () => {
    t = await tempDir('image-ns');
    index = await startPypiIndex();
    assert.equal((await bale(['keygen', '--out', dir('k')])).code, 0);
    for (const [d, table] of [
      ['ov-none', ''],
      [
        'ov-drop',
        '[[package]]\nname = "fxp-ns-c"\ndrop = ["fxpns/__init__.py"]\nnote = "PEP 420: fxp-ns-a provides the namespace\'s __init__.py"\n',
      ],
    ] as const) {
      await mkdir(dir(d));
      await writeFile(path.join(dir(d), 'pypi.toml'), table);
    }
  });
  after(async () => {
    await index.close();
    await t.cleanup();
  });

  test('both shipping fxpns/__init__.py: refused, naming the path and both packages', async () => {
    const r = await compose('clash', dir('ov-none'));
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /conflict: py3\.11-fxp-ns-a 1\.0\.0 and py3\.11-fxp-ns-c 1\.0\.0 both own usr\/lib\/python3\.11\/site-packages\/fxpns\/__init__\.py/,
    );
  });

  test('with the override dropping one copy: one image, and both halves import from its rootfs', async () => {
    const r = await compose('ns', dir('ov-drop'));
    assert.equal(r.code, 0, r.stderr);
    const e = await bale([
      'image',
      'export',
      dir('ns.image.toml'),
      '--rootfs',
      dir('ns.tar'),
      '--key',
      dir('k.key'),
      '--store',
      dir('s-ns'),
    ]);
    assert.equal(e.code, 0, e.stderr);
    await mkdir(dir('root'));
    await execa('tar', ['-xf', dir('ns.tar'), '-C', dir('root')]);
    const py = (await discoverPythons()).find((p) => p.version === '3.11')!;
    const out = await execa(py.bin, ['-S', '-c', 'import fxpns.a, fxpns.c; print(fxpns.a.NAME + fxpns.c.NAME)'], {
      env: { PYTHONPATH: path.join(dir('root'), 'usr/lib/python3.11/site-packages') },
      extendEnv: false,
    });
    assert.equal(out.stdout.trim(), 'ac');
  });
});

/**
 * Which source kinds a native row applies to: the recipe's `[native] sources` (written canonically,
 * checked against the ecosystem's kinds) and the override table's `wheel_runtime` (PyPI only, and
 * only where it says something). The shipped PyPI rows marked so are the ones whose packages load or
 * run their library by name, or whose wheels link it without bundling it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOverrides, parseOverrides } from '../../src/overrides/table.js';
import { formatRecipe, parseRecipe } from '../../src/recipe/index.js';
import { packageRoot } from '../../src/util/package-root.js';

const SHA = `sha256-${Buffer.alloc(32, 1).toString('base64')}`;
const recipe = (native: string, purl = 'pkg:pypi/numpy@2.4.6', kind = 'wheel'): string =>
  `format = 1\npurl = "${purl}"\nsource_date_epoch = 315532800\n\n[[source]]\nurl = "https://example.org/x"\nintegrity = "${SHA}"\nkind = "${kind}"\n\n[build]\nnative = false\n\n[native]\n${native}\n`;

describe('[native] sources in recipes', () => {
  it('is written after runtime, sorted and without duplicates, and reads back the same', () => {
    const r = parseRecipe(
      recipe('sources = ["sdist", "wheel", "sdist"]\nruntime = ["libopenblas0"]\nbuild = ["libopenblas-dev"]'),
      'a.toml',
    );
    const text = formatRecipe(r);
    assert.match(text, /\[native\]\nbuild = \["libopenblas-dev"\]\nruntime = \["libopenblas0"\]\nsources = \["sdist", "wheel"\]\n$/);
    assert.equal(formatRecipe(parseRecipe(text, 'b.toml')), text);
  });

  it('absent stays absent (every source kind)', () => {
    const text = formatRecipe(parseRecipe(recipe('runtime = ["libpq5"]', 'pkg:pypi/psycopg@3.3.6'), 'a.toml'));
    assert.doesNotMatch(text, /sources/);
  });

  const refuse: [string, string, string | undefined, RegExp][] = [
    ['an empty list', 'build = ["x-dev"]\nsources = []', undefined, /native\.sources: /],
    ['an unknown kind', 'build = ["x-dev"]\nsources = ["egg"]', undefined, /native\.sources\[0\]: /],
    [
      'a kind of another ecosystem',
      'build = ["x-dev"]\nsources = ["gem"]',
      undefined,
      /native\.sources\[0\]: "gem" is not a pypi artifact, use wheel or sdist/,
    ],
    [
      'a kind of another ecosystem (npm)',
      'build = ["x-dev"]\nsources = ["sdist"]',
      'pkg:npm/sharp@0.34.5',
      /native\.sources\[0\]: "sdist" is not a npm artifact, use npm-tarball/,
    ],
  ];
  for (const [what, native, purl, says] of refuse) {
    it(`refuses ${what}`, () => {
      const text = purl === undefined ? recipe(native) : recipe(native, purl, 'npm-tarball');
      assert.throws(
        () => parseRecipe(text, 'bad.toml'),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERECIPE');
          assert.match(err.message, says);
          return true;
        },
      );
    });
  }
});

describe('wheel_runtime in override tables', () => {
  it('is read as given and absent by default', () => {
    const t = parseOverrides(
      '[[package]]\nname = "a"\nruntime = ["libfoo1"]\nwheel_runtime = true\n\n[[package]]\nname = "b"\nruntime = ["libbar1"]\n',
      't.toml',
    );
    assert.equal(t.rowsFor('a')[0]!.wheel_runtime, true);
    assert.equal(t.rowsFor('b')[0]!.wheel_runtime, undefined);
  });

  it('is refused where it says nothing (no runtime packages)', () => {
    assert.throws(
      () => parseOverrides('[[package]]\nname = "a"\nbuild = ["libfoo-dev"]\nwheel_runtime = true\n', 't.toml'),
      /package\[0\]\.wheel_runtime: says runtime is needed with a wheel, but runtime is empty/,
    );
  });

  it('the shipped PyPI rows that carry it: libraries loaded or run by name, or linked by wheels without bundling them', async () => {
    const file = join(packageRoot(), 'overrides', 'pypi.toml');
    const table = parseOverrides(await readFile(file, 'utf8'), file);
    const names = [...new Set([...(await readFile(file, 'utf8')).matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]!))];
    const marked = names.filter((n) => table.rowsFor(n).some((r) => r.wheel_runtime === true)).sort();
    assert.deepEqual(marked, [
      'cairocffi',
      'mod-wsgi',
      'psycopg',
      'pyenchant',
      'pyodbc',
      'pytesseract',
      'python-magic',
      'pyudev',
      'pyusb',
      'pyzbar',
      'sounddevice',
      'soundfile',
      'weasyprint',
    ]);
    for (const n of ['numpy', 'scipy', 'cryptography', 'psycopg2-binary', 'lxml', 'pillow', 'grpcio', 'pyzmq']) {
      assert.ok(
        table.rowsFor(n).every((r) => r.wheel_runtime === undefined),
        `${n}: its manylinux wheels bundle what they link`,
      );
    }
    for (const n of names) {
      for (const r of table.rowsFor(n)) {
        if (r.wheel_runtime === true)
          assert.match(
            r.note ?? '',
            /ctypes|cffi ABI mode|dlopen|runs|wheel/,
            `${n}: the note says why a wheel needs the runtime packages`,
          );
      }
    }
  });

  it('is a PyPI notion: the npm and RubyGems tables do not use it', async () => {
    for (const eco of ['npm', 'gem'] as const) {
      const t = await loadOverrides(eco);
      const file = await readFile(join(packageRoot(), 'overrides', eco === 'gem' ? 'rubygems.toml' : 'npm.toml'), 'utf8');
      assert.ok(t.size > 0);
      assert.doesNotMatch(file, /^wheel_runtime/m, eco);
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import semver from 'semver';
import { parse as parseToml } from 'smol-toml';
import { isUserError } from '../../src/errors/index.js';
import { loadOverrides, OverrideRowSchema, parseOverrides } from '../../src/overrides/table.js';
import { purlProblem } from '../../src/recipe/schema.js';
import { packageRoot } from '../../src/util/package-root.js';

const FILE = '/etc/bale/overrides/npm.toml';

function rejects(text: string, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseOverrides(text, FILE),
    (err: Error & { code?: string }) => {
      assert.ok(isUserError(err), 'a UserError');
      assert.equal(err.code, 'EOVERRIDE');
      assert.ok(err.message.startsWith(`override table ${FILE}: `), err.message);
      assert.ok(!err.message.includes('\n'), 'one line');
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

describe('parseOverrides', () => {
  it('reads rows and fills in the defaults', () => {
    const table = parseOverrides(
      [
        '[[package]]',
        'name = "sharp"',
        'versions = ">=0.33.0"',
        'build = ["libvips-dev", "pkg-config"]',
        'runtime = ["libvips42"]',
        'env = { SHARP_IGNORE_GLOBAL_LIBVIPS = "", _X1 = "y" }',
        'requires = ["pkg:npm/node-addon-api@8.0.0"]',
        'note = "docs"',
        '',
        '[[package]]',
        'name = "core-js"',
        'ignore_scripts = true',
      ].join('\n'),
      FILE,
    );
    assert.equal(table.size, 2);
    assert.deepEqual(table.rowsFor('sharp'), [
      {
        name: 'sharp',
        versions: '>=0.33.0',
        build: ['libvips-dev', 'pkg-config'],
        runtime: ['libvips42'],
        env: { SHARP_IGNORE_GLOBAL_LIBVIPS: '', _X1: 'y' },
        requires: ['pkg:npm/node-addon-api@8.0.0'],
        ignore_scripts: false,
        note: 'docs',
      },
    ]);
    assert.deepEqual(table.rowsFor('core-js'), [{ name: 'core-js', build: [], runtime: [], env: {}, requires: [], ignore_scripts: true }]);
    assert.deepEqual(table.rowsFor('nothing'), []);
  });

  it('an empty file is an empty table', () => {
    const table = parseOverrides('# no rows yet\n', FILE);
    assert.equal(table.size, 0);
    assert.deepEqual(table.rowsFor('sharp'), []);
  });

  it('rowsFor keeps file order per name, with other names in between', () => {
    const rows = ['a:1', 'b:1', 'a:2', 'c:1', 'a:3', 'b:2'].map((s) => {
      const [name, note] = s.split(':');
      return `[[package]]\nname = "${name}"\nnote = "${note}"\n`;
    });
    const table = parseOverrides(rows.join('\n'), FILE);
    assert.equal(table.size, 6);
    assert.deepEqual(
      table.rowsFor('a').map((r) => r.note),
      ['1', '2', '3'],
    );
    assert.deepEqual(
      table.rowsFor('b').map((r) => r.note),
      ['1', '2'],
    );
    assert.deepEqual(
      table.rowsFor('c').map((r) => r.note),
      ['1'],
    );
  });

  const bad: { name: string; text: string; patterns: RegExp[] }[] = [
    { name: 'an unknown key in a row', text: '[[package]]\nname = "a"\nbuidl = ["x"]\n', patterns: [/package\[0\]/, /buidl/] },
    {
      name: 'an unknown key in a later row',
      text: '[[package]]\nname = "a"\n\n[[package]]\nname = "b"\nruntim = ["x"]\n',
      patterns: [/package\[1\]/, /runtim/],
    },
    { name: 'an unknown top-level table', text: '[[packages]]\nname = "a"\n', patterns: [/packages/] },
    { name: 'a row without a name', text: '[[package]]\nbuild = ["libfoo-dev"]\n', patterns: [/package\[0\]\.name/] },
    { name: 'an empty name', text: '[[package]]\nname = ""\n', patterns: [/package\[0\]\.name/] },
    {
      name: 'an upper-case Debian package',
      text: '[[package]]\nname = "a"\nbuild = ["LibFoo-dev"]\n',
      patterns: [/package\[0\]\.build\[0\]/],
    },
    {
      name: 'a Debian package with a space',
      text: '[[package]]\nname = "a"\nruntime = ["ok1", "lib foo"]\n',
      patterns: [/package\[0\]\.runtime\[1\]/],
    },
    { name: 'a one-letter Debian package', text: '[[package]]\nname = "a"\nbuild = ["x"]\n', patterns: [/package\[0\]\.build\[0\]/] },
    {
      name: 'a Debian package with an underscore',
      text: '[[package]]\nname = "a"\nbuild = ["lib_foo"]\n',
      patterns: [/package\[0\]\.build\[0\]/],
    },
    { name: 'an env name starting with a digit', text: '[[package]]\nname = "a"\nenv = { 1X = "y" }\n', patterns: [/package\[0\]\.env/] },
    { name: 'an env name with a dash', text: '[[package]]\nname = "a"\nenv = { "MY-VAR" = "y" }\n', patterns: [/package\[0\]\.env/] },
    { name: 'an env value that is not a string', text: '[[package]]\nname = "a"\nenv = { A = 1 }\n', patterns: [/package\[0\]\.env\.A/] },
    {
      name: 'ignore_scripts as a string',
      text: '[[package]]\nname = "a"\nignore_scripts = "yes"\n',
      patterns: [/package\[0\]\.ignore_scripts/],
    },
    { name: 'build as a string', text: '[[package]]\nname = "a"\nbuild = "libfoo-dev"\n', patterns: [/package\[0\]\.build/] },
    {
      name: 'every problem at once',
      text: '[[package]]\nname = "a"\nbuild = ["BAD"]\n\n[[package]]\nname = "b"\nextra = 1\n',
      patterns: [/package\[0\]\.build\[0\]/, /package\[1\]/, /extra/],
    },
    { name: 'a TOML syntax error', text: '[[package]]\nname = "a\n', patterns: [] },
    { name: 'a duplicate key', text: '[[package]]\nname = "a"\nname = "b"\n', patterns: [] },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming the file`, () => {
      rejects(c.text, ...c.patterns);
    });
  }
});

describe('loadOverrides', () => {
  it('refuses a table that is a fifo or a device at once (not read forever, not ignored); a missing one is empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bale-overrides-'));
    try {
      await execa('mkfifo', [join(dir, 'npm.toml')]);
      await symlink('/dev/urandom', join(dir, 'pypi.toml'));
      const soon = <T>(p: Promise<T>): Promise<T> =>
        Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('blocked')), 2000).unref())]);
      await assert.rejects(
        soon(loadOverrides('npm', dir)),
        (e: unknown) =>
          isUserError(e) &&
          /npm\.toml: is a fifo, not a regular file; bale reads an override table only from a regular file/.test(e.message),
      );
      await assert.rejects(
        soon(loadOverrides('pypi', dir)),
        (e: unknown) => isUserError(e) && /pypi\.toml: is a character device/.test(e.message),
      );
      assert.equal((await loadOverrides('gem', dir)).size, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads the shipped npm table: at least 20 rows, every one valid', async () => {
    const table = await loadOverrides('npm');
    assert.ok(table.size >= 20, `only ${table.size} rows`);
    // The loader exposes rows by name: read the names from the file to reach every row.
    const raw = parseToml(await readFile(join(packageRoot(), 'overrides', 'npm.toml'), 'utf8')) as { package: { name: string }[] };
    const names = [...new Set(raw.package.map((p) => p.name))];
    const rows = names.flatMap((n) => table.rowsFor(n));
    assert.equal(rows.length, table.size);
    assert.equal(rows.length, raw.package.length);
    for (const r of rows) {
      const where = `row ${r.name}${r.versions !== undefined ? ` ${r.versions}` : ''}`;
      assert.deepEqual(OverrideRowSchema.parse(r), r, where);
      if (r.versions !== undefined) assert.notEqual(semver.validRange(r.versions), null, `${where}: versions is not a semver range`);
      for (const p of r.requires) assert.equal(purlProblem(p), undefined, `${where}: requires ${p}`);
      // A row that says nothing would be dead weight.
      const says =
        r.build.length + r.runtime.length + Object.keys(r.env).length + r.requires.length > 0 || r.ignore_scripts || r.note !== undefined;
      assert.ok(says, `${where} says nothing`);
    }
  });

  it('has real rows for the packages the README names', async () => {
    const table = await loadOverrides('npm');
    for (const name of ['sharp', 'canvas', 'pg-native', 'node-rdkafka']) assert.ok(table.rowsFor(name).length > 0, name);
    assert.ok(table.rowsFor('canvas').some((r) => r.build.includes('libcairo2-dev')));
  });

  it('a missing file is an empty table; a bad one names itself', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bale-overrides-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    assert.equal((await loadOverrides('npm', dir)).size, 0);
    await writeFile(join(dir, 'npm.toml'), '[[package]]\nname = "a"\ncolour = "red"\n');
    await assert.rejects(loadOverrides('npm', dir), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'EOVERRIDE');
      assert.ok(err.message.includes(join(dir, 'npm.toml')), err.message);
      assert.match(err.message, /colour/);
      return true;
    });
    await writeFile(join(dir, 'pypi.toml'), '[[package]]\nname = "numpy"\nbuild = ["gfortran"]\n');
    assert.deepEqual(
      (await loadOverrides('pypi', dir)).rowsFor('numpy').map((r) => r.build),
      [['gfortran']],
    );
  });
});

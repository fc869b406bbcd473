import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aptCache } from '../helpers/apt-cache.js';
import { describe, it } from 'node:test';
import { satisfies, validRange } from '@renovatebot/pep440';
import { isUserError } from '../../src/errors/index.js';
import { loadOverrides, OverrideRowSchema, parseOverrides, type OverrideRow } from '../../src/overrides/table.js';
import { packageRoot } from '../../src/util/package-root.js';

const FILE = join(packageRoot(), 'overrides', 'pypi.toml');

async function shippedRows(): Promise<OverrideRow[]> {
  const table = parseOverrides(await readFile(FILE, 'utf8'), FILE);
  // The table exposes rows by name only: read the names in file order to reach every row.
  const names = [...new Set([...(await readFile(FILE, 'utf8')).matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]!))];
  const rows = names.flatMap((n) => table.rowsFor(n));
  assert.equal(rows.length, table.size, 'every row reached through its name');
  return rows;
}

const where = (r: OverrideRow): string => `row ${r.name}${r.versions !== undefined ? ` ${r.versions}` : ''}`;

describe('overrides/pypi.toml', () => {
  it('loads with the strict loader: at least 40 rows, each one valid', async () => {
    const rows = await shippedRows();
    assert.ok(rows.length >= 40, `only ${rows.length} rows`);
    const loaded = await loadOverrides('pypi');
    assert.equal(loaded.size, rows.length, 'loadOverrides reads the same file');
    for (const r of rows) assert.deepEqual(OverrideRowSchema.parse(r), r, where(r));
  });

  it('names are PEP 503 normal forms, (name, versions) pairs are unique', async () => {
    const rows = await shippedRows();
    const seen = new Set<string>();
    for (const r of rows) {
      assert.equal(r.name, r.name.toLowerCase().replace(/[-_.]+/g, '-'), `${where(r)}: not a PEP 503 normalised name`);
      const key = `${r.name}\0${r.versions ?? ''}`;
      assert.ok(!seen.has(key), `${where(r)} twice`);
      seen.add(key);
    }
  });

  it('every versions is a PEP 440 specifier, and no row is shadowed by an earlier catch-all', async () => {
    const rows = await shippedRows();
    const catchAll = new Set<string>();
    for (const r of rows) {
      assert.ok(!catchAll.has(r.name), `${where(r)} comes after a row for every version of ${r.name}: it can never match`);
      if (r.versions === undefined) catchAll.add(r.name);
      else assert.ok(validRange(r.versions), `${where(r)}: not a PEP 440 specifier`);
    }
  });

  it('the first row whose specifier admits a version is the one that applies', async () => {
    const table = parseOverrides(await readFile(FILE, 'utf8'), FILE);
    const pick = (name: string, version: string): OverrideRow | undefined =>
      table.rowsFor(name).find((r) => r.versions === undefined || satisfies(version, r.versions));
    assert.ok(!pick('cryptography', '3.3.2')!.build.includes('rustc'), 'cryptography before 3.4 needs no Rust');
    assert.ok(pick('cryptography', '3.4.8')!.build.includes('rustc'));
    assert.ok(pick('cryptography', '42.0.8')!.build.includes('cargo'));
    assert.equal(pick('cryptography', '43.0.0')!.versions, '>=43');
    assert.ok(pick('pyzmq', '26.2.0')!.build.includes('cmake'));
    assert.ok(!pick('pyzmq', '25.1.2')!.build.includes('cmake'));
    assert.deepEqual(pick('mysqlclient', '2.2.4')!.build, ['libmariadb-dev', 'pkgconf']);
    assert.equal(pick('mysqlclient', '2.1.1')!.provides?.['mysql_config'], 'libmariadb-dev-compat');
    assert.equal(pick('python-snappy', '0.7.3')!.build.length, 0);
    assert.ok(pick('python-snappy', '0.6.1')!.build.includes('libsnappy-dev'));
    assert.deepEqual(pick('numpy', '2.1.3')!.flags, ['setup-args=-Dblas=openblas', 'setup-args=-Dlapack=openblas']);
    assert.equal(pick('numpy', '1.24.4')!.flags, undefined);
  });

  it('names every Debian package as apt-cache knows it, and none of them transitional or dummy', async () => {
    const rows = await shippedRows();
    const names = [...new Set(rows.flatMap((r) => [...r.build, ...r.runtime, ...Object.values(r.provides ?? {})]))].sort();
    assert.ok(names.length > 50, `only ${names.length} Debian names`);
    const { unknown, transitional } = aptCache(names, 'overrides/pypi.toml');
    const used = (n: string): string =>
      rows
        .filter((r) => r.build.includes(n) || r.runtime.includes(n))
        .map(where)
        .join(', ');
    assert.deepEqual(
      unknown.map((n) => `${n} (${used(n)})`),
      [],
      'Debian packages apt-cache does not know',
    );
    assert.deepEqual(
      transitional.map((n) => `${n} (${used(n)})`),
      [],
      'transitional or dummy Debian packages: name the real one',
    );
  });

  it('every row says where it comes from, and says something', async () => {
    for (const r of await shippedRows()) {
      assert.ok(r.note !== undefined && r.note.trim().length >= 20, `${where(r)}: no note`);
      assert.equal(r.ignore_scripts, false, `${where(r)}: ignore_scripts is an npm notion`);
    }
  });

  it('flags are PEP 517 config settings, provides name commands in build, drop paths are relative', async () => {
    const rows = await shippedRows();
    for (const r of rows) {
      for (const f of r.flags ?? []) assert.match(f, /^[A-Za-z0-9_.-]+=\S.*$/, `${where(r)}: flag ${f} is not KEY=VALUE`);
      for (const [what, pkg] of Object.entries(r.provides ?? {})) {
        assert.ok(r.build.includes(pkg), `${where(r)}: provides ${what} from ${pkg}, which is not in build`);
        assert.doesNotMatch(what, /\//, `${where(r)}: provides ${what} should be a command name`);
      }
      for (const d of r.drop ?? []) assert.match(d, /^[A-Za-z0-9_.*/-]+$/, `${where(r)}: drop ${d}`);
    }
    assert.ok(
      rows.some((r) => (r.flags ?? []).length > 0),
      'some row uses flags',
    );
    assert.ok(
      rows.some((r) => (r.drop ?? []).length > 0),
      'some row uses drop',
    );
    assert.ok(
      rows.some((r) => Object.keys(r.provides ?? {}).length > 0),
      'some row uses provides',
    );
  });

  it('has real rows for the packages issue 3 names, with the libraries the ground truth gives', async () => {
    const table = await loadOverrides('pypi');
    const required = [
      'psycopg2',
      'lxml',
      'pyyaml',
      'cffi',
      'cryptography',
      'pillow',
      'mysqlclient',
      'pyzmq',
      'python-ldap',
      'pyodbc',
      'shapely',
      'confluent-kafka',
      'python-magic',
      'pymssql',
      'pycairo',
    ];
    for (const name of required) assert.ok(table.rowsFor(name).length > 0, name);
    const row = (name: string): OverrideRow => table.rowsFor(name)[0]!;
    assert.deepEqual(row('psycopg2').provides, { pg_config: 'libpq-dev' });
    assert.ok(['libxml2-dev', 'libxslt1-dev', 'zlib1g-dev'].every((p) => row('lxml').build.includes(p)));
    assert.deepEqual(row('lxml').env, { STATIC_DEPS: 'false' });
    assert.deepEqual(row('pyyaml').runtime, ['libyaml-0-2']);
    assert.ok(row('cffi').build.includes('libffi-dev'));
    assert.ok(
      ['libjpeg62-turbo', 'zlib1g', 'libfreetype6', 'libtiff6', 'libwebp7', 'liblcms2-2'].every((p) => row('pillow').runtime.includes(p)),
    );
    assert.ok(row('python-ldap').runtime.includes('libsasl2-2'));
    assert.deepEqual(row('python-magic').build, []);
    assert.deepEqual(row('python-magic').runtime, ['libmagic1']);
    assert.ok(row('pymssql').runtime.includes('libsybdb5'));
    assert.equal(row('shapely').env['GEOS_CONFIG'], '/usr/bin/geos-config');
  });
});

describe('override rows: the optional flags, drop and provides fields', () => {
  const F = '/etc/bale/overrides/pypi.toml';
  function rejects(text: string, ...patterns: RegExp[]): void {
    assert.throws(
      () => parseOverrides(text, F),
      (err: Error & { code?: string }) => {
        assert.ok(isUserError(err));
        assert.equal(err.code, 'EOVERRIDE');
        assert.ok(!err.message.includes('\n'), 'one line');
        for (const p of patterns) assert.match(err.message, p);
        return true;
      },
    );
  }

  it('are absent from a row that does not set them, so older rows read exactly as before', () => {
    const t = parseOverrides('[[package]]\nname = "a"\nbuild = ["libfoo-dev"]\n', F);
    assert.deepEqual(t.rowsFor('a'), [{ name: 'a', build: ['libfoo-dev'], runtime: [], env: {}, requires: [], ignore_scripts: false }]);
  });

  it('are read when set', () => {
    const t = parseOverrides(
      [
        '[[package]]',
        'name = "numpy"',
        'build = ["libopenblas-dev", "pkgconf"]',
        'flags = ["setup-args=-Dblas=openblas", "setup-args=-Dlapack=openblas"]',
        'drop = ["backports/__init__.py", "**/tests/*.py"]',
        'provides = { pkg-config = "pkgconf", "/usr/include/cblas.h" = "libopenblas-dev" }',
      ].join('\n'),
      F,
    );
    const r = t.rowsFor('numpy')[0]!;
    assert.deepEqual(r.flags, ['setup-args=-Dblas=openblas', 'setup-args=-Dlapack=openblas']);
    assert.deepEqual(r.drop, ['backports/__init__.py', '**/tests/*.py']);
    assert.deepEqual(r.provides, { 'pkg-config': 'pkgconf', '/usr/include/cblas.h': 'libopenblas-dev' });
  });

  const bad: { name: string; text: string; patterns: RegExp[] }[] = [
    { name: 'flags as a string', text: 'flags = "--use-system-libraries"', patterns: [/package\[0\]\.flags/] },
    { name: 'an empty flag', text: 'flags = ["--a", ""]', patterns: [/package\[0\]\.flags\[1\]/] },
    { name: 'a flag with a newline', text: 'flags = ["--a\\n--b"]', patterns: [/package\[0\]\.flags\[0\]/] },
    { name: 'an absolute drop path', text: 'drop = ["/usr/lib/x"]', patterns: [/package\[0\]\.drop\[0\]/] },
    { name: 'a drop path leaving the package', text: 'drop = ["ok.py", "a/../../etc/passwd"]', patterns: [/package\[0\]\.drop\[1\]/] },
    { name: 'a drop path with an empty segment', text: 'drop = ["a//b"]', patterns: [/package\[0\]\.drop\[0\]/] },
    { name: 'a drop path with a backslash', text: 'drop = ["a\\\\b"]', patterns: [/package\[0\]\.drop\[0\]/] },
    {
      name: 'a provides value that is not a Debian name',
      text: 'build = ["libpq-dev"]\nprovides = { pg_config = "LibPQ" }',
      patterns: [/package\[0\]\.provides\.pg_config/],
    },
    {
      name: 'a provides key with a space',
      text: 'build = ["libpq-dev"]\nprovides = { "pg config" = "libpq-dev" }',
      patterns: [/package\[0\]\.provides/],
    },
    {
      name: 'a provides package missing from build',
      text: 'build = ["libpq-dev"]\nprovides = { pg_config = "libpq5" }',
      patterns: [/package\[0\]\.provides\.pg_config/, /libpq5 is not in build/],
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming where`, () => {
      rejects(`[[package]]\nname = "a"\n${c.text}\n`, ...c.patterns);
    });
  }
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aptCache } from '../helpers/apt-cache.js';
import { describe, it } from 'node:test';
import { OverrideRowSchema, parseOverrides, type OverrideRow, type OverrideTable } from '../../src/overrides/table.js';
import { packageRoot } from '../../src/util/package-root.js';

const FILE = join(packageRoot(), 'overrides', 'rubygems.toml');

async function shipped(): Promise<{ table: OverrideTable; rows: OverrideRow[] }> {
  const text = await readFile(FILE, 'utf8');
  const table = parseOverrides(text, FILE);
  const names = [...new Set([...text.matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]!))];
  const rows = names.flatMap((n) => table.rowsFor(n));
  assert.equal(rows.length, table.size, 'every row reached through its name');
  return { table, rows };
}

const where = (r: OverrideRow): string => `row ${r.name}${r.versions !== undefined ? ` ${r.versions}` : ''}`;

// Gem::Requirement as written in the table: clauses of an operator and a Gem::Version, joined by ", ".
const GEM_CLAUSE = /^(?:(?:=|!=|>=|<=|>|<|~>)\s*)?\d+(?:\.[0-9A-Za-z]+)*$/;
const isGemRequirement = (s: string): boolean => s.split(',').every((c) => GEM_CLAUSE.test(c.trim()));
// A gem name as RubyGems allows it.
const GEM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Enough of Gem::Version ordering for the numeric versions these tests use. */
function cmp(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
function admits(req: string, v: string): boolean {
  return req.split(',').every((clause) => {
    const m = /^(>=|<=|!=|>|<|=)?\s*(\S+)$/.exec(clause.trim());
    assert.ok(m !== null, `clause ${clause} is beyond this test's matcher`);
    const c = cmp(v, m[2]!);
    switch (m[1] ?? '=') {
      case '>=':
        return c >= 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '<':
        return c < 0;
      case '!=':
        return c !== 0;
      default:
        return c === 0;
    }
  });
}

describe('overrides/rubygems.toml', () => {
  it('loads with the strict loader: at least 25 rows, each one valid', async () => {
    const { rows } = await shipped();
    assert.ok(rows.length >= 25, `only ${rows.length} rows`);
    for (const r of rows) assert.deepEqual(OverrideRowSchema.parse(r), r, where(r));
  });

  it('gem names are valid, (name, versions) pairs unique, versions Gem requirements, no row shadowed by a catch-all', async () => {
    const { rows } = await shipped();
    const seen = new Set<string>();
    const catchAll = new Set<string>();
    for (const r of rows) {
      assert.match(r.name, GEM_NAME, where(r));
      const key = `${r.name}\0${r.versions ?? ''}`;
      assert.ok(!seen.has(key), `${where(r)} twice`);
      seen.add(key);
      assert.ok(!catchAll.has(r.name), `${where(r)} comes after a row for every version of ${r.name}: it can never match`);
      if (r.versions === undefined) catchAll.add(r.name);
      else assert.ok(isGemRequirement(r.versions), `${where(r)}: not a Gem requirement`);
    }
  });

  it('the requirement check itself tells good from bad', () => {
    for (const ok of ['>= 1.5.0', '< 2', '~> 2.0', '= 1.16.0', '!= 1.2.3', '>= 1.0, < 2', '1.2.3', '>= 1.0.0.rc1'])
      assert.ok(isGemRequirement(ok), ok);
    for (const bad of ['', '>=', '^1.0', '>= 1.0 || < 3', '=> 1.0', '>= x', '1.0-beta']) assert.ok(!isGemRequirement(bad), bad);
  });

  it('the first row whose requirement admits a version is the one that applies', async () => {
    const { table } = await shipped();
    const pick = (name: string, v: string): OverrideRow | undefined =>
      table.rowsFor(name).find((r) => r.versions === undefined || admits(r.versions, v));
    assert.deepEqual(pick('sqlite3', '1.7.3')!.flags, ['--enable-system-libraries']);
    assert.equal(pick('sqlite3', '1.4.4')!.flags, undefined);
    assert.deepEqual(pick('re2', '2.4.0')!.flags, ['--enable-system-libraries']);
    assert.equal(pick('re2', '1.6.0')!.flags, undefined);
    assert.deepEqual(pick('psych', '5.1.2')!.build, ['libyaml-dev']);
    assert.deepEqual(pick('psych', '4.0.6')!.build, []);
    assert.ok(pick('commonmarker', '1.0.4')!.build.includes('cargo'));
    assert.deepEqual(pick('commonmarker', '0.23.10')!.build, []);
  });

  it('names every Debian package as apt-cache knows it, and none of them transitional or dummy', async () => {
    const { rows } = await shipped();
    const names = [...new Set(rows.flatMap((r) => [...r.build, ...r.runtime, ...Object.values(r.provides ?? {})]))].sort();
    assert.ok(names.length > 30, `only ${names.length} Debian names`);
    const { unknown, transitional } = aptCache(names, 'overrides/rubygems.toml');
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

  it('every row says where it comes from; flags are extconf options; provides are in build', async () => {
    const { rows } = await shipped();
    for (const r of rows) {
      assert.ok(r.note !== undefined && r.note.trim().length >= 20, `${where(r)}: no note`);
      assert.equal(r.ignore_scripts, false, `${where(r)}: ignore_scripts is an npm notion`);
      assert.equal(r.drop, undefined, `${where(r)}: no gem needs drop yet`);
      for (const f of r.flags ?? []) assert.match(f, /^--[a-z0-9][a-z0-9-]*(=\S+)?$/, `${where(r)}: flag ${f} is not an extconf option`);
      for (const pkg of Object.values(r.provides ?? {})) assert.ok(r.build.includes(pkg), `${where(r)}: ${pkg} not in build`);
    }
  });

  it('has real rows for the gems issue 4 names, with the libraries the ground truth gives', async () => {
    const { table } = await shipped();
    const first = (name: string): OverrideRow => {
      const r = table.rowsFor(name)[0];
      assert.ok(r !== undefined, `no row for ${name}`);
      return r;
    };
    const nokogiri = first('nokogiri');
    assert.deepEqual(nokogiri.flags, ['--use-system-libraries']);
    assert.ok(['libxml2-dev', 'libxslt1-dev', 'zlib1g-dev'].every((p) => nokogiri.build.includes(p)));
    assert.deepEqual(first('pg').provides, { pg_config: 'libpq-dev' });
    assert.ok(['libmariadb-dev', 'zlib1g-dev', 'libssl-dev'].every((p) => first('mysql2').build.includes(p)));
    assert.ok(first('sqlite3').build.includes('libsqlite3-dev'));
    assert.ok(first('ffi').build.includes('libffi-dev'));
    assert.ok(['cmake', 'libssl-dev', 'libssh2-1-dev', 'zlib1g-dev'].every((p) => first('rugged').build.includes(p)));
    assert.ok(first('rmagick').build.includes('libmagickwand-6.q16-dev'));
    assert.deepEqual(first('ruby-vips').build, []);
    assert.deepEqual(first('ruby-vips').runtime, ['libvips42']);
    for (const name of [
      'grpc',
      'mini_racer',
      'puma',
      'eventmachine',
      'nio4r',
      'bcrypt',
      'charlock_holmes',
      'curb',
      'ruby-prof',
      'unf_ext',
      'hiredis',
      're2',
      'sassc',
      'thin',
      'libxml-ruby',
      'mysql',
      'oj',
      'msgpack',
      'json',
      'bootsnap',
      'zlib',
    ]) {
      first(name);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResolvedEdge, ResolvedNode } from '../../../importers/npm/closure.js';
import type { NpmVersion } from '../../../importers/npm/packument.js';
import {
  buildReasons,
  matchOverride,
  NPM_FALLBACK_EPOCH,
  sourceDateEpoch,
  strongestIntegrity,
  toRecipe,
} from '../../../importers/npm/to-recipe.js';
import { parseOverrides, type OverrideRow } from '../../../src/overrides/table.js';
import { checkRecipe, formatRecipe, parseRecipe, type Recipe } from '../../../src/recipe/index.js';
import { sri } from '../../recipe/helpers.js';

function node(name: string, version: string, fields: Partial<NpmVersion> = {}, edges: ResolvedEdge[] = [], time?: string): ResolvedNode {
  const tarball = `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`;
  return { name, version, manifest: { name, version, dist: { tarball }, ...fields }, time, edges };
}

/** One override row with the defaults the table loader fills in. */
function row(toml: string): OverrideRow {
  const rows = parseOverrides(`[[package]]\n${toml}`, 'test.toml').rowsFor(/name = "([^"]+)"/.exec(toml)![1]!);
  assert.equal(rows.length, 1);
  return rows[0]!;
}

/** The recipe must be valid and survive a canonical write and read unchanged. */
function assertValid(recipe: Recipe): Recipe {
  const checked = checkRecipe(recipe, 'generated.toml');
  assert.deepEqual(parseRecipe(formatRecipe(recipe), 'generated.toml'), checked);
  return checked;
}

describe('sourceDateEpoch', () => {
  const cases: { time: string | undefined; want: number }[] = [
    { time: '2024-12-06T17:55:28.000Z', want: 1733507728 },
    { time: '2024-12-06T17:55:28.999Z', want: 1733507728 },
    { time: '2011-03-01T10:00:00+02:00', want: 1298966400 },
    { time: undefined, want: NPM_FALLBACK_EPOCH },
    { time: '', want: NPM_FALLBACK_EPOCH },
    { time: 'yesterday-ish', want: NPM_FALLBACK_EPOCH },
    { time: '1970-01-01T00:00:00.000Z', want: 315532800 },
    { time: '1979-12-31T23:59:59.000Z', want: 315532800 },
    { time: '1980-01-01T00:00:01.000Z', want: 315532801 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.time)} -> ${c.want}`, () => {
      assert.equal(sourceDateEpoch(c.time), c.want);
    });
  }

  it("falls back to npm pack's fixed date, 1985-10-26T08:15:00Z", () => {
    assert.equal(NPM_FALLBACK_EPOCH, Date.parse('1985-10-26T08:15:00Z') / 1000);
  });
});

describe('strongestIntegrity', () => {
  const sha1 = `sha1-${Buffer.alloc(20, 7).toString('base64')}`;
  const cases: { name: string; input: string | undefined; want: string | undefined }[] = [
    { name: 'sha512 alone', input: sri(1), want: sri(1) },
    { name: 'sha512 among sha1 and sha256, in any order', input: `${sha1} ${sri(2, 'sha256')} ${sri(3)}`, want: sri(3) },
    { name: 'sha384 over sha256', input: `${sri(4, 'sha256')} ${sri(5, 'sha384')}`, want: sri(5, 'sha384') },
    { name: 'sha256 over sha1', input: `${sha1} ${sri(6, 'sha256')}`, want: sri(6, 'sha256') },
    { name: 'sha1 only', input: sha1, want: undefined },
    { name: 'missing', input: undefined, want: undefined },
    { name: 'not SRI at all', input: 'garbage', want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(strongestIntegrity(c.input), c.want);
    });
  }
});

describe('matchOverride', () => {
  const table = parseOverrides(
    [
      '[[package]]',
      'name = "sharp"',
      'versions = ">=0.33.0"',
      'build = ["libvips-dev"]',
      'note = "new"',
      '',
      '[[package]]',
      'name = "canvas"',
      'build = ["libcairo2-dev"]',
      '',
      '[[package]]',
      'name = "sharp"',
      'versions = "<0.33.0"',
      'build = ["libvips-dev"]',
      'note = "old"',
      '',
      '[[package]]',
      'name = "sharp"',
      'note = "catch-all"',
      '',
      '[[package]]',
      'name = "pkg"',
      'versions = "1.x"',
      'note = "first"',
      '',
      '[[package]]',
      'name = "pkg"',
      'versions = "^1.2.0"',
      'note = "second"',
    ].join('\n'),
    'overrides.toml',
  );
  const cases: { name: string; version: string; note: string | undefined }[] = [
    { name: 'sharp', version: '0.33.5', note: 'new' },
    { name: 'sharp', version: '0.32.6', note: 'old' },
    { name: 'sharp', version: '0.34.0-rc.1', note: 'new' },
    { name: 'sharp', version: '0.33.0-rc.1', note: 'old' },
    { name: 'pkg', version: '1.2.3', note: 'first' },
    { name: 'pkg', version: '2.0.0', note: undefined },
    { name: 'not-listed', version: '1.0.0', note: undefined },
  ];
  for (const c of cases) {
    it(`${c.name}@${c.version} -> ${c.note ?? 'no row'}`, () => {
      assert.equal(matchOverride(table, c.name, c.version)?.note, c.note);
    });
  }

  it('a row without versions admits every version', () => {
    const r = matchOverride(table, 'canvas', '0.0.1-alpha');
    assert.deepEqual(r?.build, ['libcairo2-dev']);
  });
});

describe('buildReasons', () => {
  const cases: { name: string; m: Partial<NpmVersion>; want: string[] }[] = [
    { name: 'nothing to run', m: {}, want: [] },
    { name: 'gypfile', m: { gypfile: true }, want: ['binding.gyp'] },
    { name: 'gypfile false', m: { gypfile: false }, want: [] },
    { name: 'hasInstallScript', m: { hasInstallScript: true }, want: ['install-script'] },
    { name: 'both', m: { gypfile: true, hasInstallScript: true }, want: ['binding.gyp', 'install-script'] },
    { name: 'scripts.install in full metadata', m: { scripts: { install: 'node-gyp rebuild' } }, want: ['install-script'] },
    { name: 'scripts.preinstall', m: { scripts: { preinstall: 'node check.js' } }, want: ['install-script'] },
    { name: 'scripts.postinstall', m: { scripts: { postinstall: 'node banner.js' } }, want: ['install-script'] },
    {
      name: 'gypfile and a script, one reason each',
      m: { gypfile: true, hasInstallScript: true, scripts: { install: 'x', postinstall: 'y' } },
      want: ['binding.gyp', 'install-script'],
    },
    { name: 'other scripts only', m: { scripts: { test: 'node test.js', prepare: 'tsc', prepublishOnly: 'x' } }, want: [] },
    { name: 'an empty install script', m: { scripts: { install: '' } }, want: [] },
    { name: 'a script that is not a string', m: { scripts: { postinstall: 42, install: null } }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(buildReasons(node('pkg', '1.0.0', c.m)), c.want);
    });
  }
});

describe('toRecipe', () => {
  const edges: ResolvedEdge[] = [
    { as: 'ms', name: 'ms', version: '2.1.3', kind: 'runtime' },
    { as: 'string-width-cjs', name: 'string-width', version: '4.2.3', kind: 'runtime' },
    { as: '@types/node', name: '@types/node', version: '20.11.0', kind: 'peer' },
    { as: 'fsevents', name: 'fsevents', version: '2.3.3', kind: 'optional' },
  ];

  it('a pure package: source, dependencies (aliases keep their name), no native tables', () => {
    const n = node('debug', '4.3.7', { engines: { node: '>=6.0' } }, edges, '2024-09-06T00:52:41.702Z');
    const recipe = toRecipe(n, sri(9), undefined);
    assert.deepEqual(recipe, {
      format: 1,
      purl: 'pkg:npm/debug@4.3.7',
      source_date_epoch: 1725583961,
      source: [{ url: 'https://registry.npmjs.org/debug/-/debug-4.3.7.tgz', integrity: sri(9), kind: 'npm-tarball' }],
      dependency: [
        { name: 'ms', purl: 'pkg:npm/ms@2.1.3', kind: 'runtime' },
        { name: 'string-width-cjs', purl: 'pkg:npm/string-width@4.2.3', kind: 'runtime' },
        { name: '@types/node', purl: 'pkg:npm/%40types/node@20.11.0', kind: 'peer' },
        { name: 'fsevents', purl: 'pkg:npm/fsevents@2.3.3', kind: 'optional' },
      ],
      build: { native: false, reasons: [], requires: [], interpreters: [], engines: '>=6.0' },
    });
    assertValid(recipe);
  });

  it('a scoped package gets an encoded purl', () => {
    const recipe = toRecipe(node('@types/node', '20.11.0'), sri(1), undefined);
    assert.equal(recipe.purl, 'pkg:npm/%40types/node@20.11.0');
    assert.equal(recipe.source_date_epoch, NPM_FALLBACK_EPOCH);
    assertValid(recipe);
  });

  it('a package with install scripts is native, with its reasons', () => {
    const recipe = toRecipe(node('bcrypt', '5.1.1', { gypfile: true, hasInstallScript: true }), sri(2), undefined);
    assert.equal(recipe.build.native, true);
    assert.deepEqual(recipe.build.reasons, ['binding.gyp', 'install-script']);
    assertValid(recipe);
  });

  it('ignore_scripts builds it as pure but keeps the reasons', () => {
    const o = row('name = "core-js"\nignore_scripts = true');
    const recipe = toRecipe(node('core-js', '3.38.1', { hasInstallScript: true }), sri(3), o);
    assert.equal(recipe.build.native, false);
    assert.deepEqual(recipe.build.reasons, ['install-script']);
    assert.equal(Object.hasOwn(recipe.build, 'env'), false);
    assert.equal(Object.hasOwn(recipe, 'native'), false);
    assertValid(recipe);
  });

  it('an override row brings its env, native packages and requires', () => {
    const o = row(
      [
        'name = "node-rdkafka"',
        'build = ["librdkafka-dev", "libssl-dev"]',
        'runtime = ["librdkafka1"]',
        'env = { BUILD_LIBRDKAFKA = "0" }',
        'requires = ["pkg:npm/node-gyp@12.4.0"]',
      ].join('\n'),
    );
    const recipe = toRecipe(node('node-rdkafka', '3.2.1', { gypfile: true }), sri(4), o);
    assert.equal(recipe.build.native, true);
    assert.deepEqual(recipe.build.env, { BUILD_LIBRDKAFKA: '0' });
    assert.deepEqual(recipe.build.requires, ['pkg:npm/node-gyp@12.4.0']);
    assert.deepEqual(recipe.native, { build: ['librdkafka-dev', 'libssl-dev'], runtime: ['librdkafka1'] });
    const checked = assertValid(recipe);
    assert.deepEqual(checked.native, recipe.native);
    assert.deepEqual(checked.build.env, recipe.build.env);
  });

  const tables: { name: string; toml: string; env: boolean; native: unknown }[] = [
    { name: 'a row with only a note', toml: 'name = "x"\nnote = "bundles its library"', env: false, native: undefined },
    { name: 'only runtime packages', toml: 'name = "x"\nruntime = ["libpq5"]', env: false, native: { build: [], runtime: ['libpq5'] } },
    { name: 'only build packages', toml: 'name = "x"\nbuild = ["libpq-dev"]', env: false, native: { build: ['libpq-dev'], runtime: [] } },
    { name: 'only env', toml: 'name = "x"\nenv = { A = "" }', env: true, native: undefined },
  ];
  for (const c of tables) {
    it(`env and native tables only when non-empty: ${c.name}`, () => {
      const recipe = toRecipe(node('x', '1.0.0', { gypfile: true }), sri(5), row(c.toml));
      assert.equal(Object.hasOwn(recipe.build, 'env'), c.env);
      assert.equal(Object.hasOwn(recipe, 'native'), c.native !== undefined);
      assert.deepEqual(recipe.native, c.native);
      assertValid(recipe);
    });
  }

  const engines: { name: string; engines: Record<string, unknown> | undefined; want: string | undefined }[] = [
    { name: 'a range', engines: { node: '>= 0.10.0' }, want: '>= 0.10.0' },
    { name: 'trimmed', engines: { node: '  >=18 ' }, want: '>=18' },
    { name: 'empty', engines: { node: '' }, want: undefined },
    { name: 'blank', engines: { node: '   ' }, want: undefined },
    { name: 'an array (old manifests)', engines: { node: ['>=0.4'] }, want: undefined },
    { name: 'an object', engines: { node: { min: 4 } }, want: undefined },
    { name: 'another engine only', engines: { npm: '>=7' }, want: undefined },
    { name: 'none', engines: undefined, want: undefined },
  ];
  for (const c of engines) {
    it(`engines only when a non-empty string: ${c.name}`, () => {
      const recipe = toRecipe(node('x', '1.0.0', c.engines === undefined ? {} : { engines: c.engines }), sri(6), undefined);
      assert.equal(Object.hasOwn(recipe.build, 'engines'), c.want !== undefined);
      assert.equal(recipe.build.engines, c.want);
      assertValid(recipe);
    });
  }
});

/** who-uses ranges and queries: the parser, matching in each ecosystem's order, counts, and the refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ECOSYSTEM_DESCRIPTORS } from '../../../src/ecosystems/index.js';
import { isUsageError } from '../../../src/errors/index.js';
import { orderOfUses, usesQuery } from '../../../src/image/registry/uses-query.js';
import { inRange, isRange, parseRange, sortVersions } from '../../../src/image/registry/version-range.js';
import { countByVersion, type Use } from '../../../src/image/registry/who-uses.js';

const npmOrder = () => ECOSYSTEM_DESCRIPTORS.npm.versionOrder();

describe('parseRange', () => {
  it('reads every operator, comma-joined intersections and spaces around them', () => {
    assert.deepEqual(parseRange('<4.17.21', 'x'), [{ op: '<', version: '4.17.21' }]);
    assert.deepEqual(parseRange('>=1.0.0, <2.0.0', 'x'), [
      { op: '>=', version: '1.0.0' },
      { op: '<', version: '2.0.0' },
    ]);
    for (const op of ['<', '<=', '>', '>=', '='] as const) assert.deepEqual(parseRange(`${op} 1.2.3`, 'x'), [{ op, version: '1.2.3' }]);
  });

  it('refuses malformed ranges with one line naming the input and the accepted forms', () => {
    for (const bad of ['<', '<<1.0.0', '=>1.0.0', '>=1.0.0,', ',<2', '>=1 <2', '1.0.0,2.0.0', '>=1.0.0,,<2.0.0']) {
      assert.throws(
        () => parseRange(bad, `pkg:npm/lodash@${bad}`),
        (err: unknown) => {
          assert.ok(isUsageError(err), String(err));
          const message = (err as Error).message;
          assert.ok(message.startsWith(`pkg:npm/lodash@${bad}: "${bad}" is not a version range`), message);
          assert.match(message, /comparisons <, <=, >, >=, = joined by commas/);
          assert.ok(!message.includes('\n'));
          return true;
        },
        bad,
      );
    }
  });

  it('tells a range from one version', () => {
    assert.equal(isRange('<1'), true);
    assert.equal(isRange('=1.0.0'), true);
    assert.equal(isRange('1.0.0,2'), true);
    assert.equal(isRange('1.0.0'), false);
    assert.equal(isRange('1:2.0-1'), false);
  });
});

describe('inRange and sortVersions: the ecosystem order, not the strings', () => {
  it('npm: 1.10.0 is above 1.9.0, a prerelease below its release, an unorderable version in no range', async () => {
    const order = await npmOrder();
    assert.equal(inRange('1.10.0', parseRange('>1.9.0', 'x'), order), true);
    assert.equal(inRange('1.9.0', parseRange('>=1.10.0', 'x'), order), false);
    assert.equal(inRange('2.1.0-beta.1', parseRange('>=2.0.0,<2.1.0', 'x'), order), true);
    assert.equal(inRange('2.1.0', parseRange('>=2.0.0,<2.1.0', 'x'), order), false);
    assert.equal(inRange('2.0.0', parseRange('<=2.0.0,>=2.0.0', 'x'), order), true);
    assert.equal(inRange('not-a-version', parseRange('>0.0.0', 'x'), order), false);
    assert.deepEqual(sortVersions(['1.10.0', 'zzz', '1.9.0', '2.0.0-rc.1', '2.0.0'], order), [
      '1.9.0',
      '1.10.0',
      '2.0.0-rc.1',
      '2.0.0',
      'zzz',
    ]);
  });

  it('pypi: = compares as PEP 440 does (1.0 equals 1.0.0)', async () => {
    const order = await ECOSYSTEM_DESCRIPTORS.pypi.versionOrder();
    assert.equal(inRange('1.0', parseRange('=1.0.0', 'x'), order), true);
    assert.equal(inRange('1.0rc1', parseRange('<1.0', 'x'), order), true);
  });

  it('deb: epochs and tildes in dpkg order', async () => {
    const order = await ECOSYSTEM_DESCRIPTORS.deb.versionOrder();
    assert.equal(inRange('1:0.1', parseRange('>9.0', 'x'), order), true);
    assert.equal(inRange('1.0~rc1', parseRange('<1.0', 'x'), order), true);
  });
});

describe('usesQuery', () => {
  const layer = (purl: string, name = 'node-x', version = purl.slice(purl.lastIndexOf('@') + 1)) => ({ purl, name, version });

  it('an exact purl matches the canonical purl, as before ranges', async () => {
    const q = await usesQuery('pkg:pypi/Foo_Bar@1.0');
    assert.equal(q.match(layer('pkg:pypi/foo-bar@1.0')), true);
    assert.equal(q.match(layer('pkg:pypi/foo-bar@1.0.0')), false);
    assert.equal(q.match({ name: 'py3.11-foo-bar', version: '1.0' }), false);
  });

  it('a range matches the same package in range; no version matches every version', async () => {
    const q = await usesQuery('pkg:npm/lodash@>=4.0.0,<4.17.21');
    assert.equal(q.match(layer('pkg:npm/lodash@4.17.20')), true);
    assert.equal(q.match(layer('pkg:npm/lodash@4.17.21')), false);
    assert.equal(q.match(layer('pkg:npm/lodash-es@4.17.20')), false);
    assert.equal(q.match(layer('pkg:generic/lodash@4.17.20')), false);
    const any = await usesQuery('pkg:npm/lodash');
    assert.equal(any.match(layer('pkg:npm/lodash@0.1.0')), true);
    assert.equal(any.match(layer('pkg:npm/lodashx@0.1.0')), false);
  });

  it('a package name, with or without a version', async () => {
    assert.equal((await usesQuery('node-debug')).match({ name: 'node-debug', version: '2.6.9' }), true);
    assert.equal((await usesQuery('node-debug@2.6.9')).match({ name: 'node-debug', version: '2.6.8' }), false);
  });

  it("refuses npm's range syntax, a bound the ecosystem cannot order, and a malformed range", async () => {
    for (const [input, why] of [
      ['pkg:npm/lodash@^4.17.0', /"\^4\.17\.0" is not a version range bale reads here/],
      ['pkg:npm/lodash@~4.17.0', /is not a version range bale reads here/],
      ['pkg:npm/lodash@<latest', /"latest" is not a npm version/],
      ['pkg:npm/lodash@<=1.0.0,', /is not a version range \(an empty comparison\)/],
    ] as const) {
      await assert.rejects(usesQuery(input), (err: unknown) => {
        assert.ok(isUsageError(err), String(err));
        assert.ok((err as Error).message.startsWith(`${input}: `), (err as Error).message);
        assert.match((err as Error).message, why);
        return true;
      });
    }
  });
});

describe('countByVersion', () => {
  it('counts images, not layers (a package and its -bin count once), in the ecosystem order', async () => {
    const use = (image: string, pkg: string, version: string): Use => ({ image, digest: 'sha256:0', package: pkg, version });
    const uses = [
      use('r/a:1', 'node-debug', '2.6.9'),
      use('r/a:1', 'node-debug-bin', '2.6.9'),
      use('r/b:1', 'node-debug', '2.6.9'),
      use('r/c:1', 'node-debug', '10.0.0'),
      use('r/d:1', 'node-debug', '4.3.4'),
    ];
    assert.deepEqual(countByVersion(uses, await npmOrder()), [
      { version: '2.6.9', images: 2 },
      { version: '4.3.4', images: 1 },
      { version: '10.0.0', images: 1 },
    ]);
  });
});

describe('orderOfUses', () => {
  it("a package name's uses are counted in the order of their purls' ecosystem; mixed or none: by text", async () => {
    const use = (version: string, purl?: string): Use => ({
      image: `r/${version}:1`,
      digest: 'sha256:0',
      package: 'node-x',
      version,
      ...(purl ? { purl } : {}),
    });
    const npmUses = [use('1.10.0', 'pkg:npm/x@1.10.0'), use('1.9.0', 'pkg:npm/x@1.9.0')];
    assert.deepEqual(
      countByVersion(npmUses, await orderOfUses(npmUses)).map((c) => c.version),
      ['1.9.0', '1.10.0'],
    );
    assert.equal(await orderOfUses([use('1.9.0')]), undefined);
    assert.equal(await orderOfUses([use('1.9.0', 'pkg:npm/x@1.9.0'), use('1.9.0', 'pkg:gem/x@1.9.0')]), undefined);
    assert.deepEqual(
      countByVersion([use('1.10.0'), use('1.9.0')]).map((c) => c.version),
      ['1.10.0', '1.9.0'],
    );
  });
});

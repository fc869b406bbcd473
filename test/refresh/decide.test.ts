/**
 * The refresh decision, pure: each policy relative to the pinned version, the root's range as a
 * bound, pre-releases, yanked and deprecated versions passed over and named, and each ecosystem's
 * own idea of major/minor/patch (semver, PEP 440, Gem::Version, dpkg).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { upstreamVersions as debVersions } from '../../importers/debian/upstream.js';
import { upstreamVersions as npmVersions } from '../../importers/npm/upstream.js';
import { upstreamVersions as pypiVersions } from '../../importers/pypi/upstream.js';
import { upstreamVersions as gemVersions } from '../../importers/rubygems/upstream.js';
import type { UpstreamListing, UpstreamVersion } from '../../importers/upstream.js';
import { decide, POLICIES, type Policy } from '../../src/refresh/decide.js';

const listing = (versions: (string | UpstreamVersion)[], latest?: string): UpstreamListing => ({
  versions: versions.map((v) => (typeof v === 'string' ? { version: v } : v)),
  latest,
  tags: latest === undefined ? {} : { latest },
});

describe('decide (npm semver)', () => {
  const npm = npmVersions();
  const up = listing(['1.0.0', '1.0.1', '1.0.2', '1.1.0', '1.2.0-beta.1', '2.0.0', '3.0.0-rc.1'], '2.0.0');
  const table: [Policy, string | undefined, string | undefined][] = [
    ['patch', undefined, '1.0.2'],
    ['minor', undefined, '1.1.0'],
    ['major', undefined, '2.0.0'],
    ['latest', undefined, '2.0.0'],
    // The root's range bounds every policy.
    ['major', '^1.0.0', '1.1.0'],
    ['latest', '^1.0.0', undefined],
    ['minor', '~1.0.0', '1.0.2'],
    ['patch', '1.0.0', undefined],
  ];
  for (const [policy, range, to] of table) {
    test(`--policy ${policy}, range ${range ?? '(none)'}: ${to ?? 'stays'}`, () => {
      assert.equal(decide('1.0.0', range, up, policy, npm).to, to);
    });
  }
  test('the update is named by what moved, and what the policy held back is named', () => {
    const d = decide('1.0.0', undefined, up, 'minor', npm);
    assert.equal(d.update, 'minor');
    assert.equal(d.heldBack, '2.0.0');
    assert.equal(decide('1.0.0', undefined, up, 'major', npm).heldBack, undefined);
  });
  test('a pre-release is taken only by a root already on one', () => {
    assert.equal(decide('1.2.0-beta.0', undefined, listing(['1.2.0-beta.0', '1.2.0-beta.1']), 'patch', npm).to, '1.2.0-beta.1');
    assert.equal(decide('1.1.0', undefined, listing(['1.1.0', '1.2.0-beta.1']), 'minor', npm).to, undefined);
  });
  test('deprecated and yanked versions are passed over and named; the newest usable one is taken', () => {
    const d = decide(
      '1.0.0',
      undefined,
      listing(['1.0.0', '1.0.1', { version: '1.0.2', deprecated: 'broken' }, { version: '1.0.3', yanked: 'oops' }]),
      'patch',
      npm,
    );
    assert.equal(d.to, '1.0.1');
    assert.deepEqual(d.skipped, [
      { version: '1.0.3', why: 'yanked', detail: 'oops' },
      { version: '1.0.2', why: 'deprecated', detail: 'broken' },
    ]);
  });
  test('a deprecated latest is not taken', () => {
    const d = decide('1.0.0', undefined, listing(['1.0.0', { version: '1.1.0', deprecated: '' }], '1.1.0'), 'latest', npm);
    assert.equal(d.to, undefined);
    assert.deepEqual(d.skipped, [{ version: '1.1.0', why: 'deprecated', detail: '' }]);
  });
  test('a pinned version gone upstream is named; nothing older is ever chosen', () => {
    const d = decide('1.0.5', undefined, listing(['1.0.0', '1.0.4']), 'major', npm);
    assert.equal(d.pinnedWithdrawn, 'gone');
    assert.equal(d.to, undefined);
  });
  test('a tag range follows the tag', () => {
    const l: UpstreamListing = {
      versions: listing(['1.0.0', '1.1.0', '2.0.0-next.1']).versions,
      latest: '1.1.0',
      tags: { next: '2.0.0-next.1' },
    };
    assert.equal(npm.inRange('2.0.0-next.1', 'next', l), true);
    assert.equal(npm.inRange('1.1.0', 'next', l), false);
  });
  test('every policy is decided', () => assert.deepEqual([...POLICIES], ['patch', 'minor', 'major', 'latest']));
});

describe('decide (PEP 440, Gem::Version, dpkg)', () => {
  test('PyPI: epochs are major, post releases patch, a yanked release named, latest is the newest final release', () => {
    const py = pypiVersions();
    assert.equal(py.kind('1.0', '1!1.0'), 'major');
    assert.equal(py.kind('1.0', '1.0.post1'), 'patch');
    assert.equal(py.kind('1.0', '1.1'), 'minor');
    const l = listing(['1.0', '1.0.1', '1.1rc1', { version: '1.2', yanked: '' }]);
    const d = decide('1.0', undefined, l, 'latest', py);
    assert.equal(d.to, '1.0.1');
    assert.deepEqual(decide('1.0', '>=1.0,<1.2', l, 'minor', py).skipped, []);
    assert.equal(py.inRange('1.0.1', '1.0.1', l), true);
  });
  test('RubyGems: segments as Gem::Version counts them; ~> bounds', () => {
    const gem = gemVersions();
    assert.equal(gem.kind('1.2.0', '1.2.0.1'), 'patch');
    assert.equal(gem.kind('1.2.0', '1.3'), 'minor');
    assert.equal(decide('1.2.0', '~> 1.2', listing(['1.2.0', '1.3.0', '1.4.0.rc1', '2.0.0']), 'major', gem).to, '1.3.0');
  });
  test('Debian: a revision or security update is patch; an epoch is major; latest is apt candidate', () => {
    const deb = debVersions();
    assert.equal(deb.kind('1:1.2.13.dfsg-1', '1:1.2.13.dfsg-1+deb12u1'), 'patch');
    assert.equal(deb.kind('2.36-9', '2.37-1'), 'minor');
    assert.equal(deb.kind('1.0-1', '1:1.0-1'), 'major');
    const l = listing(['1:1.2.13.dfsg-1', '1:1.2.13.dfsg-1+deb12u1', '1:1.3-1'], '1:1.2.13.dfsg-1+deb12u1');
    assert.equal(decide('1:1.2.13.dfsg-1', undefined, l, 'latest', deb).to, '1:1.2.13.dfsg-1+deb12u1');
    assert.equal(decide('1:1.2.13.dfsg-1', undefined, l, 'minor', deb).to, '1:1.3-1');
  });
});

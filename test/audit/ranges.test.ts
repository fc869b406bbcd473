/**
 * OSV range evaluation, event kind by event kind, against the schema's own examples
 * (https://ossf.github.io/osv-schema/#evaluation), in SemVer order and in an ecosystem's own order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateRange, SEMVER_ORDER } from '../../src/audit/ranges.js';
import type { EventKind, OsvRange } from '../../src/audit/osv-schema.js';
import { ecosystem } from '../../src/ecosystems/index.js';

const range = (type: OsvRange['type'], ...events: [EventKind, string][]): OsvRange => ({
  type,
  events: events.map(([kind, version]) => ({ kind, version })),
});
const semverIn = (r: OsvRange, v: string) => evaluateRange(r, v, SEMVER_ORDER);

describe('OSV ranges', () => {
  test('introduced "0" alone: every version is affected, no fix', () => {
    const r = range('SEMVER', ['introduced', '0']);
    for (const v of ['0.0.0', '1.0.0', '99.0.0-rc.1']) assert.deepEqual(semverIn(r, v), { affected: true, fixed: undefined });
  });

  test('fixed is exclusive: the fixed version and above are not affected', () => {
    const r = range('SEMVER', ['introduced', '0'], ['fixed', '4.17.21']);
    assert.deepEqual(semverIn(r, '4.17.20'), { affected: true, fixed: '4.17.21' });
    assert.equal(semverIn(r, '4.17.21').affected, false);
    assert.equal(semverIn(r, '4.18.0').affected, false);
    // A prerelease of the fix sorts before it.
    assert.equal(semverIn(r, '4.17.21-rc.1').affected, true);
  });

  test('introduced is inclusive: below it is not affected', () => {
    const r = range('SEMVER', ['introduced', '3.7.0'], ['fixed', '4.17.19']);
    assert.equal(semverIn(r, '3.6.9').affected, false);
    assert.equal(semverIn(r, '3.7.0').affected, true);
  });

  test('last_affected is inclusive, and names no fix', () => {
    const r = range('SEMVER', ['introduced', '0'], ['last_affected', '2.0.1']);
    assert.deepEqual(semverIn(r, '2.0.1'), { affected: true, fixed: undefined });
    assert.equal(semverIn(r, '2.0.2').affected, false);
  });

  test('several intervals in one range; events out of order are sorted first', () => {
    const r = range('SEMVER', ['fixed', '5.0.0'], ['introduced', '5.0.0-alpha.1'], ['fixed', '4.20.0'], ['introduced', '0']);
    assert.deepEqual(semverIn(r, '4.19.2'), { affected: true, fixed: '4.20.0' });
    assert.equal(semverIn(r, '4.21.1').affected, false);
    assert.deepEqual(semverIn(r, '5.0.0-beta.3'), { affected: true, fixed: '5.0.0' });
    assert.equal(semverIn(r, '5.0.0').affected, false);
  });

  test('limit: only versions below one of the limits can be affected; "*" is infinity', () => {
    const r = range('SEMVER', ['introduced', '1.0.0'], ['limit', '1.5.0'], ['limit', '3.0.0']);
    assert.equal(semverIn(r, '1.4.0').affected, true);
    assert.equal(semverIn(r, '2.9.9').affected, true); // below the second limit
    assert.equal(semverIn(r, '3.0.0').affected, false);
    const open = range('SEMVER', ['introduced', '1.0.0'], ['limit', '*']);
    assert.equal(semverIn(open, '100.0.0').affected, true);
  });

  test('introduced and fixed at the same version: nothing is affected there', () => {
    const r = range('SEMVER', ['fixed', '1.0.0'], ['introduced', '1.0.0']);
    assert.equal(semverIn(r, '1.0.0').affected, false);
  });

  test("ECOSYSTEM ranges in the ecosystem's own order: Gem::Version, PEP 440, dpkg", async () => {
    const gem = await ecosystem('gem').versionOrder();
    const rack = range('ECOSYSTEM', ['introduced', '2.2.0'], ['fixed', '2.2.8.1'], ['introduced', '3.0.0'], ['fixed', '3.0.9.1']);
    assert.deepEqual(evaluateRange(rack, '2.2.8', gem), { affected: true, fixed: '2.2.8.1' });
    assert.equal(evaluateRange(rack, '2.2.8.1', gem).affected, false);
    assert.equal(evaluateRange(rack, '3.0.10', gem).affected, false); // 3.0.10 > 3.0.9.1 numerically, not by text
    assert.equal(evaluateRange(rack, '3.0.0.beta1', gem).affected, false); // a gem prerelease sorts before 3.0.0
    const pep = await ecosystem('pypi').versionOrder();
    const requests = range('ECOSYSTEM', ['introduced', '0'], ['fixed', '2.32.0']);
    assert.equal(evaluateRange(requests, '2.31.0', pep).affected, true);
    assert.equal(evaluateRange(requests, '2.32.0rc1', pep).affected, true); // PEP 440: rc before the release
    assert.equal(evaluateRange(requests, '2.32.0.post1', pep).affected, false);
    const deb = await ecosystem('deb').versionOrder();
    const zlib = range('ECOSYSTEM', ['introduced', '0'], ['fixed', '1:1.2.13.dfsg-1']);
    assert.equal(evaluateRange(zlib, '1:1.2.12.dfsg-1', deb).affected, true);
    assert.equal(evaluateRange(zlib, '1:1.2.13.dfsg-1', deb).affected, false);
    assert.equal(evaluateRange(zlib, '1.3.1', deb).affected, true); // no epoch: epoch 0 sorts before 1:
    assert.equal(evaluateRange(zlib, '1:1.2.13~rc1-1', deb).affected, true); // ~ sorts before anything
  });
});

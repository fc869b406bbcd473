import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparePackages, compareVersions } from '../../src/store/order.js';

describe('compareVersions', () => {
  const ascending: [string, string][] = [
    ['1.9.0', '1.10.0'],
    ['2.0', '10.0'],
    ['1.0', '1.0.1'],
    ['1.0', '1.0.post1'],
    ['1.0a1', '1.0b1'],
    ['1.1', '1.01'], // equal numbers: the shorter spelling first, so the order stays total
    ['99999999999999999999', '100000000000000000000'], // beyond Number precision
  ];
  for (const [a, b] of ascending) {
    it(`${a} < ${b}`, () => {
      assert.ok(compareVersions(a, b) < 0);
      assert.ok(compareVersions(b, a) > 0);
    });
  }
  it('is 0 only for equal strings', () => assert.equal(compareVersions('3.1.4', '3.1.4'), 0));
});

describe('comparePackages', () => {
  it('orders by name (bytewise), then version, then hash', () => {
    const p = (name: string, version: string, sha256 = 'a') => ({ name, version, sha256 });
    const sorted = [p('b', '1'), p('a', '1.10'), p('a', '1.9', 'b'), p('B', '9'), p('a', '1.9', 'a')].sort(comparePackages);
    assert.deepEqual(sorted, [p('B', '9'), p('a', '1.9', 'a'), p('a', '1.9', 'b'), p('a', '1.10'), p('b', '1')]);
  });
});

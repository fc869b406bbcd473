/** Pure tests of SRI parsing, computing and verifying. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseIntegrity, sriOf, verifyIntegrity } from '../../src/fetch/index.js';

const DATA = Buffer.from('hello bale');

test('sriOf matches node:crypto for both algorithms', () => {
  for (const algorithm of ['sha256', 'sha512'] as const) {
    assert.equal(sriOf(DATA, algorithm), `${algorithm}-${createHash(algorithm).update(DATA).digest('base64')}`);
  }
});

test('parseIntegrity yields the hex digest of the strongest algorithm', () => {
  const both = `${sriOf(DATA, 'sha256')} ${sriOf(DATA, 'sha512')}?opt`;
  assert.deepEqual(parseIntegrity(both, 'x'), [
    { algorithm: 'sha512', hex: createHash('sha512').update(DATA).digest('hex'), sri: sriOf(DATA, 'sha512') },
  ]);
});

test('verifyIntegrity accepts the right bytes and names what, expected and actual otherwise', () => {
  verifyIntegrity(DATA, sriOf(DATA, 'sha256'), 'x');
  const other = Buffer.from('hello bale!');
  assert.throws(
    () => verifyIntegrity(other, sriOf(DATA, 'sha256'), 'pkg:npm/x@1'),
    (err: Error & { code?: string }) => {
      assert.equal(err.name, 'IntegrityError');
      assert.equal(err.code, 'EINTEGRITY');
      assert.ok(err.message.startsWith('pkg:npm/x@1: '));
      assert.ok(err.message.includes(sriOf(DATA, 'sha256')));
      assert.ok(err.message.includes(sriOf(other, 'sha256')));
      assert.ok(!err.message.includes('\n'));
      return true;
    },
  );
});

test('malformed integrity strings are UserErrors, not IntegrityErrors', () => {
  const cases = [
    'garbage',
    'sha512-!!!!',
    `sha384-${Buffer.alloc(48).toString('base64')}`, // valid SRI, but not an algorithm we pin with
    `sha256-${Buffer.alloc(31).toString('base64')}`, // wrong digest length
    `sha256 -${Buffer.alloc(32).toString('base64')}`,
  ];
  for (const integrity of cases) {
    assert.throws(
      () => verifyIntegrity(DATA, integrity, 'x'),
      (err: Error & { code?: string }) => {
        assert.equal(err.name, 'UserError', integrity);
        assert.equal(err.code, 'EBADINTEGRITY');
        return true;
      },
    );
  }
});

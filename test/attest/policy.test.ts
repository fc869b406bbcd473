/** The N-of-M policy, fed with real signed envelopes checked against a trust list. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertPolicy,
  attestBuild,
  checkAttestation,
  evaluatePolicy,
  type AttestationCheck,
  type BuildClaim,
  type Envelope,
  type PolicyResult,
} from '../../src/attest/index.js';
import { keyIdHex, type PublicKey } from '../../src/sign/index.js';
import { assertUserError, claim, type KeyPair, keyPair, sha256, withPayload } from './helpers.js';

const a = keyPair();
const b = keyPair();
const c = keyPair();
const stranger = keyPair();
const id = (k: KeyPair): string => keyIdHex(k.pub);

const pkg = claim();
const trusted: PublicKey[] = [a.pub, b.pub, c.pub];

function decide(envs: Envelope[], require: number, trust: PublicKey[] = trusted): PolicyResult {
  const checks: AttestationCheck[] = envs.map((e, i) => checkAttestation(e, trust, `envelope ${i}`));
  return evaluatePolicy({ buildKey: pkg.buildKey, sha256: pkg.sha256, require, trusted: trust, checks });
}

const by = (k: KeyPair, over: Partial<BuildClaim> = {}): Envelope => attestBuild({ ...pkg, ...over }, k.sec);

describe('policy', () => {
  it('2 of 2: passes, naming who agreed', () => {
    const r = decide([by(a), by(b)], 2);
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(r.agreed, [id(a), id(b)].sort());
    assert.deepEqual([r.disagreed, r.otherBuildKey, r.untrusted, r.forged, r.trustedKeys], [[], 0, [], [], 3]);
    assert.equal(r.reason, `2 trusted builders attest sha256 ${pkg.sha256} (${[id(a), id(b)].sort().join(', ')}), 2 required`);
  });

  it('1 of 2: fails, saying how many and who', () => {
    const r = decide([by(a)], 2);
    assert.equal(r.ok, false);
    assert.deepEqual(r.agreed, [id(a)]);
    assert.equal(r.reason, `only 1 trusted builder attests sha256 ${pkg.sha256} (${id(a)}), 2 required`);
    assert.equal(decide([by(a)], 1).ok, true);
    assert.equal(decide([], 1).reason, `no trusted builder attests sha256 ${pkg.sha256}, 1 required`);
  });

  it('one key attesting twice counts once', () => {
    const r = decide([by(a), by(a, { startedOn: '2024-12-01T00:00:00Z' })], 2);
    assert.equal(r.ok, false);
    assert.deepEqual(r.agreed, [id(a)]);
  });

  it('builders that disagree fail it, naming both builders and both digests, whatever the count', () => {
    const other = sha256('a different archive');
    const r = decide([by(a), by(b), by(c, { sha256: other })], 2);
    assert.equal(r.ok, false);
    assert.deepEqual(r.disagreed, [{ keyId: id(c), sha256: other }]);
    assert.ok(r.reason.startsWith('builders disagree: '), r.reason);
    for (const part of [`${id(a)} attests ${pkg.sha256}`, `${id(b)} attests ${pkg.sha256}`, `${id(c)} attests ${other}`]) {
      assert.ok(r.reason.includes(part), `${r.reason} should say ${part}`);
    }
  });

  it('a package whose bytes no builder attests: fails, naming what they attest instead', () => {
    const replaced = sha256('bytes swapped in the registry');
    const checks = [by(a), by(b)].map((e) => checkAttestation(e, trusted, 'e'));
    const r = evaluatePolicy({ buildKey: pkg.buildKey, sha256: replaced, require: 1, trusted, checks });
    assert.equal(r.ok, false);
    const sides = [id(a), id(b)].sort().map((k) => `${k} attests ${pkg.sha256}`);
    assert.equal(r.reason, `builders disagree: the package is ${replaced}, ${sides.join(', ')} (build key ${pkg.buildKey})`);
  });

  it('attestations for another build key are ignored, and counted in the explanation', () => {
    const r = decide([by(a), by(b, { buildKey: sha256('another build'), sha256: sha256('another archive') })], 2);
    assert.equal(r.ok, false);
    assert.deepEqual([r.agreed, r.disagreed, r.otherBuildKey], [[id(a)], [], 1]);
    assert.ok(r.reason.endsWith('; ignored: 1 for another build key'), r.reason);
  });

  it('the subject digest of another file (a valid attestation moved to this package): fails', () => {
    // A trusted, well-formed statement, but for other bytes of the same build: a disagreement.
    const moved = by(a, { sha256: sha256('the other file'), packageFile: 'other.tar.gz' });
    const r = decide([moved], 1);
    assert.equal(r.ok, false);
    assert.deepEqual(r.agreed, []);
    assert.match(r.reason, /^builders disagree: the package is /);
    // And for another build key: ignored, so nothing attests this package.
    const r2 = decide([by(a, { buildKey: sha256('other key'), sha256: sha256('the other file') })], 1);
    assert.deepEqual([r2.ok, r2.otherBuildKey], [false, 1]);
  });

  it('untrusted keys never count, even when they agree', () => {
    const r = decide([by(a), by(stranger)], 2);
    assert.equal(r.ok, false);
    assert.deepEqual([r.agreed, r.untrusted], [[id(a)], [id(stranger)]]);
    assert.ok(r.reason.endsWith('; ignored: 1 by untrusted keys'), r.reason);
    // An untrusted key that disagrees does not fail it either.
    assert.equal(decide([by(a), by(stranger, { sha256: sha256('x') })], 1).ok, true);
  });

  it('attestations checked against a wider trust list do not count under a narrower one', () => {
    const checks = [by(a), by(b)].map((e) => checkAttestation(e, trusted, 'e'));
    const r = evaluatePolicy({ buildKey: pkg.buildKey, sha256: pkg.sha256, require: 2, trusted: [a.pub], checks });
    assert.deepEqual([r.ok, r.agreed, r.untrusted], [false, [id(a)], [id(b)]]);
  });

  it("forged signatures never count: edited payload, and a trusted key id over a stranger's signature", () => {
    const good = by(b);
    const edited = withPayload(good, { lie: true });
    const stolenId: Envelope = { ...by(stranger), signatures: [{ keyid: id(b), sig: by(stranger).signatures[0]!.sig }] };
    const r = decide([by(a), edited, stolenId], 2);
    assert.equal(r.ok, false);
    assert.deepEqual([r.agreed, r.forged], [[id(a)], [id(b)]]);
    assert.ok(r.reason.endsWith('; ignored: 1 with forged signatures'), r.reason);
    assert.equal(decide([by(a), edited, good], 2).ok, true);
  });

  it('require must be a whole number of at least 1', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) assert.throws(() => decide([by(a)], n), RangeError);
  });

  it('assertPolicy throws EPOLICY in one line naming the package, and is silent on a pass', () => {
    assertPolicy(decide([by(a), by(b)], 2), 'node-express');
    assertUserError(() => assertPolicy(decide([by(a)], 2), 'node-express'), 'EPOLICY', 'node-express: only 1 trusted builder');
  });
});

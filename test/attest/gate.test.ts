/** The policy over a set of packages: verdicts, the one refusal line (worst first), and the listing of one envelope. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attestBuild,
  describeEnvelope,
  judgePackage,
  POLICY_ERROR,
  policyFailure,
  type BuildClaim,
  type FoundEnvelope,
  type PackageEvidence,
} from '../../src/attest/index.js';
import { keyIdHex, type PublicKey } from '../../src/sign/index.js';
import { claim, type KeyPair, keyPair, withPayload } from './helpers.js';

const a = keyPair();
const b = keyPair();
const stranger = keyPair();
const trusted: PublicKey[] = [a.pub, b.pub];
const id = (k: KeyPair): string => keyIdHex(k.pub);
const pkg = claim();

const found = (k: KeyPair, over: Partial<BuildClaim> = {}): FoundEnvelope => ({
  source: `by ${id(k)}`,
  envelope: attestBuild({ ...pkg, ...over }, k.sec),
});

function evidence(label: string, envelopes: FoundEnvelope[], over: Partial<PackageEvidence> = {}): PackageEvidence {
  return { label, sha256: pkg.sha256, buildKey: pkg.buildKey, envelopes, ...over };
}

describe('judgePackage', () => {
  it('counts trusted agreeing builders; unreadable envelopes count as nothing', () => {
    const v = judgePackage(evidence('node-ms 2.1.2', [found(a), { source: 'junk', error: 'not JSON' }, found(b)]), trusted, 2);
    assert.equal(v.result.ok, true, v.result.reason);
    assert.deepEqual(v.result.agreed, [id(a), id(b)].sort());
  });

  it('a package without a build key fails whoever attests it', () => {
    const v = judgePackage(evidence('base-libc6 2.36', [found(a), found(b)], { buildKey: undefined }), trusted, 1);
    assert.equal(v.result.ok, false);
    assert.match(v.result.reason, /no build description/);
    assert.equal(v.result.trustedKeys, 2);
  });
});

describe('policyFailure', () => {
  it('undefined when every package passes', () => {
    assert.equal(policyFailure('app.image.toml', [judgePackage(evidence('x 1', [found(a)]), trusted, 1)]), undefined);
  });

  it('one line: a disagreement before a shortfall, and how many more fail', () => {
    const short = judgePackage(evidence('node-a 1.0.0', [found(a)]), trusted, 2);
    const disagree = judgePackage(evidence('node-b 1.0.0', [found(a), found(b, { sha256: 'f'.repeat(64) })]), trusted, 2);
    const fine = judgePackage(evidence('node-c 1.0.0', [found(a), found(b)]), trusted, 2);
    const err = policyFailure('oci://h/bale/app:1', [short, fine, disagree]);
    assert.ok(err !== undefined);
    assert.equal(err.code, POLICY_ERROR);
    assert.ok(!err.message.includes('\n'));
    assert.ok(err.message.startsWith('oci://h/bale/app:1: node-b 1.0.0: builders disagree: '), err.message);
    assert.ok(err.message.includes(`${id(b)} attests ${'f'.repeat(64)}`), err.message);
    assert.ok(err.message.endsWith(' (1 more package fails)'), err.message);
    const two = policyFailure('f', [short, short, short]);
    assert.ok(two?.message.endsWith(' (2 more packages fail)'), two?.message);
    assert.ok(policyFailure('f', [short])?.message.endsWith('2 required'));
  });
});

describe('describeEnvelope', () => {
  const of = (f: FoundEnvelope) => describeEnvelope(f, trusted, { sha256: pkg.sha256, buildKey: pkg.buildKey });

  it('relates each claim to the package: agrees, disagrees, other build key', () => {
    assert.equal(of(found(a)).relation, 'agrees');
    assert.equal(of(found(a, { sha256: 'e'.repeat(64) })).relation, 'disagrees');
    assert.equal(of(found(a, { buildKey: 'd'.repeat(64) })).relation, 'other build key');
  });

  it('says who signed and how: verified, forged (edited payload), untrusted; the claim is read but never vouched for', () => {
    const env = attestBuild(pkg, a.sec);
    const edited = withPayload(env, { edited: true });
    const forged = of({ source: 'edited', envelope: edited });
    assert.deepEqual(forged.signatures, [{ keyid: id(a), status: 'forged' }]);
    assert.equal(forged.relation, 'unreadable');
    const untrusted = of(found(stranger));
    assert.deepEqual(untrusted.signatures, [{ keyid: id(stranger), status: 'untrusted' }]);
    assert.equal(untrusted.claim?.sha256, pkg.sha256);
    assert.deepEqual(of(found(b)).signatures, [{ keyid: id(b), status: 'verified' }]);
    assert.deepEqual(of({ source: 'junk', error: 'not JSON' }), {
      source: 'junk',
      signatures: [],
      claim: undefined,
      relation: 'unreadable',
      error: 'not JSON',
    });
  });
});

/** The in-toto Statement + SLSA Provenance: what is written, what is read back, what is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attestBuild,
  BALE_BUILD_TYPE,
  buildStatement,
  builderIdFor,
  checkAttestation,
  IN_TOTO_PAYLOAD_TYPE,
  readStatement,
  signEnvelope,
  statementBytes,
} from '../../src/attest/index.js';
import { keyIdHex } from '../../src/sign/index.js';
import { assertUserError, claim, keyPair, payloadJson, sha256 } from './helpers.js';

const BUILDER = 'bale:key:0011223344556677';

type Obj = Record<string, unknown>;

/** The object at `path` inside `root` (test data, where the path exists). */
function at(root: Obj, ...path: (string | number)[]): Obj {
  let o: unknown = root;
  for (const k of path) o = (o as Obj)[k];
  return o as Obj;
}

const deps = (s: Obj, i: number): Obj => at(s, 'predicate', 'buildDefinition', 'resolvedDependencies', i);
const ext = (s: Obj): Obj => at(s, 'predicate', 'buildDefinition', 'externalParameters');

/** A deep copy of the statement for `claim()`, edited by `f`. */
function edited(f: (s: Obj) => void): Buffer {
  const s = JSON.parse(statementBytes(claim(), BUILDER).toString()) as Obj;
  f(s);
  return Buffer.from(JSON.stringify(s));
}

describe('buildStatement', () => {
  it('writes the in-toto and SLSA fields where the specs put them', () => {
    const c = claim({ invocationId: 'job-42' });
    const s = JSON.parse(statementBytes(c, BUILDER).toString());
    assert.equal(s._type, 'https://in-toto.io/Statement/v1');
    assert.deepEqual(s.subject, [{ name: c.packageFile, digest: { sha256: c.sha256 } }]);
    assert.equal(s.predicateType, 'https://slsa.dev/provenance/v1');
    const bd = s.predicate.buildDefinition;
    assert.equal(bd.buildType, BALE_BUILD_TYPE);
    assert.deepEqual(bd.externalParameters, {
      recipe: { purl: 'pkg:npm/express@4.21.2', digest: { sha256: c.recipe.digest } },
      target: { kind: 'node', version: '22.12.0' },
      buildKey: c.buildKey,
    });
    assert.deepEqual(bd.internalParameters, { baleVersion: '0.1.0' });
    // The SRI pin becomes a hex DigestSet, as in-toto's DigestSet requires.
    const sriHex = Buffer.from(c.sources[0]!.integrity.slice('sha512-'.length), 'base64').toString('hex');
    assert.deepEqual(bd.resolvedDependencies, [
      { uri: c.sources[0]!.uri, digest: { sha512: sriHex } },
      { name: c.inputs[0]!.name, digest: { sha256: c.inputs[0]!.sha256 }, annotations: { bale_buildKey: c.inputs[0]!.buildKey } },
      { name: 'pkg:npm/ms@2.0.0', digest: { sha256: c.inputs[1]!.sha256 }, annotations: { bale_buildKey: c.inputs[1]!.buildKey } },
    ]);
    assert.deepEqual(s.predicate.runDetails, {
      builder: { id: BUILDER },
      metadata: { invocationId: 'job-42', startedOn: c.startedOn, finishedOn: c.finishedOn },
    });
  });

  it('gives equal bytes for equal claims, whatever order the caller built the claim object in', () => {
    const c = claim();
    const shuffled = Object.fromEntries(Object.entries(c).reverse()) as typeof c;
    assert.ok(statementBytes(c, BUILDER).equals(statementBytes(shuffled, BUILDER)));
  });

  it('refuses a claim it could not read back (a bug in the caller), as a RangeError', () => {
    assert.throws(() => buildStatement(claim({ sha256: 'ABC' }), BUILDER), RangeError);
    assert.throws(() => buildStatement(claim({ startedOn: '2025-01-31 12:00' }), BUILDER), RangeError);
    assert.throws(() => buildStatement(claim({ sources: [{ uri: 'https://x/y.tgz', integrity: 'md5-abc' }] }), BUILDER), RangeError);
    assert.throws(() => buildStatement(claim(), 'https://example.com/builder'), RangeError);
  });
});

describe('readStatement', () => {
  it('returns the claim and builder exactly as written, sources and inputs apart', () => {
    for (const c of [claim(), claim({ target: null, inputs: [], invocationId: 'x' }), claim({ sources: [] })]) {
      assert.deepEqual(readStatement(statementBytes(c, BUILDER), 's'), { claim: c, builderId: BUILDER });
    }
  });

  it('reads sha256 and sha384 source pins back to the same SRI strings', () => {
    const c = claim({
      sources: [
        { uri: 'https://files.pythonhosted.org/a.tar.gz', integrity: `sha256-${Buffer.alloc(32, 9).toString('base64')}` },
        { uri: 'file:///srv/b.tgz', integrity: `sha384-${Buffer.alloc(48, 200).toString('base64')}` },
      ],
    });
    assert.deepEqual(readStatement(statementBytes(c, BUILDER), 's').claim.sources, c.sources);
  });

  it('ignores unknown fields outside externalParameters, as the parsing rules ask; null target = absent', () => {
    const got = readStatement(
      edited((s) => {
        s.extra = 1;
        at(s, 'predicate', 'runDetails').byproducts = [];
        ext(s).target = null;
        at(s, 'subject', 0, 'digest').sha512 = 'ab'.repeat(64);
      }),
      's',
    );
    assert.equal(got.claim.target, null);
    const absent = readStatement(
      edited((s) => delete ext(s).target),
      's',
    );
    assert.equal(absent.claim.target, null);
  });

  const refusals: [string, (s: Obj) => void, string][] = [
    ['another statement type', (s) => (s._type = 'https://in-toto.io/Statement/v0.1'), '_type'],
    ['another predicate type', (s) => (s.predicateType = 'https://slsa.dev/provenance/v0.2'), 'predicateType'],
    ['another build type', (s) => (at(s, 'predicate', 'buildDefinition').buildType = 'https://example.com/build'), 'buildType'],
    ['two subjects', (s) => (s.subject as unknown[]).push(at(s, 'subject', 0)), 'exactly one subject'],
    ['no subject', (s) => (s.subject = []), 'exactly one subject'],
    ['an uppercase subject digest', (s) => (at(s, 'subject', 0, 'digest').sha256 = 'AB'.repeat(32)), 'subject.0.digest.sha256'],
    ['a subject without sha256', (s) => (at(s, 'subject', 0).digest = { sha512: 'ab'.repeat(64) }), 'subject.0.digest.sha256'],
    ['a subject name with a slash', (s) => (at(s, 'subject', 0).name = '../x.tar.gz'), 'subject.0.name'],
    ['an unknown external parameter', (s) => (ext(s).env = {}), 'externalParameters'],
    ['a bad build key', (s) => (ext(s).buildKey = 'xyz'), 'buildKey'],
    ['a recipe without purl', (s) => delete at(ext(s), 'recipe').purl, 'recipe.purl'],
    ['a target without version', (s) => delete at(ext(s), 'target').version, 'target.version'],
    ['no bale version', (s) => (at(s, 'predicate', 'buildDefinition').internalParameters = {}), 'baleVersion'],
    ['a timestamp not in UTC', (s) => (at(s, 'predicate', 'runDetails', 'metadata').startedOn = '2025-01-31T12:00:00+01:00'), 'startedOn'],
    ['a foreign builder id', (s) => (at(s, 'predicate', 'runDetails', 'builder').id = 'https://github.com/actions/runner'), 'builder.id'],
    ['a source digest in md5', (s) => (deps(s, 0).digest = { md5: 'ab'.repeat(16) }), 'md5'],
    ['a source without uri', (s) => delete deps(s, 0).uri, 'resolvedDependencies.0'],
    ['an input without name', (s) => delete deps(s, 1).name, 'resolvedDependencies.1'],
    ['an input with a short digest', (s) => (at(deps(s, 1), 'digest').sha256 = 'abcd'), 'resolvedDependencies.1.digest'],
    ['an input with a bad build key', (s) => (at(deps(s, 1), 'annotations').bale_buildKey = 7), 'bale_buildKey'],
  ];
  for (const [name, f, needle] of refusals) {
    it(`refuses ${name}, in one line naming the input`, () => {
      assertUserError(() => readStatement(edited(f), 'pkg.intoto.jsonl:2'), 'EATTEST', 'pkg.intoto.jsonl:2', needle);
    });
  }

  it('refuses what is not JSON or not an object', () => {
    assertUserError(() => readStatement(Buffer.from('{"_type"'), 'p'), 'EATTEST', 'invalid JSON');
    assertUserError(() => readStatement(Buffer.from('"x"'), 'p'), 'EATTEST', 'not a bale build attestation');
  });
});

describe('checkAttestation', () => {
  const a = keyPair();
  const stranger = keyPair();

  it("returns the trusted signer's claim", () => {
    const c = claim();
    const got = checkAttestation(attestBuild(c, a.sec), [a.pub], 'e');
    assert.deepEqual(got, {
      source: 'e',
      attestations: [
        {
          keyId: keyIdHex(a.pub),
          builderId: builderIdFor(keyIdHex(a.pub)),
          buildKey: c.buildKey,
          sha256: c.sha256,
          subjectName: c.packageFile,
          claim: c,
        },
      ],
      forged: [],
      untrusted: [],
    });
  });

  it('parses nothing that no trusted key signed', () => {
    const junk = signEnvelope(Buffer.from('not even JSON'), 'text/plain', stranger.sec);
    assert.deepEqual(checkAttestation(junk, [a.pub], 'e'), {
      source: 'e',
      attestations: [],
      forged: [],
      untrusted: [keyIdHex(stranger.pub)],
    });
    const forged = { ...junk, signatures: [{ keyid: keyIdHex(a.pub), sig: junk.signatures[0]!.sig }] };
    assert.deepEqual(checkAttestation(forged, [a.pub], 'e').forged, [keyIdHex(a.pub)]);
  });

  it('refuses a trusted signature over another payload type or a malformed statement', () => {
    const bytes = statementBytes(claim(), builderIdFor(keyIdHex(a.pub)));
    assertUserError(
      () => checkAttestation(signEnvelope(bytes, 'application/json', a.sec), [a.pub], 'e'),
      'EATTEST',
      'payloadType',
      keyIdHex(a.pub),
    );
    assertUserError(() => checkAttestation(signEnvelope(Buffer.from('{}'), IN_TOTO_PAYLOAD_TYPE, a.sec), [a.pub], 'e'), 'EATTEST', '_type');
  });

  it("refuses a statement that names another builder than its signer (a signer can't attest for someone else)", () => {
    const other = statementBytes(claim(), builderIdFor(keyIdHex(stranger.pub)));
    assertUserError(() => checkAttestation(signEnvelope(other, IN_TOTO_PAYLOAD_TYPE, a.sec), [a.pub], 'e'), 'EATTEST', 'names builder');
  });

  it("keeps the subject as signed: a statement for another file is that file's attestation", () => {
    const env = attestBuild(claim({ sha256: sha256('another file') }), a.sec);
    assert.ok(Array.isArray(payloadJson(env)['subject']));
    assert.equal(checkAttestation(env, [a.pub], 'e').attestations[0]!.sha256, sha256('another file'));
  });
});

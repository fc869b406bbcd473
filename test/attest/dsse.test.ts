/** DSSE v1: PAE bytes, base64 rules, signing, and every forgery reported as what it is. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeDsseBase64,
  formatEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  signEnvelope,
  verifyEnvelope,
  type Envelope,
} from '../../src/attest/index.js';
import { ed25519Sign } from '../../src/sign/ed25519.js';
import { keyIdHex } from '../../src/sign/index.js';
import { assertUserError, keyPair } from './helpers.js';

describe('PAE', () => {
  it('matches the DSSE protocol test vector byte for byte', () => {
    const got = pae('http://example.com/HelloWorld', Buffer.from('hello world'));
    assert.equal(got.toString('latin1'), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters, and keeps binary bodies as they are', () => {
    const body = Buffer.from([0x00, 0xff, 0x20, 0x0a]);
    const got = pae('application/vnd.é+json', body);
    const expected = Buffer.concat([Buffer.from('DSSEv1 23 application/vnd.\xc3\xa9+json 4 ', 'latin1'), body]);
    assert.deepEqual(got, expected);
  });

  it('writes lengths without leading zeros, and an empty body as 0', () => {
    assert.equal(pae('t', Buffer.alloc(0)).toString('latin1'), 'DSSEv1 1 t 0 ');
    assert.equal(pae('x'.repeat(100), Buffer.alloc(10, 0x61)).toString('latin1'), `DSSEv1 100 ${'x'.repeat(100)} 10 ${'a'.repeat(10)}`);
  });
});

describe('DSSE base64', () => {
  it('accepts standard and URL-safe, padded or not', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
    assert.deepEqual(decodeDsseBase64('+/+/AQ=='), bytes);
    assert.deepEqual(decodeDsseBase64('-_-_AQ=='), bytes);
    assert.deepEqual(decodeDsseBase64('-_-_AQ'), bytes);
    assert.deepEqual(decodeDsseBase64('aGVsbG8gd29ybGQ='), Buffer.from('hello world'));
    assert.deepEqual(decodeDsseBase64(''), Buffer.alloc(0));
  });

  it('refuses mixed alphabets, stray characters, bad padding and set trailing bits', () => {
    for (const bad of ['+/-_AQ==', 'aGVs bG8=', 'aGVsbG8\n', 'QQ=', 'QUI==', 'QUJD=', 'Q', 'QR==', 'aGVsbG8gd29ybGQ=x', '=QQ=']) {
      assert.equal(decodeDsseBase64(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('sign and verify', () => {
  const a = keyPair();
  const b = keyPair();
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');

  it('round-trips, with keyid = the minisign key id and a 64-byte signature over the PAE', () => {
    const env = signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, a.sec);
    assert.equal(env.payloadType, IN_TOTO_PAYLOAD_TYPE);
    assert.deepEqual(Buffer.from(env.payload, 'base64'), payload);
    assert.equal(env.signatures.length, 1);
    assert.equal(env.signatures[0]!.keyid, keyIdHex(a.pub));
    assert.match(env.signatures[0]!.keyid, /^[0-9A-F]{16}$/);
    assert.deepEqual(Buffer.from(env.signatures[0]!.sig, 'base64'), ed25519Sign(a.sec.seed, pae(IN_TOTO_PAYLOAD_TYPE, payload)));
    const v = verifyEnvelope(parseEnvelope(formatEnvelope(env), 'env'), [b.pub, a.pub]);
    assert.deepEqual(v.verified, [keyIdHex(a.pub)]);
    assert.deepEqual(v.forged, []);
    assert.deepEqual(v.untrusted, []);
    assert.deepEqual(v.payload, payload);
  });

  it('counts each trusted key once and reports each signature', () => {
    const one = signEnvelope(payload, 'text/x', a.sec);
    const two = signEnvelope(payload, 'text/x', b.sec);
    const env: Envelope = { ...one, signatures: [...one.signatures, ...two.signatures, ...one.signatures] };
    const v = verifyEnvelope(env, [a.pub, b.pub]);
    assert.deepEqual(v.verified, [keyIdHex(a.pub), keyIdHex(b.pub)].sort());
    assert.deepEqual(
      v.signatures.map((s) => s.status),
      ['verified', 'verified', 'verified'],
    );
  });

  it('tries every trusted key when a signature has no keyid', () => {
    const env = signEnvelope(payload, 'text/x', b.sec);
    const bare = parseEnvelope(
      JSON.stringify({ payloadType: env.payloadType, payload: env.payload, signatures: [{ sig: env.signatures[0]!.sig }] }),
      'env',
    );
    assert.equal(bare.signatures[0]!.keyid, '');
    assert.deepEqual(verifyEnvelope(bare, [a.pub, b.pub]).verified, [keyIdHex(b.pub)]);
    const v = verifyEnvelope(bare, [a.pub]);
    assert.deepEqual([v.verified, v.forged, v.untrusted], [[], [], ['']]);
  });

  it('accepts a URL-safe, unpadded envelope written by another signer', () => {
    const env = signEnvelope(Buffer.from('??>>??'), 'text/x', a.sec);
    const url = (s: string): string => Buffer.from(s, 'base64').toString('base64url');
    const other = {
      payloadType: 'text/x',
      payload: url(env.payload),
      signatures: [{ keyid: env.signatures[0]!.keyid, sig: url(env.signatures[0]!.sig) }],
    };
    assert.match(other.payload, /[-_]/);
    assert.deepEqual(verifyEnvelope(parseEnvelope(JSON.stringify(other), 'e'), [a.pub]).verified, [keyIdHex(a.pub)]);
  });
});

describe('forgeries', () => {
  const a = keyPair();
  const b = keyPair();
  const stranger = keyPair();
  const payload = Buffer.from('{"subject":"the real one"}');
  const good = signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, a.sec);
  const trusted = [a.pub, b.pub];

  const verdict = (env: Envelope): [string[], string[], string[]] => {
    const v = verifyEnvelope(env, trusted);
    return [v.verified, v.forged, v.untrusted];
  };

  it('the untouched envelope verifies (the cases below differ only in what they change)', () => {
    assert.deepEqual(verdict(good), [[keyIdHex(a.pub)], [], []]);
  });

  it('a key not on the trust list: untrusted, never verified', () => {
    const env = signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, stranger.sec);
    assert.deepEqual(verdict(env), [[], [], [keyIdHex(stranger.pub)]]);
  });

  it('an edited payload: forged', () => {
    const edited = Buffer.from(payload.toString().replace('real', 'fake'));
    assert.deepEqual(verdict({ ...good, payload: edited.toString('base64') }), [[], [keyIdHex(a.pub)], []]);
  });

  it('a changed payloadType: forged (the type is inside the signed bytes)', () => {
    assert.deepEqual(verdict({ ...good, payloadType: 'application/vnd.in-toto.provenance+json' }), [[], [keyIdHex(a.pub)], []]);
  });

  it("a trusted key's id over another key's signature: forged, even when that other key is trusted too", () => {
    for (const signer of [stranger, b]) {
      const sig = signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, signer.sec).signatures[0]!.sig;
      const env: Envelope = { ...good, signatures: [{ keyid: keyIdHex(a.pub), sig }] };
      assert.deepEqual(verdict(env), [[], [keyIdHex(a.pub)], []]);
    }
  });

  it('a signature of the wrong length or all zeros: forged', () => {
    for (const sig of [Buffer.alloc(63, 1), Buffer.alloc(64)]) {
      assert.deepEqual(verdict({ ...good, signatures: [{ keyid: keyIdHex(a.pub), sig: sig.toString('base64') }] }), [
        [],
        [keyIdHex(a.pub)],
        [],
      ]);
    }
  });

  it('two trusted keys sharing an id: the one that verifies counts', () => {
    const twin = { ...b.pub, keyId: Buffer.from(a.pub.keyId) };
    assert.deepEqual(verifyEnvelope(good, [twin, a.pub]).verified, [keyIdHex(a.pub)]);
    assert.deepEqual(verifyEnvelope(good, [twin]).forged, [keyIdHex(a.pub)]);
  });
});

describe('malformed envelopes', () => {
  const env = signEnvelope(Buffer.from('x'), 'text/x', keyPair().sec);
  const sig = env.signatures[0]!;
  const cases: [string, string, string[]][] = [
    ['not JSON', '{"payloadType":', ['invalid JSON']],
    ['an array', '[]', ['not a DSSE envelope']],
    ['payloadType missing', JSON.stringify({ payload: env.payload, signatures: env.signatures }), ['payloadType']],
    ['payloadType a number', JSON.stringify({ ...env, payloadType: 7 }), ['payloadType']],
    ['payloadType empty', JSON.stringify({ ...env, payloadType: '' }), ['payloadType']],
    ['payloadType with a lone surrogate', JSON.stringify({ ...env, payloadType: 'a\ud800' }), ['payloadType', 'surrogate']],
    ['payload not base64', JSON.stringify({ ...env, payload: 'not base64!' }), ['payload', 'base64']],
    ['payload non-canonical', JSON.stringify({ ...env, payload: 'eR==' }), ['payload', 'base64']],
    ['no signatures', JSON.stringify({ ...env, signatures: [] }), ['signatures', 'at least one']],
    ['signatures an object', JSON.stringify({ ...env, signatures: sig }), ['signatures']],
    ['sig missing', JSON.stringify({ ...env, signatures: [{ keyid: sig.keyid }] }), ['signatures.0.sig']],
    ['sig not base64', JSON.stringify({ ...env, signatures: [{ keyid: sig.keyid, sig: '%%%' }] }), ['signatures.0.sig', 'base64']],
    ['keyid a number', JSON.stringify({ ...env, signatures: [{ keyid: 5, sig: sig.sig }] }), ['signatures.0.keyid']],
  ];
  for (const [name, text, needles] of cases) {
    it(`refuses ${name} with one line naming the input`, () => {
      assertUserError(() => parseEnvelope(text, 'pkg.tar.gz.intoto.jsonl:3'), 'EATTEST', 'pkg.tar.gz.intoto.jsonl:3', ...needles);
    });
  }

  it('ignores unknown fields and keeps a well-formed envelope intact', () => {
    const got = parseEnvelope(JSON.stringify({ ...env, extra: 1, signatures: [{ ...sig, extension: {} }] }), 'e');
    assert.deepEqual(got, env);
  });
});

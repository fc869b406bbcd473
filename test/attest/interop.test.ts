/**
 * An independent DSSE implementation checks bale's envelopes: a Python script computes the PAE
 * itself from the DSSE spec and verifies with Debian's python3-cryptography (OpenSSL's Ed25519),
 * the public key read from the minisign .pub file. And the other way round: an envelope Python
 * signs verifies with bale.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  attestBuild,
  checkAttestation,
  formatEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  parseEnvelope,
  statementBytes,
  verifyEnvelope,
  type Envelope,
} from '../../src/attest/index.js';
import { formatPublicKey, keyIdHex, type PublicKey } from '../../src/sign/index.js';
import { claim, keyPair, tempDir } from './helpers.js';
import { python, VERIFY_PY } from './python-dsse.js';

/** Sign a payload with a fresh Ed25519 key; print the raw public key (hex) and the envelope JSON. */
const SIGN_PY = String.raw`
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
payload_type, body, keyid = sys.argv[1], open(sys.argv[2], 'rb').read(), sys.argv[3]
t = payload_type.encode('utf-8')
pae = b'DSSEv1 %d %s %d %s' % (len(t), t, len(body), body)
k = Ed25519PrivateKey.generate()
sig = k.sign(pae)
print(k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex())
print(json.dumps({'payload': base64.urlsafe_b64encode(body).decode().rstrip('='), 'payloadType': payload_type,
                  'signatures': [{'keyid': keyid, 'sig': base64.b64encode(sig).decode()}]}))
`;

describe('independent DSSE check (python3-cryptography)', () => {
  it("verifies bale's envelope with a PAE it computes itself, and rejects it once edited", async (t) => {
    const dir = await tempDir(t);
    const { pub, sec } = keyPair();
    const c = claim();
    const env = attestBuild(c, sec);
    await writeFile(join(dir, 'b.pub'), formatPublicKey(pub));
    await writeFile(join(dir, 'env.json'), formatEnvelope(env));
    const ok = await python(VERIFY_PY, [join(dir, 'env.json'), join(dir, 'b.pub')]);
    assert.equal(ok.out, `OK ${keyIdHex(pub)} ${IN_TOTO_PAYLOAD_TYPE} https://in-toto.io/Statement/v1 ${c.sha256}`);
    assert.equal(ok.code, 0);

    // The same script must be able to say no: another subject under the old signature, or another type.
    const edited: Envelope = {
      ...env,
      payload: statementBytes({ ...c, sha256: 'f'.repeat(64) }, `bale:key:${keyIdHex(pub)}`).toString('base64'),
    };
    await writeFile(join(dir, 'edited.json'), formatEnvelope(edited));
    const bad = await python(VERIFY_PY, [join(dir, 'edited.json'), join(dir, 'b.pub')]);
    assert.deepEqual([bad.code, bad.out], [1, 'BAD SIGNATURE']);
    await writeFile(join(dir, 'retyped.json'), formatEnvelope({ ...env, payloadType: 'application/json' }));
    assert.deepEqual(await python(VERIFY_PY, [join(dir, 'retyped.json'), join(dir, 'b.pub')]), { code: 1, out: 'BAD SIGNATURE' });
  });

  it('an envelope signed by Python (URL-safe, unpadded payload) verifies with bale, and only with its key', async (t) => {
    const dir = await tempDir(t);
    const { pub } = keyPair();
    // A statement bale would write, signed by Python's key under a made-up id.
    const body = statementBytes(claim(), `bale:key:${keyIdHex(pub)}`);
    await writeFile(join(dir, 'body.json'), body);
    const keyid = '0123456789ABCDEF';
    const r = await python(SIGN_PY, [IN_TOTO_PAYLOAD_TYPE, join(dir, 'body.json'), keyid]);
    assert.equal(r.code, 0, r.out);
    const [hexKey, json] = r.out.split('\n');
    const pyKey: PublicKey = { keyId: Buffer.from(keyid, 'hex').reverse(), key: Buffer.from(hexKey!, 'hex') };
    assert.equal(keyIdHex(pyKey), keyid);
    const env = parseEnvelope(json!, 'python');
    assert.deepEqual(verifyEnvelope(env, [pub, pyKey]).verified, [keyid]);
    assert.deepEqual(verifyEnvelope(env, [pub]).untrusted, [keyid]);
    // Verified, but the statement names bale's key as its builder: not an attestation by Python's key.
    assert.throws(() => checkAttestation(env, [pyKey], 'python'), /names builder bale:key:/);
    assert.ok((await readFile(join(dir, 'body.json'))).equals(body));
  });
});

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
import { execa } from 'execa';
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

const PYTHON = '/usr/bin/python3';

/** Verify an envelope file against a .pub file; prints "OK <keyid>" or fails. Written from the DSSE spec, not from bale's code. */
const VERIFY_PY = String.raw`
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.exceptions import InvalidSignature

def b64(s):
    # DSSE: standard or URL-safe, verifiers accept both.
    s = s.replace('-', '+').replace('_', '/')
    return base64.b64decode(s + '=' * (-len(s) % 4), validate=True)

def pae(payload_type, body):
    t = payload_type.encode('utf-8')
    return b'DSSEv1 ' + str(len(t)).encode() + b' ' + t + b' ' + str(len(body)).encode() + b' ' + body

env = json.load(open(sys.argv[1]))
blob = base64.b64decode(open(sys.argv[2]).read().splitlines()[1], validate=True)
assert blob[:2] == b'Ed', 'not an Ed25519 minisign key'
key = Ed25519PublicKey.from_public_bytes(blob[10:42])
keyid = blob[2:10][::-1].hex().upper()
body = b64(env['payload'])
for s in env['signatures']:
    if s.get('keyid') != keyid:
        continue
    try:
        key.verify(b64(s['sig']), pae(env['payloadType'], body))
    except InvalidSignature:
        print('BAD SIGNATURE')
        sys.exit(1)
    stmt = json.loads(body)
    print('OK', keyid, env['payloadType'], stmt['_type'], stmt['subject'][0]['digest']['sha256'])
    sys.exit(0)
print('NO SIGNATURE BY', keyid)
sys.exit(1)
`;

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

async function python(script: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await execa(PYTHON, ['-c', script, ...args], { reject: false, timeout: 60_000 });
  // A missing python3-cryptography must fail the test, not skip it: .ci/run installs it.
  assert.ok(!/ModuleNotFoundError|No module named/.test(String(r.stderr)), `python3-cryptography is missing: ${r.stderr}`);
  return { code: r.exitCode ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

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

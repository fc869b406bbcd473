/**
 * An independent DSSE verifier for the tests: Python computes the PAE itself from the DSSE spec
 * and checks the signature with Debian's python3-cryptography (OpenSSL's Ed25519).
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';

export const PYTHON = '/usr/bin/python3';

/** Verify an envelope file against a .pub file; prints "OK <keyid>" or fails. Written from the DSSE spec, not from bale's code. */
export const VERIFY_PY = String.raw`
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

export async function python(script: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await execa(PYTHON, ['-c', script, ...args], { reject: false, timeout: 60_000 });
  // A missing python3-cryptography must fail the test, not skip it: .ci/run installs it.
  assert.ok(!/ModuleNotFoundError|No module named/.test(String(r.stderr)), `python3-cryptography is missing: ${r.stderr}`);
  return { code: r.exitCode ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

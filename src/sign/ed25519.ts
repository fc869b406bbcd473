/**
 * Ed25519 over raw 32-byte keys, through Node's KeyObjects. Node only imports Ed25519 keys
 * as DER/JWK, so raw keys get the fixed ASN.1 header for their type prepended (RFC 8410).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** PKCS#8 PrivateKeyInfo for id-Ed25519 (1.3.101.112), followed by the 32-byte seed. */
const PKCS8_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SubjectPublicKeyInfo for id-Ed25519, followed by the 32-byte public key. */
const SPKI_HEADER = Buffer.from('302a300506032b6570032100', 'hex');

export const SEED_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

function privateKeyObject(seed: Buffer): KeyObject {
  if (seed.length !== SEED_BYTES) throw new RangeError('ed25519: seed must be 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_HEADER, seed]), format: 'der', type: 'pkcs8' });
}

/** The public key belonging to `seed`. */
export function publicKeyFromSeed(seed: Buffer): Buffer {
  const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return Buffer.from(spki.subarray(SPKI_HEADER.length));
}

export function ed25519Sign(seed: Buffer, message: Buffer): Buffer {
  return sign(null, message, privateKeyObject(seed));
}

/** True only for a valid signature; a key OpenSSL cannot even import counts as a failure. */
export function ed25519Verify(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_HEADER, publicKey]), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

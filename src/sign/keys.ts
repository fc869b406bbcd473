/**
 * Key types and key pair generation. A key id is 8 random bytes chosen at generation time
 * (minisign does the same); it only routes a signature to the right public key, the
 * signature check itself is what proves anything.
 */
import { randomBytes } from 'node:crypto';
import { publicKeyFromSeed, SEED_BYTES } from './ed25519.js';

export const KEY_ID_BYTES = 8;

export interface PublicKey {
  keyId: Buffer;
  key: Buffer;
  /** The untrusted comment of the .pub file, when parsed from one. */
  comment?: string;
}

export interface SecretKey {
  keyId: Buffer;
  seed: Buffer;
  publicKey: Buffer;
}

export function generateKeyPair(): { publicKey: PublicKey; secretKey: SecretKey } {
  const keyId = randomBytes(KEY_ID_BYTES);
  const seed = randomBytes(SEED_BYTES);
  const key = publicKeyFromSeed(seed);
  return {
    publicKey: { keyId: Buffer.from(keyId), key },
    secretKey: { keyId, seed, publicKey: Buffer.from(key) },
  };
}

/**
 * The key id as minisign shows it: the 8 bytes read as a little-endian u64, in uppercase hex.
 * Zero-padded to 16 digits like minisign 0.12 (0.11 prints `%lX`, which drops leading zeros).
 */
export function keyIdHex(k: PublicKey | SecretKey | Buffer): string {
  const id = Buffer.isBuffer(k) ? k : k.keyId;
  return Buffer.from(id).reverse().toString('hex').toUpperCase().padStart(16, '0');
}

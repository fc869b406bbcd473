/**
 * minisign secret key files: an untrusted comment line, then base64 of
 *   "Ed" | kdf alg ("\0\0" none, "Sc" scrypt) | "B2" | salt (32) | opslimit (u64 LE) |
 *   memlimit (u64 LE) | key id (8) | seed + public key (64) | checksum (32)
 * where the last 104 bytes are xor-ed with the scrypt stream when the key is encrypted, and
 * the checksum is BLAKE2b-256("Ed" | key id | seed + public key).
 *
 * minisign -W (unencrypted) leaves salt, limits and checksum all zero and never checks the
 * checksum of unencrypted keys. bale writes the real checksum (minisign ignores it) and, on
 * reading, accepts either a zero or a correct checksum; it also checks that the public half
 * belongs to the seed, which catches a damaged key either way.
 */
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors/index.js';
import { blake2b } from './blake2b.js';
import { publicKeyFromSeed, PUBLIC_KEY_BYTES, SEED_BYTES } from './ed25519.js';
import { afterPrefix, decodeBase64, splitLines, UNTRUSTED_PREFIX } from './encoding.js';
import { kdfStreamSync, MINISIGN_MEMLIMIT, MINISIGN_OPSLIMIT, scryptParams, xorInto, type ScryptParams } from './kdf.js';
import { KEY_ID_BYTES, keyIdHex, type SecretKey } from './keys.js';
import { SIG_ALG } from './public-key.js';

const KDF_NONE = Buffer.from([0, 0]);
const KDF_SCRYPT = Buffer.from('Sc', 'latin1');
const CHK_ALG = Buffer.from('B2', 'latin1');
const SALT_BYTES = 32;
const CHECKSUM_BYTES = 32;
/** key id + seed + public key + checksum: the part the KDF stream covers. */
const KEYNUM_BYTES = KEY_ID_BYTES + SEED_BYTES + PUBLIC_KEY_BYTES + CHECKSUM_BYTES;
const HEADER_BYTES = 2 + 2 + 2 + SALT_BYTES + 8 + 8;
const BLOB_BYTES = HEADER_BYTES + KEYNUM_BYTES;

/** A decoded but not yet decrypted secret key file. */
export interface EncodedSecretKey {
  encrypted: boolean;
  salt: Buffer;
  opslimit: bigint;
  memlimit: bigint;
  /** key id | seed | public key | checksum, still xor-ed with the KDF stream when encrypted. */
  keynum: Buffer;
}

export const PASSWORD_ENV = 'BALE_SIGNING_PASSWORD';
export const KEYNUM_LENGTH = KEYNUM_BYTES;

function bad(source: string, why: string): UserError {
  return new UserError(
    'EKEY',
    `${source}: not a usable minisign secret key (${why}): use the .key file written by bale keygen or minisign -G`,
  );
}

function checksum(keyId: Buffer, seed: Buffer, publicKey: Buffer): Buffer {
  return blake2b(Buffer.concat([SIG_ALG, keyId, seed, publicKey]), CHECKSUM_BYTES);
}

export function decodeSecretKey(text: string | Buffer, source: string): EncodedSecretKey {
  const lines = splitLines(text);
  if (lines.length !== 2) throw bad(source, `expected 2 lines, found ${lines.length}`);
  if (afterPrefix(lines[0], UNTRUSTED_PREFIX) === undefined) throw bad(source, `line 1 must start with "${UNTRUSTED_PREFIX.trim()}"`);
  const blob = decodeBase64(lines[1]!, BLOB_BYTES);
  if (blob === undefined) throw bad(source, `line 2 is not base64 of ${BLOB_BYTES} bytes`);
  const sigAlg = blob.subarray(0, 2);
  const kdfAlg = blob.subarray(2, 4);
  const chkAlg = blob.subarray(4, 6);
  if (!sigAlg.equals(SIG_ALG)) throw bad(source, `unsupported signature algorithm ${JSON.stringify(sigAlg.toString('latin1'))}`);
  if (!chkAlg.equals(CHK_ALG)) throw bad(source, `unsupported checksum algorithm ${JSON.stringify(chkAlg.toString('latin1'))}`);
  if (!kdfAlg.equals(KDF_NONE) && !kdfAlg.equals(KDF_SCRYPT)) {
    throw bad(source, `unsupported key derivation ${JSON.stringify(kdfAlg.toString('latin1'))}`);
  }
  return {
    encrypted: kdfAlg.equals(KDF_SCRYPT),
    salt: Buffer.from(blob.subarray(6, 6 + SALT_BYTES)),
    opslimit: blob.readBigUInt64LE(6 + SALT_BYTES),
    memlimit: blob.readBigUInt64LE(6 + SALT_BYTES + 8),
    keynum: Buffer.from(blob.subarray(HEADER_BYTES)),
  };
}

/** The scrypt parameters of an encrypted key, or a UserError when bale will not run them. */
export function kdfParamsOf(enc: EncodedSecretKey, source: string): ScryptParams {
  const params = scryptParams(enc.opslimit, enc.memlimit);
  if (params === undefined) {
    throw bad(source, `unsupported scrypt limits opslimit=${enc.opslimit} memlimit=${enc.memlimit}`);
  }
  return params;
}

export function encryptedKeyNeedsPassword(source: string): UserError {
  return new UserError(
    'EKEYPASSWORD',
    `${source}: the secret key is encrypted: set ${PASSWORD_ENV} to its password, or remove the password with minisign -C -W -s ${source}`,
  );
}

/**
 * Finish reading a key: undo the encryption with `stream` (the KDF output; required exactly
 * when the key is encrypted), then check the checksum and that the public half fits the seed.
 */
export function openSecretKey(enc: EncodedSecretKey, stream: Buffer | undefined, source: string): SecretKey {
  const keynum = Buffer.from(enc.keynum);
  if (enc.encrypted) {
    if (stream === undefined) throw encryptedKeyNeedsPassword(source);
    xorInto(keynum, stream);
  }
  const keyId = Buffer.from(keynum.subarray(0, KEY_ID_BYTES));
  const seed = Buffer.from(keynum.subarray(KEY_ID_BYTES, KEY_ID_BYTES + SEED_BYTES));
  const publicKey = Buffer.from(keynum.subarray(KEY_ID_BYTES + SEED_BYTES, KEYNUM_BYTES - CHECKSUM_BYTES));
  const chk = keynum.subarray(KEYNUM_BYTES - CHECKSUM_BYTES);
  const chkOk = checksum(keyId, seed, publicKey).equals(chk);
  if (enc.encrypted && !chkOk) {
    throw new UserError('EKEYPASSWORD', `${source}: wrong password for this encrypted secret key: check ${PASSWORD_ENV}`);
  }
  if (!chkOk && !chk.equals(Buffer.alloc(CHECKSUM_BYTES))) throw bad(source, 'checksum does not match, the file is damaged');
  if (!publicKeyFromSeed(seed).equals(publicKey)) throw bad(source, 'its public half does not belong to its seed, the file is damaged');
  return { keyId, seed, publicKey };
}

/** Parse a .key file's text; an encrypted key needs `password` (this derivation blocks for seconds). */
export function parseSecretKey(text: string | Buffer, source: string, password?: string): SecretKey {
  const enc = decodeSecretKey(text, source);
  if (!enc.encrypted) return openSecretKey(enc, undefined, source);
  if (password === undefined) throw encryptedKeyNeedsPassword(source);
  return openSecretKey(enc, kdfStreamSync(password, enc.salt, kdfParamsOf(enc, source), KEYNUM_BYTES), source);
}

function encode(k: SecretKey, kdf: Buffer, salt: Buffer, opslimit: bigint, memlimit: bigint, stream?: Buffer): Buffer {
  if (k.keyId.length !== KEY_ID_BYTES || k.seed.length !== SEED_BYTES || k.publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new RangeError('formatSecretKey: key id must be 8 bytes, seed and public key 32');
  }
  const keynum = Buffer.concat([k.keyId, k.seed, k.publicKey, checksum(k.keyId, k.seed, k.publicKey)]);
  if (stream !== undefined) xorInto(keynum, stream);
  const limits = Buffer.alloc(16);
  limits.writeBigUInt64LE(opslimit, 0);
  limits.writeBigUInt64LE(memlimit, 8);
  return Buffer.concat([SIG_ALG, kdf, CHK_ALG, salt, limits, keynum]);
}

/** An unencrypted secret key file (kdf "\0\0"), which minisign 0.11+ reads without a password. */
export function formatSecretKey(k: SecretKey): string {
  const blob = encode(k, KDF_NONE, Buffer.alloc(SALT_BYTES), 0n, 0n);
  return `${UNTRUSTED_PREFIX}bale secret key ${keyIdHex(k)} (unencrypted)\n${blob.toString('base64')}\n`;
}

/** A password-encrypted secret key file, by default with minisign's own (1 GiB) scrypt limits. */
export function formatEncryptedSecretKey(
  k: SecretKey,
  password: string,
  limits: { opslimit: bigint; memlimit: bigint } = { opslimit: MINISIGN_OPSLIMIT, memlimit: MINISIGN_MEMLIMIT },
): string {
  const salt = randomBytes(SALT_BYTES);
  const params = scryptParams(limits.opslimit, limits.memlimit);
  if (params === undefined) throw new RangeError('formatEncryptedSecretKey: unsupported scrypt limits');
  const stream = kdfStreamSync(password, salt, params, KEYNUM_BYTES);
  const blob = encode(k, KDF_SCRYPT, salt, limits.opslimit, limits.memlimit, stream);
  return `${UNTRUSTED_PREFIX}minisign encrypted secret key\n${blob.toString('base64')}\n`;
}

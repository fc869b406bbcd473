/**
 * minisign signature files (.minisig), four lines:
 *   untrusted comment: <anything>
 *   base64("ED" or "Ed" | key id (8) | signature (64))
 *   trusted comment: <text>
 *   base64(global signature (64))
 * "ED" signs BLAKE2b-512 of the file (minisign's default since 0.8), legacy "Ed" signs the file
 * itself. The global signature covers the 64 signature bytes followed by the trusted comment
 * bytes, which is what makes the trusted comment trusted.
 */
import { createHash } from 'node:crypto';
import { IntegrityError, UserError } from '../errors/index.js';
import { ed25519Sign, ed25519Verify, SIGNATURE_BYTES } from './ed25519.js';
import {
  afterPrefix,
  checkComment,
  decodeBase64,
  MAX_TRUSTED_COMMENT_BYTES,
  splitLines,
  TRUSTED_PREFIX,
  UNTRUSTED_PREFIX,
} from './encoding.js';
import { KEY_ID_BYTES, keyIdHex, type PublicKey, type SecretKey } from './keys.js';

const ALG_HASHED = Buffer.from('ED', 'latin1');
const ALG_LEGACY = Buffer.from('Ed', 'latin1');
const SIG_BLOB_BYTES = 2 + KEY_ID_BYTES + SIGNATURE_BYTES;

export interface ParsedSignature {
  /** "ED": the signature is over BLAKE2b-512 of the data; "Ed" (legacy): over the data itself. */
  hashed: boolean;
  keyId: Buffer;
  signature: Buffer;
  /** Raw bytes: the global signature covers bytes, not decoded text. */
  trustedComment: Buffer;
  globalSignature: Buffer;
}

/** What an "ED" signature signs. */
export function prehash(data: Buffer): Buffer {
  return createHash('blake2b512').update(data).digest();
}

export function parseSignature(text: string | Buffer, source: string): ParsedSignature {
  const bad = (why: string): UserError =>
    new UserError('ESIGFORMAT', `${source}: not a minisign signature (${why}): get the .minisig again or re-sign the file`);
  const lines = splitLines(text);
  if (lines.length !== 4) throw bad(`expected 4 lines, found ${lines.length}`);
  if (afterPrefix(lines[0], UNTRUSTED_PREFIX) === undefined) throw bad(`line 1 must start with "${UNTRUSTED_PREFIX.trim()}"`);
  const blob = decodeBase64(lines[1]!, SIG_BLOB_BYTES);
  if (blob === undefined) throw bad(`line 2 is not base64 of ${SIG_BLOB_BYTES} bytes`);
  const alg = blob.subarray(0, 2);
  if (!alg.equals(ALG_HASHED) && !alg.equals(ALG_LEGACY)) {
    throw bad(`unsupported signature algorithm ${JSON.stringify(alg.toString('latin1'))}`);
  }
  const trustedComment = afterPrefix(lines[2], TRUSTED_PREFIX);
  if (trustedComment === undefined) throw bad(`line 3 must start with "${TRUSTED_PREFIX.trim()}"`);
  const globalSignature = decodeBase64(lines[3]!, SIGNATURE_BYTES);
  if (globalSignature === undefined) throw bad(`line 4 is not base64 of ${SIGNATURE_BYTES} bytes`);
  return {
    hashed: alg.equals(ALG_HASHED),
    keyId: Buffer.from(blob.subarray(2, 2 + KEY_ID_BYTES)),
    signature: Buffer.from(blob.subarray(2 + KEY_ID_BYTES)),
    trustedComment: Buffer.from(trustedComment),
    globalSignature,
  };
}

/** The .minisig text for an "ED" signature over `digest` (BLAKE2b-512 of the data). */
export function signPrehashed(digest: Buffer, key: SecretKey, trustedComment: string): string {
  checkComment(trustedComment, MAX_TRUSTED_COMMENT_BYTES, 'trusted comment');
  const signature = ed25519Sign(key.seed, digest);
  const comment = Buffer.from(trustedComment, 'utf8');
  const globalSignature = ed25519Sign(key.seed, Buffer.concat([signature, comment]));
  const blob = Buffer.concat([ALG_HASHED, key.keyId, signature]);
  return (
    `${UNTRUSTED_PREFIX}signature from bale secret key ${keyIdHex(key)}\n` +
    `${blob.toString('base64')}\n${TRUSTED_PREFIX}${trustedComment}\n${globalSignature.toString('base64')}\n`
  );
}

/** Sign `data` the way `minisign -S` does by default (prehashed, "ED"). Deterministic. */
export function signData(data: Buffer, key: SecretKey, trustedComment: string): string {
  return signPrehashed(prehash(data), key, trustedComment);
}

/**
 * Check a parsed signature. `message` is BLAKE2b-512 of the data for "ED" signatures and the
 * data itself for legacy ones. Several trusted keys may share a key id (ids are only 8 random
 * bytes, and anyone can pick one), so every key with the id gets a chance.
 */
export function checkSignature(
  sig: ParsedSignature,
  message: Buffer,
  keys: readonly PublicKey[],
  source: string,
): { keyId: string; trustedComment: string } {
  const keyId = keyIdHex(sig.keyId);
  const candidates = keys.filter((k) => k.keyId.equals(sig.keyId));
  if (candidates.length === 0) {
    const none = keys.length === 0 ? ' (no keys are trusted yet)' : '';
    throw new UserError('EUNTRUSTED', `${source}: signed by key ${keyId}, which is not trusted${none}: add its .pub to the trust list`);
  }
  const signed = Buffer.concat([sig.signature, sig.trustedComment]);
  for (const k of candidates) {
    if (ed25519Verify(k.key, message, sig.signature) && ed25519Verify(k.key, signed, sig.globalSignature)) {
      return { keyId, trustedComment: sig.trustedComment.toString('utf8') };
    }
  }
  throw new IntegrityError(`${source}: signature does not match: the file or its signature was modified; do not use it`);
}

/** Verify `.minisig` text over `data` ("ED" and legacy "Ed"); `source` names the data in errors. */
export function verifyData(
  data: Buffer,
  sigText: string | Buffer,
  keys: readonly PublicKey[],
  source: string,
): { keyId: string; trustedComment: string } {
  const sig = parseSignature(sigText, source);
  return checkSignature(sig, sig.hashed ? prehash(data) : data, keys, source);
}

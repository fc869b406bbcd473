/**
 * minisign public key files: an untrusted comment line, then base64 of
 * "Ed" + key id (8) + Ed25519 public key (32).
 */
import { UserError } from '../errors/index.js';
import { PUBLIC_KEY_BYTES } from './ed25519.js';
import { afterPrefix, checkComment, decodeBase64, MAX_UNTRUSTED_COMMENT_BYTES, splitLines, UNTRUSTED_PREFIX } from './encoding.js';
import { KEY_ID_BYTES, keyIdHex, type PublicKey } from './keys.js';

export const SIG_ALG = Buffer.from('Ed', 'latin1');
const PUBLIC_BLOB_BYTES = SIG_ALG.length + KEY_ID_BYTES + PUBLIC_KEY_BYTES;

export function formatPublicKey(k: PublicKey): string {
  const comment = k.comment ?? `minisign public key ${keyIdHex(k)}`;
  checkComment(comment, MAX_UNTRUSTED_COMMENT_BYTES, 'public key comment');
  const blob = Buffer.concat([SIG_ALG, k.keyId, k.key]);
  if (blob.length !== PUBLIC_BLOB_BYTES) throw new RangeError('formatPublicKey: key id must be 8 bytes and key 32 bytes');
  return `${UNTRUSTED_PREFIX}${comment}\n${blob.toString('base64')}\n`;
}

/** Parse a .pub file's text; `source` names it in errors. */
export function parsePublicKey(text: string | Buffer, source: string): PublicKey {
  const bad = (why: string): UserError =>
    new UserError('EKEY', `${source}: not a minisign public key (${why}): use the .pub file written by bale keygen or minisign -G`);
  const lines = splitLines(text);
  if (lines.length !== 2) throw bad(`expected 2 lines, found ${lines.length}`);
  const comment = afterPrefix(lines[0], UNTRUSTED_PREFIX);
  if (comment === undefined) throw bad(`line 1 must start with "${UNTRUSTED_PREFIX.trim()}"`);
  const blob = decodeBase64(lines[1]!, PUBLIC_BLOB_BYTES);
  if (blob === undefined) throw bad(`line 2 is not base64 of ${PUBLIC_BLOB_BYTES} bytes`);
  if (!blob.subarray(0, 2).equals(SIG_ALG)) {
    throw bad(`unsupported signature algorithm ${JSON.stringify(blob.subarray(0, 2).toString('latin1'))}, expected "Ed"`);
  }
  return {
    keyId: Buffer.from(blob.subarray(2, 2 + KEY_ID_BYTES)),
    key: Buffer.from(blob.subarray(2 + KEY_ID_BYTES)),
    comment: comment.toString('utf8'),
  };
}

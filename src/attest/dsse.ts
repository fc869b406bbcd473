/**
 * DSSE v1 (Dead Simple Signing Envelope), signed with bale's minisign-format ed25519 keys.
 * A signature covers PAE(payloadType, payload), never the payload alone, so the type is
 * authenticated too: a signature over one kind of document cannot be replayed as another.
 * `keyid` is the minisign key id as `keyIdHex` prints it; the spec makes it an unauthenticated
 * hint, so it only picks the trusted key to try, and the signature check decides.
 */
import { ed25519Sign, ed25519Verify } from '../sign/ed25519.js';
import { keyIdHex, type PublicKey, type SecretKey } from '../sign/keys.js';
import * as z from '../util/zod.js';
import { attestError, hasLoneSurrogate, issuesLine, parseJsonText } from './parse.js';

/** The payloadType of an in-toto Statement (and the OCI artifactType of an attestation). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  /** The signer's key id, 16 uppercase hex digits for bale's keys; '' when the signer gave none. */
  keyid: string;
  /** base64 of the 64-byte ed25519 signature over PAE(payloadType, payload). */
  sig: string;
}

/** The DSSE JSON envelope. `payload` and `sig` keep the base64 text they were read with. */
export interface Envelope {
  payloadType: string;
  /** base64 of the serialized body (an in-toto Statement's JSON for attestations). */
  payload: string;
  signatures: DsseSignature[];
}

/**
 * The Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where
 * type is the UTF-8 of payloadType and LEN is the byte length in ASCII decimal.
 */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${body.length} `, 'ascii'), body]);
}

/**
 * Decode DSSE base64: standard or URL-safe (verifiers must accept both), padded or not, but one
 * alphabet at a time and canonical only (no stray characters, no set trailing bits), because Node's
 * own decoder skips what it does not know and a flipped bit could otherwise go unnoticed.
 */
export function decodeDsseBase64(text: string): Buffer | undefined {
  const standard = /^[A-Za-z0-9+/]*={0,2}$/.test(text);
  const urlSafe = /^[A-Za-z0-9_-]*={0,2}$/.test(text);
  if (!standard && !urlSafe) return undefined;
  const bare = text.replace(/=+$/, '');
  if (bare.length !== text.length && text.length % 4 !== 0) return undefined; // padding must complete the last group
  const encoding = standard ? 'base64' : 'base64url';
  const bytes = Buffer.from(bare, encoding);
  return bytes.toString(encoding).replace(/=+$/, '') === bare ? bytes : undefined;
}

const base64Text = z.string().check(z.refine((s) => decodeDsseBase64(s) !== undefined, 'expected base64 (standard or URL-safe)'));

// Unknown fields are ignored, as in-toto's parsing rules ask: nothing outside payloadType and
// payload is signed, so an extra field can neither help nor hurt.
const envelopeSchema = z.looseObject({
  payloadType: z.string().check(
    z.minLength(1, 'expected a non-empty string'),
    z.refine((s) => !hasLoneSurrogate(s), 'contains an unpaired surrogate, which has no UTF-8 form'),
  ),
  payload: base64Text,
  signatures: z
    .array(z.looseObject({ keyid: z.optional(z.string()), sig: base64Text }))
    .check(z.minLength(1, 'expected at least one signature')),
});

/** Read a DSSE envelope from JSON text; anything malformed is a UserError (EATTEST) naming `source`. */
export function parseEnvelope(text: string | Buffer, source: string): Envelope {
  const raw = parseJsonText(text, source, 'a DSSE envelope');
  const r = envelopeSchema.safeParse(raw);
  if (!r.success) throw attestError(source, `not a DSSE envelope (${issuesLine(r.error.issues)})`);
  return {
    payloadType: r.data.payloadType,
    payload: r.data.payload,
    signatures: r.data.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
  };
}

/** An envelope as one line of compact JSON, fields in the spec's order. */
export function formatEnvelope(env: Envelope): string {
  return JSON.stringify({
    payloadType: env.payloadType,
    payload: env.payload,
    signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
  });
}

/** Sign `payload` as `payloadType` with `key`: one signature, keyid = the minisign key id. */
export function signEnvelope(payload: Buffer, payloadType: string, key: SecretKey): Envelope {
  if (payloadType === '' || hasLoneSurrogate(payloadType))
    throw new RangeError('signEnvelope: payloadType must be a non-empty well-formed string');
  const sig = ed25519Sign(key.seed, pae(payloadType, payload));
  return { payloadType, payload: payload.toString('base64'), signatures: [{ keyid: keyIdHex(key), sig: sig.toString('base64') }] };
}

/**
 * What became of one signature:
 * - verified: a trusted key with that id verifies it (with no keyid: some trusted key does);
 * - forged: its keyid names a trusted key, and no trusted key with that id verifies it: the
 *   payload, its type or the signature was changed, or someone else signed under that id;
 * - untrusted: no trusted key has its keyid (or it has none and no trusted key verifies it).
 */
export type SignatureStatus = 'verified' | 'forged' | 'untrusted';

export interface SignatureCheck {
  /** As the envelope gives it for forged and untrusted signatures; the verifying key's id for verified ones. */
  keyid: string;
  status: SignatureStatus;
}

export interface EnvelopeVerification {
  payloadType: string;
  /** The decoded payload. Only what a `verified` key signed may be acted on. */
  payload: Buffer;
  /** One entry per signature, in the envelope's order. */
  signatures: SignatureCheck[];
  /** Distinct key ids (keyIdHex) of the trusted keys whose signatures verify, sorted. */
  verified: string[];
  /** Key ids of forged signatures (see SignatureStatus), sorted, distinct. */
  forged: string[];
  /** Key ids of signatures by keys not on the trust list, sorted, distinct. */
  untrusted: string[];
}

const distinctSorted = (ids: string[]): string[] => [...new Set(ids)].sort();

/**
 * Check every signature of `env` against the trust list. Never throws for a bad signature: the
 * result says which trusted keys signed and which signatures are forgeries, so a caller can count
 * the good ones and still report the bad ones. Several trusted keys may share an id (ids are only
 * 8 bytes anyone can choose), so each of them gets a chance.
 */
export function verifyEnvelope(env: Envelope, trusted: readonly PublicKey[]): EnvelopeVerification {
  const payload = decodeDsseBase64(env.payload);
  if (payload === undefined) throw new RangeError('verifyEnvelope: the payload is not base64; read envelopes with parseEnvelope');
  const message = pae(env.payloadType, payload);
  const signatures: SignatureCheck[] = env.signatures.map((s) => {
    const sig = decodeDsseBase64(s.sig);
    const candidates = s.keyid === '' ? trusted : trusted.filter((k) => keyIdHex(k) === s.keyid);
    const good = sig === undefined ? undefined : candidates.find((k) => ed25519Verify(k.key, message, sig));
    if (good !== undefined) return { keyid: keyIdHex(good), status: 'verified' };
    return { keyid: s.keyid, status: candidates.length > 0 && s.keyid !== '' ? 'forged' : 'untrusted' };
  });
  const having = (status: SignatureStatus): string[] => distinctSorted(signatures.filter((s) => s.status === status).map((s) => s.keyid));
  return {
    payloadType: env.payloadType,
    payload,
    signatures,
    verified: having('verified'),
    forged: having('forged'),
    untrusted: having('untrusted'),
  };
}

/**
 * Signing a build claim, and checking one envelope against the trust list. The order is DSSE's:
 * signatures first, then the payload type, then the payload; nothing an untrusted or forged
 * signature covers is even parsed.
 */
import { keyIdHex, type PublicKey, type SecretKey } from '../sign/keys.js';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope, verifyEnvelope, type Envelope } from './dsse.js';
import { attestError } from './parse.js';
import { builderIdFor, readStatement, statementBytes, type BuildClaim } from './statement.js';

/** One trusted builder's verified claim about one package. */
export interface Attestation {
  /** The trusted key whose signature verified (keyIdHex). */
  keyId: string;
  /** `bale:key:<keyId>`: always the signer's, checkAttestation refuses any other. */
  builderId: string;
  buildKey: string;
  /** The subject: the package archive's sha256 and file name. */
  sha256: string;
  subjectName: string;
  /** The whole claim, for whoever needs more (a rebuild wants the recipe and inputs). */
  claim: BuildClaim;
}

/** What one envelope amounts to under a trust list. */
export interface AttestationCheck {
  /** How the envelope was named when checked (a bundle line, a registry referrer). */
  source: string;
  /** One per trusted key whose signature verified; empty when none did. */
  attestations: Attestation[];
  /** Key ids of signatures that name a trusted key but do not verify (see SignatureStatus). */
  forged: string[];
  /** Key ids of signatures by keys that are not trusted. */
  untrusted: string[];
}

/** Sign `claim` with `key`: a DSSE envelope over an in-toto Statement whose builder is the key. */
export function attestBuild(claim: BuildClaim, key: SecretKey): Envelope {
  return signEnvelope(statementBytes(claim, builderIdFor(keyIdHex(key))), IN_TOTO_PAYLOAD_TYPE, key);
}

/**
 * Check `env` against `trusted`. Bad and unknown signatures are reported, never thrown: they do
 * not count, and a stranger should not be able to block a package by adding junk next to it.
 * What a trusted key did sign must be a well-formed bale attestation naming that key as its
 * builder (SLSA: accept only known signer-builder pairs); anything else is a UserError (EATTEST).
 */
export function checkAttestation(env: Envelope, trusted: readonly PublicKey[], source: string): AttestationCheck {
  const v = verifyEnvelope(env, trusted);
  const check: AttestationCheck = { source, attestations: [], forged: v.forged, untrusted: v.untrusted };
  if (v.verified.length === 0) return check;
  if (v.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw attestError(
      source,
      `signed by trusted key ${v.verified.join(', ')}, but its payloadType is ${JSON.stringify(v.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const { claim, builderId } = readStatement(v.payload, source);
  for (const keyId of v.verified) {
    if (builderId !== builderIdFor(keyId)) {
      throw attestError(
        source,
        `signed by trusted key ${keyId}, but it names builder ${builderId}: a bale attestation is signed by its own builder`,
      );
    }
    check.attestations.push({ keyId, builderId, buildKey: claim.buildKey, sha256: claim.sha256, subjectName: claim.packageFile, claim });
  }
  return check;
}

/**
 * The policy over a set of packages (an image, a pull, a list of files): each package's envelopes
 * judged with evaluatePolicy, and the failures as ONE line, the worst first (builders that
 * disagree before too few builders), so a refused pull says why in a line a user can read.
 * Also what `bale attestations` shows of one envelope. Pure: callers bring the envelopes.
 */
import { UserError } from '../errors/index.js';
import { keyIdHex, type PublicKey } from '../sign/keys.js';
import { checkAttestation, type AttestationCheck } from './attestation.js';
import { verifyEnvelope, type Envelope, type SignatureStatus } from './dsse.js';
import { evaluatePolicy, POLICY_ERROR, type PolicyResult } from './policy.js';
import { readStatement } from './statement.js';

/** One envelope found for a package, named by where it was found; `error` when it could not be read at all. */
export type FoundEnvelope = { source: string; envelope: Envelope } | { source: string; error: string };

/** What is known of one package when its policy is decided. */
export interface PackageEvidence {
  /** How messages name it: `node-ms 2.1.2`. */
  label: string;
  /** The archive's sha256, as its bytes (or the signed image file listing it) say. */
  sha256: string;
  /** Its build key from its build description; undefined when it has none. */
  buildKey: string | undefined;
  envelopes: FoundEnvelope[];
}

export interface PackageVerdict {
  label: string;
  result: PolicyResult;
}

/** A failing result for a package without a build key: no attestation can be about its build. */
function noBuildKey(require: number, trusted: readonly PublicKey[]): PolicyResult {
  return {
    ok: false,
    require,
    trustedKeys: new Set(trusted.map((k) => keyIdHex(k))).size,
    agreed: [],
    disagreed: [],
    otherBuildKey: 0,
    untrusted: [],
    forged: [],
    reason: 'it has no build description, so no build key any attestation could be about: rebuild or push it with its description',
  };
}

/** Decide one package. An unreadable envelope counts as nothing (junk beside a package cannot block it). */
export function judgePackage(e: PackageEvidence, trusted: readonly PublicKey[], require: number): PackageVerdict {
  if (e.buildKey === undefined) return { label: e.label, result: noBuildKey(require, trusted) };
  const checks: AttestationCheck[] = [];
  for (const f of e.envelopes) if ('envelope' in f) checks.push(checkAttestation(f.envelope, trusted, f.source));
  return { label: e.label, result: evaluatePolicy({ buildKey: e.buildKey, sha256: e.sha256, require, trusted, checks }) };
}

/** Worst first: a disagreement is news, too few builders is a gap. */
const rank = (v: PackageVerdict): number => (v.result.disagreed.length > 0 ? 0 : 1);

/** The failures of `verdicts` as one EPOLICY UserError naming `where`, or undefined when all pass. */
export function policyFailure(where: string, verdicts: readonly PackageVerdict[]): UserError | undefined {
  const failed = verdicts.filter((v) => !v.result.ok).sort((a, b) => rank(a) - rank(b));
  if (failed.length === 0) return undefined;
  const first = failed[0]!;
  const more = failed.length - 1;
  const tail = more === 0 ? '' : ` (${more} more package${more === 1 ? '' : 's'} fail${more === 1 ? 's' : ''})`;
  return new UserError(POLICY_ERROR, `${where}: ${first.label}: ${first.result.reason}${tail}`);
}

/** How an envelope's claim stands to the package it was found with. */
export type Relation = 'agrees' | 'disagrees' | 'other build key' | 'unreadable';

/** One envelope as `bale attestations` lists it. */
export interface EnvelopeReport {
  source: string;
  /** Each signature: its key id, and verified (a trusted key's, valid), forged (names a trusted key, invalid) or untrusted (not checked). */
  signatures: { keyid: string; status: SignatureStatus }[];
  /** What the statement claims; read even when no trusted key signed it (so shown, never counted). */
  claim: { sha256: string; buildKey: string; subjectName: string; builderId: string } | undefined;
  relation: Relation;
  /** Why it could not be read, when it could not. */
  error?: string;
  envelope?: Envelope;
}

/** Describe one envelope found for the package with `sha256` and `buildKey`. */
export function describeEnvelope(
  f: FoundEnvelope,
  trusted: readonly PublicKey[],
  pkg: { sha256: string; buildKey: string | undefined },
): EnvelopeReport {
  if (!('envelope' in f)) return { source: f.source, signatures: [], claim: undefined, relation: 'unreadable', error: f.error };
  const v = verifyEnvelope(f.envelope, trusted);
  const signatures = v.signatures.map((s) => ({ keyid: s.keyid, status: s.status }));
  try {
    const { claim, builderId } = readStatement(v.payload, f.source);
    const c = { sha256: claim.sha256, buildKey: claim.buildKey, subjectName: claim.packageFile, builderId };
    const relation: Relation = c.buildKey !== pkg.buildKey ? 'other build key' : c.sha256 === pkg.sha256 ? 'agrees' : 'disagrees';
    return { source: f.source, signatures, claim: c, relation, envelope: f.envelope };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { source: f.source, signatures, claim: undefined, relation: 'unreadable', error: why, envelope: f.envelope };
  }
}

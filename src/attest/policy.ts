/**
 * The N-of-M rule: a package passes when at least `require` distinct trusted keys attest its
 * sha256 for its build key, and no trusted key attests another sha256 for that build key.
 * Attestations of other build keys say nothing about this build (ignored, but counted in the
 * explanation); untrusted and forged signatures never count.
 */
import { UserError } from '../errors/index.js';
import { keyIdHex, type PublicKey } from '../sign/keys.js';
import type { AttestationCheck } from './attestation.js';

/** The code of a policy failure. */
export const POLICY_ERROR = 'EPOLICY';

export interface PolicyRequest {
  /** The package's build key and archive sha256, as the store or registry says. */
  buildKey: string;
  sha256: string;
  /** How many distinct trusted builders must agree; an integer >= 1. */
  require: number;
  /** The trust list; an attestation by any other key never counts. */
  trusted: readonly PublicKey[];
  /** Every envelope found for the package, checked (checkAttestation). */
  checks: readonly AttestationCheck[];
}

export interface Disagreement {
  keyId: string;
  /** The sha256 this trusted builder attests for the same build key. */
  sha256: string;
}

export interface PolicyResult {
  ok: boolean;
  require: number;
  /** Distinct trusted key ids. */
  trustedKeys: number;
  /** Trusted key ids attesting the expected sha256 for the build key, sorted. */
  agreed: string[];
  /** Trusted builders attesting another sha256 for the same build key, by key id then sha256. */
  disagreed: Disagreement[];
  /** How many trusted attestations are for another build key (ignored). */
  otherBuildKey: number;
  /** Key ids of signatures by untrusted keys (ignored), sorted, distinct. */
  untrusted: string[];
  /** Key ids of forged signatures (ignored), sorted, distinct. */
  forged: string[];
  /** One line saying why it passed or failed. */
  reason: string;
}

const distinctSorted = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

function ignoredNote(otherBuildKey: number, untrusted: number, forged: number): string {
  const parts: string[] = [];
  if (otherBuildKey > 0) parts.push(`${otherBuildKey} for another build key`);
  if (untrusted > 0) parts.push(`${untrusted} by untrusted keys`);
  if (forged > 0) parts.push(`${forged} with forged signatures`);
  return parts.length === 0 ? '' : `; ignored: ${parts.join(', ')}`;
}

/** Decide one package. Pure: no I/O, same inputs, same result. */
export function evaluatePolicy(req: PolicyRequest): PolicyResult {
  if (!Number.isInteger(req.require) || req.require < 1)
    throw new RangeError(`evaluatePolicy: require must be an integer >= 1, not ${req.require}`);
  const trustedIds = new Set(req.trusted.map((k) => keyIdHex(k)));
  const agreed = new Set<string>();
  const disagreed = new Map<string, Disagreement>();
  const untrusted = new Set<string>();
  const forged = new Set<string>();
  let otherBuildKey = 0;
  for (const c of req.checks) {
    for (const k of c.untrusted) untrusted.add(k);
    for (const k of c.forged) forged.add(k);
    for (const a of c.attestations) {
      // Checked against another trust list? Then it is not trusted here.
      if (!trustedIds.has(a.keyId)) untrusted.add(a.keyId);
      else if (a.buildKey !== req.buildKey) otherBuildKey++;
      else if (a.sha256 === req.sha256) agreed.add(a.keyId);
      else disagreed.set(`${a.keyId} ${a.sha256}`, { keyId: a.keyId, sha256: a.sha256 });
    }
  }
  const agreedIds = distinctSorted(agreed);
  const disagreements = [...disagreed.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, d]) => d);
  const ignored = ignoredNote(otherBuildKey, untrusted.size, forged.size);
  const base = {
    require: req.require,
    trustedKeys: trustedIds.size,
    agreed: agreedIds,
    disagreed: disagreements,
    otherBuildKey,
    untrusted: distinctSorted(untrusted),
    forged: distinctSorted(forged),
  };
  if (disagreements.length > 0) {
    const sides = [
      ...(agreedIds.length > 0 ? agreedIds.map((k) => `${k} attests ${req.sha256}`) : [`the package is ${req.sha256}`]),
      ...disagreements.map((d) => `${d.keyId} attests ${d.sha256}`),
    ];
    return { ok: false, ...base, reason: `builders disagree: ${sides.join(', ')} (build key ${req.buildKey})${ignored}` };
  }
  const n = agreedIds.length;
  const who = n === 0 ? 'no trusted builder attests' : n === 1 ? '1 trusted builder attests' : `${n} trusted builders attest`;
  const line = `${who} sha256 ${req.sha256}${n > 0 ? ` (${agreedIds.join(', ')})` : ''}, ${req.require} required${ignored}`;
  if (n >= req.require) return { ok: true, ...base, reason: line };
  return { ok: false, ...base, reason: n === 0 ? line : `only ${line}` };
}

/** Throw a UserError (EPOLICY) naming `label` (the package) when `result` failed. */
export function assertPolicy(result: PolicyResult, label: string): void {
  if (!result.ok) throw new UserError(POLICY_ERROR, `${label}: ${result.reason}`);
}

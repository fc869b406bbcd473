/**
 * Build attestations: "recipe R for target T, under build key K, gave archive sha256 S", as an
 * in-toto Statement v1 with a SLSA Provenance v1 predicate in a DSSE envelope signed with bale's
 * minisign-format ed25519 keys; bundles beside packages; the N-of-M trust policy. Pure parts
 * (everything but the bundle's file I/O) do no I/O.
 */
export {
  decodeDsseBase64,
  formatEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  signEnvelope,
  verifyEnvelope,
  type DsseSignature,
  type Envelope,
  type EnvelopeVerification,
  type SignatureCheck,
  type SignatureStatus,
} from './dsse.js';
export {
  BALE_BUILD_TYPE,
  BUILDER_ID_PREFIX,
  builderIdFor,
  buildStatement,
  PROVENANCE_PREDICATE_TYPE,
  readStatement,
  STATEMENT_TYPE,
  statementBytes,
  type BuildClaim,
  type ClaimInput,
  type ClaimSource,
  type ReadStatement,
} from './statement.js';
export { BUILD_KEY_ANNOTATION, type ProvenanceStatement } from './provenance.js';
export { attestBuild, checkAttestation, type Attestation, type AttestationCheck } from './attestation.js';
export { addToBundle, BUNDLE_SUFFIX, bundleFileFor, formatBundle, mergeBundle, parseBundle, readBundle } from './bundle.js';
export { assertPolicy, evaluatePolicy, POLICY_ERROR, type Disagreement, type PolicyRequest, type PolicyResult } from './policy.js';
export { ATTEST_ERROR } from './parse.js';
export {
  describeEnvelope,
  judgePackage,
  policyFailure,
  type EnvelopeReport,
  type FoundEnvelope,
  type PackageEvidence,
  type PackageVerdict,
  type Relation,
} from './gate.js';

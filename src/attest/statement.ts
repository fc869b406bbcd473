/**
 * bale's build attestation: an in-toto Statement v1 whose one subject is a package archive, with
 * a SLSA Provenance v1 predicate saying how it was built. `BuildClaim` is the plain form callers
 * fill and readers get back; the JSON shape is in provenance.ts. The reader is strict where bale
 * defines the meaning (its buildType, external parameters, dependency entries) and ignores unknown
 * fields elsewhere, as the in-toto and SLSA parsing rules ask.
 */
import { integrityProblem } from '../recipe/schema.js';
import { attestError, issuesLine, parseJsonText } from './parse.js';
import {
  BALE_BUILD_TYPE,
  BUILD_KEY_ANNOTATION,
  PROVENANCE_PREDICATE_TYPE,
  STATEMENT_TYPE,
  statementSchema,
  type ProvenanceStatement,
  type ResolvedDependency,
} from './provenance.js';

export { BALE_BUILD_TYPE, PROVENANCE_PREDICATE_TYPE, STATEMENT_TYPE } from './provenance.js';

/** A pinned source of the recipe. */
export interface ClaimSource {
  /** Where it was fetched from, as the recipe says. */
  uri: string;
  /** The recipe's SRI pin (`sha512-<base64>`, or sha256/sha384); written as a hex DigestSet. */
  integrity: string;
}

/** A package the build ran against (the build key's inputs). */
export interface ClaimInput {
  /** Its package file name, or its purl. */
  name: string;
  /** sha256 of its archive, 64 lowercase hex digits. */
  sha256: string;
  /** The build key it was built under. */
  buildKey: string;
}

/** Everything a builder states about one build; what `buildStatement` writes and `readStatement` returns. */
export interface BuildClaim {
  /** The build's key (src/builder/key.ts): 16 to 128 lowercase hex digits. */
  buildKey: string;
  /** The package archive's file name: the statement's subject name. */
  packageFile: string;
  /** sha256 of the package archive, 64 lowercase hex digits: the subject's digest. */
  sha256: string;
  /** The recipe built: its purl and its digest (recipeDigest, hex sha256 of the canonical text). */
  recipe: { purl: string; digest: string };
  /** The interpreter built for, or null for a package that needs none. */
  target: { kind: string; version: string } | null;
  /** Every source the recipe pins, in the recipe's order. */
  sources: ClaimSource[];
  /** Every package the build ran against, in the order given. */
  inputs: ClaimInput[];
  /** The bale that built it. */
  baleVersion: string;
  /** RFC 3339 UTC timestamps (`Date.prototype.toISOString()`). */
  startedOn: string;
  finishedOn: string;
  /** An opaque id of this run (a queue job id, say), when there is one. */
  invocationId?: string;
}

/** What readStatement returns: the claim, and the builder the statement names. */
export interface ReadStatement {
  claim: BuildClaim;
  builderId: string;
}

/** Builder ids name the signing key: `bale:key:<KEYID>` (keyIdHex). */
export const BUILDER_ID_PREFIX = 'bale:key:';

export function builderIdFor(keyId: string): string {
  return `${BUILDER_ID_PREFIX}${keyId}`;
}

/** The digests a recipe pins sources with (SRI). */
const SRI_ALGORITHMS: ReadonlySet<string> = new Set(['sha256', 'sha384', 'sha512']);

/** An SRI pin as a DigestSet: `sha512-<base64>` -> { sha512: <hex> }. */
function sriToDigest(integrity: string): Record<string, string> {
  const why = integrityProblem(integrity);
  if (why !== undefined) throw new RangeError(`buildStatement: source integrity ${JSON.stringify(integrity)}: ${why}`);
  const dash = integrity.indexOf('-');
  return { [integrity.slice(0, dash)]: Buffer.from(integrity.slice(dash + 1), 'base64').toString('hex') };
}

/** The in-toto Statement for `claim`, as built by `builderId`. Fields in a fixed order, so equal claims give equal bytes. */
export function buildStatement(claim: BuildClaim, builderId: string): ProvenanceStatement {
  const sources: ResolvedDependency[] = claim.sources.map((s) => ({ uri: s.uri, digest: sriToDigest(s.integrity) }));
  const inputs: ResolvedDependency[] = claim.inputs.map((i) => ({
    name: i.name,
    digest: { sha256: i.sha256 },
    annotations: { [BUILD_KEY_ANNOTATION]: i.buildKey },
  }));
  const statement: ProvenanceStatement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: claim.packageFile, digest: { sha256: claim.sha256 } }],
    predicateType: PROVENANCE_PREDICATE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: BALE_BUILD_TYPE,
        externalParameters: {
          recipe: { purl: claim.recipe.purl, digest: { sha256: claim.recipe.digest } },
          target: claim.target === null ? null : { kind: claim.target.kind, version: claim.target.version },
          buildKey: claim.buildKey,
        },
        internalParameters: { baleVersion: claim.baleVersion },
        resolvedDependencies: [...sources, ...inputs],
      },
      runDetails: {
        builder: { id: builderId },
        metadata: {
          ...(claim.invocationId === undefined ? {} : { invocationId: claim.invocationId }),
          startedOn: claim.startedOn,
          finishedOn: claim.finishedOn,
        },
      },
    },
  };
  // What bale writes, bale must read back: a claim that would not is a bug in the caller.
  const r = statementSchema.safeParse(statement);
  if (!r.success) throw new RangeError(`buildStatement: the claim for ${claim.packageFile} is invalid (${issuesLine(r.error.issues)})`);
  return statement;
}

/** The statement's bytes as signed: compact JSON. */
export function statementBytes(claim: BuildClaim, builderId: string): Buffer {
  return Buffer.from(JSON.stringify(buildStatement(claim, builderId)), 'utf8');
}

/** A resolved dependency back as a source or an input; a string saying why when it is neither of bale's shapes. */
function dependencyOf(d: ResolvedDependency): { source: ClaimSource } | { input: ClaimInput } | string {
  const digests = Object.entries(d.digest ?? {});
  const buildKey = d.annotations?.[BUILD_KEY_ANNOTATION];
  if (buildKey !== undefined) {
    const sha256 = d.digest?.['sha256'];
    if (d.name === undefined || sha256 === undefined || digests.length !== 1)
      return 'an input package needs a name and exactly a sha256 digest';
    return { input: { name: d.name, sha256, buildKey } };
  }
  if (d.uri === undefined || digests.length !== 1) return 'a source needs a uri and exactly one sha256, sha384 or sha512 digest';
  const [alg, hex] = digests[0]!;
  if (!SRI_ALGORITHMS.has(alg)) return `a source digest must be sha256, sha384 or sha512, not ${JSON.stringify(alg)}`;
  return { source: { uri: d.uri, integrity: `${alg}-${Buffer.from(hex, 'hex').toString('base64')}` } };
}

/**
 * Read a statement (the verified payload of an envelope) back into its claim. Anything that is
 * not a bale build attestation is a one-line UserError (EATTEST) naming `source`.
 */
export function readStatement(payload: Buffer | string, source: string): ReadStatement {
  const raw = parseJsonText(payload, source, 'an in-toto statement');
  const r = statementSchema.safeParse(raw);
  if (!r.success) throw attestError(source, `not a bale build attestation (${issuesLine(r.error.issues)})`);
  const s = r.data;
  const build = s.predicate.buildDefinition;
  const ext = build.externalParameters;
  const sources: ClaimSource[] = [];
  const inputs: ClaimInput[] = [];
  for (const [i, d] of (build.resolvedDependencies ?? []).entries()) {
    const got = dependencyOf(d);
    if (typeof got === 'string')
      throw attestError(source, `not a bale build attestation (predicate.buildDefinition.resolvedDependencies.${i}: ${got})`);
    if ('source' in got) sources.push(got.source);
    else inputs.push(got.input);
  }
  const subject = s.subject[0]!;
  const meta = s.predicate.runDetails.metadata;
  const claim: BuildClaim = {
    buildKey: ext.buildKey,
    packageFile: subject.name,
    sha256: subject.digest.sha256,
    recipe: { purl: ext.recipe.purl, digest: ext.recipe.digest.sha256 },
    target: ext.target ?? null,
    sources,
    inputs,
    baleVersion: build.internalParameters.baleVersion,
    startedOn: meta.startedOn,
    finishedOn: meta.finishedOn,
  };
  if (meta.invocationId !== undefined && meta.invocationId !== null) claim.invocationId = meta.invocationId;
  return { claim, builderId: s.predicate.runDetails.builder.id };
}

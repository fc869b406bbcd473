/**
 * The JSON shape of a bale build attestation, as one schema (its type follows from it):
 * an in-toto Statement v1 with a SLSA Provenance v1 predicate whose buildType is BALE_BUILD_TYPE.
 * README "Attestations" documents every field.
 */
import * as z from '../util/zod.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PROVENANCE_PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';

/**
 * What a bale provenance means: "building recipe `externalParameters.recipe` for
 * `externalParameters.target` with bale (internalParameters.baleVersion), against the input
 * packages in `resolvedDependencies`, under build key `externalParameters.buildKey`, gave the
 * subject". resolvedDependencies holds every pinned source (uri + digest, as the recipe pins it)
 * and every input package (name + sha256, its build key in the `bale_buildKey` annotation).
 */
export const BALE_BUILD_TYPE = 'https://bale.dev/build/recipe/v1';

/** The annotation of an input package's build key (SLSA's `<vendor>_<field>` extension naming). */
export const BUILD_KEY_ANNOTATION = 'bale_buildKey';

const line = (what: string) =>
  z.string().check(z.refine((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(s), `expected ${what} on one line`));

const hex = (bytes: number) =>
  z.string().check(z.regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes * 2} lowercase hex digits`));

const sha256Hex = hex(32);

/** As src/store/paths.ts checks build keys. */
const buildKey = z.string().check(z.regex(/^[0-9a-f]{16,128}$/, 'expected a build key: 16 to 128 lowercase hex digits'));

const fileName = z
  .string()
  .check(z.refine((s) => s !== '' && s !== '.' && s !== '..' && !/[/\\\u0000-\u001f\u007f]/.test(s), 'expected a plain file name'));

const purl = z.string().check(z.refine((s) => /^pkg:[a-z]+\/\S+$/.test(s), 'expected a purl (pkg:type/name@version)'));

/** RFC 3339 in UTC, as in-toto's Timestamp requires. */
const timestamp = z
  .string()
  .check(
    z.refine(
      (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(s) && !Number.isNaN(Date.parse(s)),
      'expected an RFC 3339 UTC timestamp like 2025-01-31T12:00:00Z',
    ),
  );

const builderId = z.string().check(z.regex(/^bale:key:[0-9A-F]{16}$/, 'expected bale:key:<16 uppercase hex digits>'));

const KNOWN_DIGEST_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** A DigestSet: lowercase hex values, of the right length for the algorithms bale knows. */
const digestSet = z
  .record(z.string(), z.string())
  .check(
    z.refine(
      (d) =>
        Object.entries(d).every(
          ([alg, v]) => /^[0-9a-f]+$/.test(v) && (KNOWN_DIGEST_BYTES[alg] === undefined || v.length === KNOWN_DIGEST_BYTES[alg]! * 2),
        ),
      'expected lowercase hex digests of the right length',
    ),
  );

const dependencySchema = z.looseObject({
  uri: z.optional(line('a URI')),
  name: z.optional(line('a name')),
  digest: z.optional(digestSet),
  annotations: z.optional(z.looseObject({ [BUILD_KEY_ANNOTATION]: z.optional(buildKey) })),
});

const subjectSchema = z.looseObject({ name: fileName, digest: z.looseObject({ sha256: sha256Hex }) });

export const statementSchema = z.looseObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(subjectSchema).check(z.length(1, 'expected exactly one subject: the package archive')),
  predicateType: z.literal(PROVENANCE_PREDICATE_TYPE),
  predicate: z.looseObject({
    buildDefinition: z.looseObject({
      buildType: z.literal(BALE_BUILD_TYPE),
      // SLSA: verifiers should reject unexpected external parameters; they are what a build was asked to do.
      externalParameters: z.strictObject({
        recipe: z.strictObject({ purl, digest: z.strictObject({ sha256: sha256Hex }) }),
        target: z.nullish(z.strictObject({ kind: line('an interpreter kind'), version: line('a version') })),
        buildKey,
      }),
      internalParameters: z.looseObject({ baleVersion: line('a version') }),
      resolvedDependencies: z.nullish(z.array(dependencySchema)),
    }),
    runDetails: z.looseObject({
      builder: z.looseObject({ id: builderId }),
      metadata: z.looseObject({
        invocationId: z.nullish(z.string()),
        startedOn: timestamp,
        finishedOn: timestamp,
      }),
    }),
  }),
});

export type ProvenanceStatement = z.output<typeof statementSchema>;
export type ResolvedDependency = z.output<typeof dependencySchema>;

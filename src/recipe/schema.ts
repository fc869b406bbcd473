import * as z from '../util/zod.js';
// One function, not the whole of semver (7 of its 54 files): every import loads this module.
import validSemver from 'semver/functions/valid.js';
import { formatPurl, parsePurl, type Purl } from '../purl/purl.js';
import { ecosystemCore, SOURCE_KINDS } from '../ecosystems/core.js';
import { LIMIT_KEYS, limitProblem, type LimitKey } from '../limits/index.js';
import { MAX_SOURCE_DATE_EPOCH, MIN_SOURCE_DATE_EPOCH } from '../packer/epoch.js';

/**
 * The recipe schema, format version 1, and the single source of truth for its shape: the `Recipe`
 * type is derived from it. Shapes list keys in the order write.ts emits them.
 * Checks that need more than one field (ecosystem agreement) live in parse.ts.
 */

export const RECIPE_FORMAT = 1;
/**
 * The release times a recipe may give: what the packer can write (src/packer/epoch.ts), so a
 * recipe that parses can be packed; anything larger is most likely milliseconds, or a registry's
 * bad date.
 */
export { MAX_SOURCE_DATE_EPOCH, MIN_SOURCE_DATE_EPOCH } from '../packer/epoch.js';

/** Every ecosystem's source kinds (each ecosystem declares its own: src/ecosystems/core.ts). */
export { SOURCE_KINDS, type SourceKind } from '../ecosystems/core.js';
export const DEPENDENCY_KINDS = ['runtime', 'optional', 'peer'] as const;

/** Digest lengths in bytes for the SRI algorithms bale accepts. */
const SRI_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** An interpreter version as targets are named: `3.11`, `22`, `3.1`. */
const INTERPRETER = /^\d+(?:\.\d+){0,2}$/;
/**
 * Exact versions only: no ranges, tags with spaces, or path separators (versions name files). An
 * ecosystem whose versions differ says so in its descriptor (Debian's epochs and `~`).
 */
const EXACT_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+_!-]*$/;
/** Debian package names (Debian policy 5.6.1). */
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Control characters and whitespace would make a line of output (or a file name) lie.
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f]/;

/** Quote a value for a one-line message (newlines and quotes escaped). */
export function q(s: string): string {
  return JSON.stringify(s);
}

/** One semver version; loose, because the registry still serves a few pre-2012 versions like `2.0.0beta`. */
function isExactSemver(v: string): boolean {
  return validSemver(v, { loose: true }) !== null;
}

/** Why `s` is not an exact, canonical purl, or undefined if it is one. */
export function purlProblem(s: string): string | undefined {
  let p: Purl;
  try {
    p = parsePurl(s);
  } catch {
    return `${q(s)} is not an exact purl (expected e.g. pkg:npm/express@4.21.2)`;
  }
  const eco = ecosystemCore(p.type);
  if (!(eco.exactVersion ?? EXACT_VERSION).test(p.version)) return `${q(p.version)} is not an exact version, pin one release`;
  if (eco.semver && !isExactSemver(p.version)) return `${q(p.version)} is not an exact semver version, pin one release`;
  const canonical = formatPurl(p);
  if (canonical !== s) return `not canonical, write ${q(canonical)}`;
  return undefined;
}

/** Why `s` is not a well-formed SRI string with one sha256/384/512 digest, or undefined. */
export function integrityProblem(s: string): string | undefined {
  const m = /^(sha\d+)-([A-Za-z0-9+/]+={0,2})$/.exec(s);
  const bytes = m ? SRI_BYTES[m[1]!] : undefined;
  if (!m || bytes === undefined) return 'expected one SRI hash: sha256-, sha384- or sha512- followed by base64';
  // Re-encoding catches wrong lengths, bad padding and non-zero trailing bits alike.
  const digest = Buffer.from(m[2]!, 'base64');
  if (digest.length !== bytes || digest.toString('base64') !== m[2]) {
    return `${m[1]} digest must be ${bytes} bytes of padded base64, copy the hash again`;
  }
  return undefined;
}

/** Why `s` is not a URL a recipe source may have (http(s); with `files`, also file:///path), or undefined. */
export function urlProblem(s: string, o: { files?: boolean } = {}): string | undefined {
  if (CONTROL_OR_SPACE.test(s)) return 'URL must not contain spaces or control characters';
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `${q(s)} is not a URL`;
  }
  if (u.protocol === 'https:' || u.protocol === 'http:') return undefined;
  // A recipe pinned from an index on disk (a PyPI mirror as file://) names its files there.
  if (o.files === true && u.protocol === 'file:' && u.hostname === '') return undefined;
  return o.files === true ? 'URL must be http(s) or file:///path' : 'URL must be http(s)';
}

/** A string schema with a problem-returning check, so messages can say what was wrong. */
function checked(problem: (s: string) => string | undefined) {
  return z.string().check(
    z.superRefine((s, ctx) => {
      const why = problem(s);
      if (why !== undefined) ctx.addIssue({ code: 'custom', message: why, input: s });
    }),
  );
}

const purlString = checked(purlProblem);
const interpreterList = z.array(
  checked((s) => (INTERPRETER.test(s) ? undefined : `${q(s)} is not an interpreter version like 3.11 or 22`)),
);
const fileName = checked((s) =>
  s === '' || s === '.' || s === '..' || /[/\\]/.test(s) || CONTROL_OR_SPACE.test(s) ? `${q(s)} is not a plain file name` : undefined,
);
const depName = checked((s) => (s === '' || s.length > 214 || CONTROL_OR_SPACE.test(s) ? `${q(s)} is not a package name` : undefined));
const debianList = z.array(checked((s) => (DEBIAN_PACKAGE.test(s) ? undefined : `${q(s)} is not a Debian package name`)));
const nonEmptyLine = checked((s) => (s.trim() === '' || /[\u0000-\u001f\u007f]/.test(s) ? 'expected a non-empty single line' : undefined));

export const SourceSchema = z.strictObject({
  url: checked((s) => urlProblem(s, { files: true })),
  integrity: checked(integrityProblem),
  kind: z.enum(SOURCE_KINDS),
  filename: z.optional(fileName),
  interpreters: z.optional(interpreterList),
});

export const DependencySchema = z.strictObject({
  name: depName,
  purl: purlString,
  kind: z.enum(DEPENDENCY_KINDS),
  interpreters: z.optional(interpreterList),
});

/** `[build.limits]`: per-package bounds over bale's defaults (src/limits); integers, or strings with units. */
export const LimitsSchema = z.strictObject(
  Object.fromEntries(
    (Object.keys(LIMIT_KEYS) as LimitKey[]).map((key) => [
      key,
      z.optional(
        z.union([z.number(), z.string()]).check(
          z.superRefine((v, ctx) => {
            const why = limitProblem(key, v);
            if (why !== undefined) ctx.addIssue({ code: 'custom', message: why, input: v });
          }),
        ),
      ),
    ]),
  ) as Record<LimitKey, z.ZodMiniOptional<z.ZodMiniUnion<[z.ZodMiniNumber, z.ZodMiniString]>>>,
);

export const BuildSchema = z.strictObject({
  native: z.boolean(),
  reasons: z._default(z.array(nonEmptyLine), []),
  requires: z._default(z.array(purlString), []),
  interpreters: z._default(interpreterList, []),
  // Copied verbatim from upstream metadata, which is not always tidy; an empty one is dropped.
  engines: z.optional(z.string()),
  /** Build flags, in order (PEP 517 config settings KEY=VALUE; `gem install -- ...`), from the override table. */
  flags: z.optional(z.array(nonEmptyLine)),
  /** Paths (`*` and `**` allowed) removed from what the build installs, relative to its install root. */
  drop: z.optional(
    z.array(
      checked((s) =>
        s === '' || s.startsWith('/') || s.split('/').some((p) => p === '' || p === '.' || p === '..')
          ? `${q(s)} is not a relative path`
          : undefined,
      ),
    ),
  ),
  env: z.optional(z.record(z.string().check(z.regex(ENV_NAME, 'not an environment variable name')), z.string())),
  limits: z.optional(LimitsSchema),
});

export const NativeSchema = z.strictObject({
  build: z._default(debianList, []),
  runtime: z._default(debianList, []),
  /**
   * The [[source]] kinds these packages apply to (PyPI: `["sdist"]`, a manylinux wheel bundles what
   * it links); absent: every source. `build` never applies to a wheel, which is installed, not built.
   */
  sources: z.optional(z.array(z.enum(SOURCE_KINDS)).check(z.minLength(1))),
});

export const RecipeSchema = z.strictObject({
  format: z.literal(RECIPE_FORMAT),
  purl: purlString,
  source_date_epoch: z
    .number()
    .check(
      z.int(),
      z.gte(MIN_SOURCE_DATE_EPOCH, `must be at least ${MIN_SOURCE_DATE_EPOCH} (1980-01-01), use the upstream release time in seconds`),
      z.lte(
        MAX_SOURCE_DATE_EPOCH,
        `must be seconds since 1970, not milliseconds, at most ${MAX_SOURCE_DATE_EPOCH} (2038-01-19): use the upstream release time`,
      ),
    ),
  source: z.array(SourceSchema).check(z.minLength(1, 'needs at least one [[source]] with url, integrity and kind')),
  dependency: z._default(z.array(DependencySchema), []),
  build: BuildSchema,
  native: z.optional(NativeSchema),
});

/** The keys each table may hold, for "unknown key" messages (indices stripped from the path). */
export const ALLOWED_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(RecipeSchema.shape),
  source: Object.keys(SourceSchema.shape),
  dependency: Object.keys(DependencySchema.shape),
  build: Object.keys(BuildSchema.shape),
  'build.limits': Object.keys(LimitsSchema.shape),
  native: Object.keys(NativeSchema.shape),
};

export type Recipe = z.output<typeof RecipeSchema>;
export type RecipeSource = z.output<typeof SourceSchema>;
export type RecipeDependency = z.output<typeof DependencySchema>;
export type RecipeBuild = z.output<typeof BuildSchema>;
export type RecipeNative = z.output<typeof NativeSchema>;
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

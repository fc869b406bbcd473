import { parse as parseToml, TomlDate, TomlError } from 'smol-toml';
import type * as z from '../util/zod.js';
import { UserError } from '../errors/index.js';
import { parsePurl, type Ecosystem } from '../purl/purl.js';
import { ecosystemCore } from '../ecosystems/core.js';
import { ALLOWED_KEYS, purlProblem, q, RecipeSchema, SOURCE_KINDS, type Recipe } from './schema.js';
import { canonicalRecipe } from './write.js';

/**
 * Reading a recipe: decode TOML strictly, validate against the schema, then report every
 * problem at once (file, key path, what is wrong) so a hand edit needs one round trip, not ten.
 * Recipes are data: nothing in them is ever evaluated.
 */

interface Problem {
  path: string;
  message: string;
}

/** TOML floats, kept apart from integers so `format = 1.0` is a wrong type, not a silent 1. */
class TomlFloat {
  constructor(readonly value: number) {}
}

/** smol-toml's output (integers as bigint) to plain data: ints as numbers, floats marked. */
function fromToml(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (typeof v === 'number') return new TomlFloat(v);
  if (Array.isArray(v)) return v.map(fromToml);
  if (v instanceof TomlDate || v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = fromToml(x);
  return out;
}

function describe(v: unknown): string {
  if (v instanceof TomlFloat) return 'float';
  if (v instanceof TomlDate) return 'date';
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'table';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) ? 'integer' : 'float';
  if (typeof v === 'string') return `string ${q(v)}`;
  return typeof v;
}

const EXPECTED: Readonly<Record<string, string>> = { number: 'integer', int: 'integer', object: 'table', array: 'array' };

/** Messages for zod's generic issues; the schema's own messages take precedence. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.input === undefined && iss.code !== 'unrecognized_keys') return 'required key is missing';
  switch (iss.code) {
    case 'invalid_type':
      if (typeof iss.input === 'bigint') return 'integer out of range';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describe(iss.input)}`;
    case 'invalid_value':
      return `expected ${iss.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describe(iss.input)}`;
    case 'invalid_key':
      return 'not an environment variable name (letters, digits, _)';
    default:
      return undefined;
  }
};

/** `['dependency', 2, 'purl']` -> `dependency[2].purl`; odd keys quoted as TOML would. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      continue;
    }
    const k = String(seg);
    const key = /^[A-Za-z0-9_-]+$/.test(k) ? k : q(k);
    out += out === '' ? key : `.${key}`;
  }
  return out === '' ? '(top level)' : out;
}

function issueProblems(iss: z.core.$ZodIssue): Problem[] {
  if (iss.code === 'unrecognized_keys') {
    const table = iss.path.filter((s) => typeof s === 'string').join('.');
    const allowed = ALLOWED_KEYS[table] ?? [];
    return iss.keys.map((k) => ({
      path: formatKeyPath([...iss.path, k]),
      message: `unknown key (expected one of ${allowed.join(', ')})`,
    }));
  }
  return [{ path: formatKeyPath(iss.path), message: iss.message }];
}

function asTable(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function ecosystemOf(v: unknown): Ecosystem | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parsePurl(v).type;
  } catch {
    return undefined; // the schema reports the bad purl itself
  }
}

/** Checks across fields, run on the raw data so they report even when other fields are wrong. */
function crossProblems(data: unknown): Problem[] {
  const root = asTable(data);
  if (root === undefined) return [];
  const problems: Problem[] = [];
  const sources = Array.isArray(root.source) ? root.source.map(asTable) : [];
  const deps = Array.isArray(root.dependency) ? root.dependency.map(asTable) : [];
  const firstByUrl = new Map<string, number>();
  sources.forEach((s, i) => {
    if (typeof s?.url !== 'string') return;
    const first = firstByUrl.get(s.url);
    if (first === undefined) firstByUrl.set(s.url, i);
    else problems.push({ path: `source[${i}].url`, message: `same URL as source[${first}], remove one` });
  });
  const eco = ecosystemOf(root.purl);
  if (eco === undefined) return problems;
  const kinds = ecosystemCore(eco).sources.map((s) => s.kind);
  sources.forEach((s, i) => {
    const kind = s?.kind;
    if (typeof kind !== 'string' || !(SOURCE_KINDS as readonly string[]).includes(kind)) return;
    if (!(kinds as readonly string[]).includes(kind)) {
      problems.push({ path: `source[${i}].kind`, message: `${q(kind)} is not a ${eco} artifact, use ${kinds.join(' or ')}` });
    }
  });
  const nativeSources = asTable(root.native)?.sources;
  if (Array.isArray(nativeSources)) {
    nativeSources.forEach((kind, i) => {
      if (typeof kind === 'string' && (SOURCE_KINDS as readonly string[]).includes(kind) && !(kinds as readonly string[]).includes(kind)) {
        problems.push({ path: `native.sources[${i}]`, message: `${q(kind)} is not a ${eco} artifact, use ${kinds.join(' or ')}` });
      }
    });
  }
  deps.forEach((d, i) => {
    const depEco = ecosystemOf(d?.purl);
    if (depEco !== undefined && depEco !== eco) {
      problems.push({ path: `dependency[${i}].purl`, message: `a ${depEco} package cannot be a dependency of a ${eco} recipe` });
    }
  });
  return problems;
}

/** Every problem, and the package when the recipe names one validly: a hand-named recipe file may not. */
function recipeError(file: string, problems: readonly Problem[], data: unknown): UserError {
  const purl = (data as { purl?: unknown } | null)?.purl;
  const pkg = typeof purl === 'string' && purlProblem(purl) === undefined ? ` (package ${purl})` : '';
  return new UserError('ERECIPE', `recipe ${file}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}${pkg}`);
}

/**
 * Validate decoded data (a parsed TOML table, or a Recipe built in memory) and return it in
 * canonical form. Throws UserError 'ERECIPE' listing every problem.
 */
export function checkRecipe(data: unknown, file: string): Recipe {
  const result = RecipeSchema.safeParse(data, { error: errorMap });
  const problems = [...(result.success ? [] : result.error.issues.flatMap(issueProblems)), ...crossProblems(data)];
  if (problems.length > 0 || !result.success) throw recipeError(file, problems, data);
  return canonicalRecipe(result.data);
}

/** Parse recipe text; `file` is only used in messages. */
export function parseRecipe(text: string, file: string): Recipe {
  let decoded: unknown;
  try {
    // A BOM is invisible in editors; tolerate it rather than fail on "line 1".
    decoded = parseToml(text.replace(/^\uFEFF/, ''), { integersAsBigInt: true, unsafeKeyBehaviour: 'throw' });
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const why = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
    throw new UserError('ERECIPE', `recipe ${file}: line ${err.line}, column ${err.column}: invalid TOML (${why}), fix the syntax`, {
      cause: err,
    });
  }
  return checkRecipe(fromToml(decoded), file);
}

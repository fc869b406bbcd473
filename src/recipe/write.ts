import type { Recipe, RecipeDependency, RecipeNative, RecipeSource } from './schema.js';

/**
 * Canonical recipe text: same content, same bytes, so a re-import produces no git diff.
 * The emitter is ours (a dozen lines) rather than a generic stringify, so key order, spacing and
 * escaping are fixed here and cannot drift with a library upgrade.
 */

export const RECIPE_HEADER = '# bale recipe v1: pinned by `bale import`; edit by hand and rebuild.';

/** Code-unit order, never localeCompare: the result must not depend on the machine's locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric by component, so 3.9 sorts before 3.10. */
export function compareInterpreters(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return pa.length - pb.length || byCodeUnit(a, b);
}

function sortedUnique(xs: readonly string[], cmp: (a: string, b: string) => number = byCodeUnit): string[] {
  return [...new Set(xs)].sort(cmp);
}

function canonicalSource(s: RecipeSource): RecipeSource {
  const out: RecipeSource = { url: s.url, integrity: s.integrity, kind: s.kind };
  if (s.filename !== undefined) out.filename = s.filename;
  if (s.interpreters !== undefined && s.interpreters.length > 0) {
    out.interpreters = sortedUnique(s.interpreters, compareInterpreters);
  }
  return out;
}

function depKey(d: RecipeDependency): string {
  return `${d.name}\u0000${d.purl}\u0000${d.kind}`;
}

/**
 * Sorted by (name, purl, kind); entries that differ only by interpreters are merged, since an
 * importer evaluating markers per interpreter naturally emits one entry per interpreter.
 * No interpreters means "all", which absorbs any list.
 */
function canonicalDependencies(deps: readonly RecipeDependency[]): RecipeDependency[] {
  const all = (xs: string[] | undefined) => xs === undefined || xs.length === 0;
  const merged = new Map<string, RecipeDependency>();
  for (const d of deps) {
    const key = depKey(d);
    const prev = merged.get(key);
    if (prev === undefined) {
      merged.set(key, { name: d.name, purl: d.purl, kind: d.kind, ...(all(d.interpreters) ? {} : { interpreters: d.interpreters }) });
    } else if (all(prev.interpreters) || all(d.interpreters)) {
      delete prev.interpreters;
    } else {
      prev.interpreters = [...prev.interpreters!, ...d.interpreters!];
    }
  }
  return [...merged.entries()]
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([, d]) => (d.interpreters ? { ...d, interpreters: sortedUnique(d.interpreters, compareInterpreters) } : d));
}

/**
 * The canonical form of a recipe: lists sorted and deduplicated, empty optional parts removed.
 * Source order is kept: it is the importer's order of preference, not a set.
 */
export function canonicalRecipe(r: Recipe): Recipe {
  const b = r.build;
  const build: Recipe['build'] = {
    native: b.native,
    reasons: sortedUnique(b.reasons),
    requires: sortedUnique(b.requires),
    interpreters: sortedUnique(b.interpreters, compareInterpreters),
  };
  if (b.engines !== undefined && b.engines.trim() !== '') build.engines = b.engines;
  if (b.flags !== undefined && b.flags.length > 0) build.flags = [...b.flags];
  if (b.drop !== undefined && b.drop.length > 0) build.drop = sortedUnique(b.drop);
  const envKeys = Object.keys(b.env ?? {}).sort(byCodeUnit);
  if (envKeys.length > 0) build.env = Object.fromEntries(envKeys.map((k) => [k, b.env![k]!]));
  const limitKeys = (Object.keys(b.limits ?? {}) as Array<keyof NonNullable<typeof b.limits>>)
    .filter((k) => b.limits![k] !== undefined)
    .sort(byCodeUnit);
  if (limitKeys.length > 0) build.limits = Object.fromEntries(limitKeys.map((k) => [k, b.limits![k]!]));
  const out: Recipe = {
    format: r.format,
    purl: r.purl,
    source_date_epoch: r.source_date_epoch,
    source: r.source.map(canonicalSource),
    dependency: canonicalDependencies(r.dependency),
    build,
  };
  const nb = sortedUnique(r.native?.build ?? []);
  const nr = sortedUnique(r.native?.runtime ?? []);
  const ns = r.native?.sources === undefined ? undefined : (sortedUnique(r.native.sources) as RecipeNative['sources']);
  if (nb.length > 0 || nr.length > 0) out.native = { build: nb, runtime: nr, ...(ns !== undefined ? { sources: ns } : {}) };
  return out;
}

/** A TOML basic string. Tab is escaped too, so every value stays visibly on one line. */
export function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    // A lone surrogate cannot be written as UTF-8 (nor as a TOML escape): fail loudly, not lossily.
    else if (c >= 0xd800 && c <= 0xdfff) throw new Error(`cannot write a lone surrogate to TOML: ${JSON.stringify(s)}`);
    else out += ch;
  }
  return `${out}"`;
}

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k);
}

function tomlList(xs: readonly string[]): string {
  return `[${xs.map(tomlString).join(', ')}]`;
}

/** Format a recipe canonically (see canonicalRecipe). Pure; validation is the caller's job. */
export function formatRecipe(recipe: Recipe): string {
  const r = canonicalRecipe(recipe);
  const lines: string[] = [
    RECIPE_HEADER,
    `format = ${r.format}`,
    `purl = ${tomlString(r.purl)}`,
    `source_date_epoch = ${r.source_date_epoch}`,
  ];
  for (const s of r.source) {
    lines.push('', '[[source]]', `url = ${tomlString(s.url)}`, `integrity = ${tomlString(s.integrity)}`, `kind = ${tomlString(s.kind)}`);
    if (s.filename !== undefined) lines.push(`filename = ${tomlString(s.filename)}`);
    if (s.interpreters !== undefined) lines.push(`interpreters = ${tomlList(s.interpreters)}`);
  }
  for (const d of r.dependency) {
    lines.push('', '[[dependency]]', `name = ${tomlString(d.name)}`, `purl = ${tomlString(d.purl)}`, `kind = ${tomlString(d.kind)}`);
    if (d.interpreters !== undefined) lines.push(`interpreters = ${tomlList(d.interpreters)}`);
  }
  const b = r.build;
  lines.push(
    '',
    '[build]',
    `native = ${b.native ? 'true' : 'false'}`,
    `reasons = ${tomlList(b.reasons)}`,
    `requires = ${tomlList(b.requires)}`,
    `interpreters = ${tomlList(b.interpreters)}`,
  );
  if (b.engines !== undefined) lines.push(`engines = ${tomlString(b.engines)}`);
  if (b.flags !== undefined) lines.push(`flags = ${tomlList(b.flags)}`);
  if (b.drop !== undefined) lines.push(`drop = ${tomlList(b.drop)}`);
  if (b.env !== undefined) {
    lines.push('', '[build.env]');
    for (const [k, v] of Object.entries(b.env)) lines.push(`${tomlKey(k)} = ${tomlString(v)}`);
  }
  if (b.limits !== undefined) {
    lines.push('', '[build.limits]');
    for (const [k, v] of Object.entries(b.limits)) lines.push(`${k} = ${typeof v === 'number' ? String(v) : tomlString(v as string)}`);
  }
  if (r.native !== undefined) {
    lines.push('', '[native]', `build = ${tomlList(r.native.build)}`, `runtime = ${tomlList(r.native.runtime)}`);
    if (r.native.sources !== undefined) lines.push(`sources = ${tomlList(r.native.sources)}`);
  }
  return `${lines.join('\n')}\n`;
}

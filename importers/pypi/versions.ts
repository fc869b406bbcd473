/**
 * PEP 440 versions and specifiers. Parsing and ordering come from @renovatebot/pep440; matching a
 * version against a specifier is ours, because the library's `satisfies` breaks PEP 440 in ways
 * that change resolutions (each case is pinned by a test in versions.test.ts):
 * - pre-releases are let in clause by clause, so `>=1.0a1,<2` refuses 1.5a1;
 * - `<V`/`>V` refuse every version sharing V's release numbers, so `>1.0a1` refuses 1.0 and
 *   `>1.0.post2` refuses 1.0.post3;
 * - `==1.0.*` is not zero-padded, so it refuses 1 (and `~=1.0.0` refuses 1);
 * - a specifier's local label is dropped, so `==1.0+abc` matches 1.0+xyz and `===1.0` matches 1.0+abc;
 * - `!=1.0a1` lets pre-releases in; `==1.0a1.*` is accepted;
 * - a version that is not PEP 440 makes `satisfies`/`compare` throw a TypeError.
 */
import { compare, explain, valid, type Pep440Version } from '@renovatebot/pep440';
import { UserError } from '../../src/errors/index.js';
import type { PythonTarget } from './environment.js';

export type SpecifierOp = '===' | '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>';

/** One clause of a specifier set, such as `>=1.0` or `==2.*`. */
export interface SpecifierClause {
  op: SpecifierOp;
  /** The version as written, without the `.*` of a wildcard. */
  version: string;
  /** `==X.Y.*` / `!=X.Y.*` prefix matching. */
  wildcard: boolean;
}

export interface MatchOptions {
  /**
   * Let pre-releases and dev releases match. Left undefined, PEP 440's rule applies: only when a
   * clause of the specifier names one (`>=1.0rc1`). `bestVersion` then also falls back to
   * pre-releases when no final release matches.
   * @defaultValue undefined
   */
  prereleases?: boolean;
}

/** A PEP 440 version (any spelling PEP 440 normalises, such as `v1.0` or `1.0-beta.2`). */
export function isValidVersion(version: string): boolean {
  return valid(version) !== null;
}

function parsed(version: string): Pep440Version {
  const v = explain(version);
  if (v === null) throw new UserError('EVERSION', `'${version}' is not a PEP 440 version: use versions such as 1.2.3, 2.0rc1 or 1.0.post1`);
  return v;
}

/** PEP 440 order: negative, zero or positive. `1.0` and `1.0.0` are equal. */
export function compareVersions(a: string, b: string): number {
  parsed(a);
  parsed(b);
  return compare(a, b);
}

/** Sorted by PEP 440 order; versions PEP 440 calls equal (`1.0`, `1.0.0`) keep a fixed order by text. */
export function sortVersions(versions: readonly string[], desc = false): string[] {
  versions.forEach(parsed);
  const sign = desc ? -1 : 1;
  return [...versions].sort((a, b) => sign * (compare(a, b) || (a < b ? -1 : a > b ? 1 : 0)));
}

const CLAUSE = /^(===|~=|==|!=|<=|>=|<|>)\s*(\S+)$/;
const WILDCARD_BASE = /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)$/i;

/** One clause, or null when PEP 440 does not allow it (`~=1`, `>=1.0.*`, `<1.0+local`, `==1.0a1.*`). */
export function parseSpecifierClause(text: string): SpecifierClause | null {
  const m = CLAUSE.exec(text.trim());
  if (m === null) return null;
  const op = m[1] as SpecifierOp;
  const version = m[2]!;
  if (op === '===') return { op, version, wildcard: false };
  if (version.endsWith('.*')) {
    const base = version.slice(0, -2);
    return (op === '==' || op === '!=') && WILDCARD_BASE.test(base) ? { op, version: base, wildcard: true } : null;
  }
  const v = explain(version);
  if (v === null) return null;
  if (v.local !== null && op !== '==' && op !== '!=') return null;
  if (op === '~=' && v.release.length < 2) return null;
  return { op, version, wildcard: false };
}

/** A comma-separated specifier set; `''` is the empty set (matches every version); null when invalid. */
export function parseSpecifierSet(text: string): SpecifierClause[] | null {
  if (text.trim() === '') return [];
  const clauses: SpecifierClause[] = [];
  for (const part of text.split(',')) {
    const c = parseSpecifierClause(part);
    if (c === null) return null;
    clauses.push(c);
  }
  return clauses;
}

/** The set's text as bale writes it: clauses in their order, `op` + version, no spaces, `,` between. */
export function formatSpecifierSet(clauses: readonly SpecifierClause[]): string {
  return clauses.map((c) => `${c.op}${c.version}${c.wildcard ? '.*' : ''}`).join(',');
}

function specifierOrThrow(specifier: string): SpecifierClause[] {
  const clauses = parseSpecifierSet(specifier);
  if (clauses === null) {
    throw new UserError('ESPECIFIER', `'${specifier}' is not a PEP 440 version specifier: write clauses such as '>=1.0,<2' or '==1.4.*'`);
  }
  return clauses;
}

// PEP 440: a clause that names a pre-release opts the whole set into pre-releases; `!=` never does.
function namesPrerelease(c: SpecifierClause): boolean {
  return c.op !== '!=' && !c.wildcard && explain(c.version)?.is_prerelease === true;
}

function sameBase(a: Pep440Version, b: Pep440Version): boolean {
  return compare(a.base_version, b.base_version) === 0;
}

// Prefix matching pads the candidate's release with zeros: 1 matches ==1.0.*.
function releaseStartsWith(v: Pep440Version, epoch: number, prefix: readonly number[]): boolean {
  return v.epoch === epoch && prefix.every((n, i) => (v.release[i] ?? 0) === n);
}

// PEP 440's arbitrary equality is on the text, not the version (packaging ignores case).
function arbitraryEqual(raw: string, c: SpecifierClause): boolean {
  return c.op === '===' && raw.trim().toLowerCase() === c.version.toLowerCase();
}

function clauseMatches(raw: string, v: Pep440Version, c: SpecifierClause): boolean {
  if (c.op === '===') return arbitraryEqual(raw, c);
  if (c.wildcard) {
    const m = WILDCARD_BASE.exec(c.version)!;
    const hit = releaseStartsWith(v, Number(m[1] ?? 0), m[2]!.split('.').map(Number));
    return c.op === '==' ? hit : !hit;
  }
  const s = explain(c.version)!;
  switch (c.op) {
    case '==':
    case '!=': {
      // The candidate's local label is ignored unless the specifier has one.
      const equal = compare(s.local === null ? v.public : raw, c.version) === 0;
      return c.op === '==' ? equal : !equal;
    }
    case '<=':
      return compare(v.public, c.version) <= 0;
    case '>=':
      return compare(v.public, c.version) >= 0;
    case '~=':
      return compare(v.public, c.version) >= 0 && releaseStartsWith(v, s.epoch, s.release.slice(0, -1));
    case '<':
      // <V excludes V's own pre-releases unless V is one.
      return compare(raw, c.version) < 0 && (s.is_prerelease || !v.is_prerelease || !sameBase(v, s));
    case '>':
      // >V excludes V's post-releases (unless V is one) and V's local versions.
      if (compare(raw, c.version) <= 0) return false;
      if (!s.is_postrelease && v.is_postrelease && sameBase(v, s)) return false;
      return v.local === null || !sameBase(v, s);
  }
}

/** `satisfies` for clauses parsed already (markers compare one clause at a time). */
export function satisfiesClauses(version: string, clauses: readonly SpecifierClause[], opts: MatchOptions = {}): boolean {
  const v = explain(version);
  // Only arbitrary equality can match a version PEP 440 cannot parse (legacy releases).
  if (v === null) return clauses.length > 0 && clauses.every((c) => arbitraryEqual(version, c));
  const allowPre = opts.prereleases ?? clauses.some(namesPrerelease);
  if (v.is_prerelease && !allowPre) return false;
  return clauses.every((c) => clauseMatches(version, v, c));
}

/**
 * Whether `version` is in the specifier set (`''` holds every version). Pre-releases follow
 * PEP 440 (see `MatchOptions`); `===` is a case-insensitive string comparison, the only way a
 * non-PEP 440 version can match. An invalid specifier is a UserError naming it.
 */
export function satisfies(version: string, specifier: string, opts: MatchOptions = {}): boolean {
  return satisfiesClauses(version, specifierOrThrow(specifier), opts);
}

/**
 * The highest candidate in the specifier set, or undefined. With `prereleases` unset, final
 * releases win and pre-releases are taken only when no final release matches (PEP 440: "accept
 * remotely available pre-releases for version specifiers where there is no final or post release
 * that satisfies"), as pip does.
 */
export function bestVersion(candidates: readonly string[], specifier: string, opts: MatchOptions = {}): string | undefined {
  const clauses = specifierOrThrow(specifier);
  const pick = (o: MatchOptions): string | undefined => {
    const hits = candidates.filter((c) => satisfiesClauses(c, clauses, o));
    const ordered = hits.filter(isValidVersion);
    return ordered.length > 0 ? sortVersions(ordered, true)[0] : hits[0];
  };
  if (opts.prereleases !== undefined) return pick(opts);
  return pick({}) ?? pick({ prereleases: true });
}

/**
 * Whether a distribution's Requires-Python admits one target interpreter (absent or blank: yes).
 * Like pip, it tests the interpreter's X.Y.Z (3.13.0rc1 counts as 3.13.0) and skips empty clauses
 * (`>=3.8,`); anything else that is not a specifier set is a UserError naming it.
 */
export function requiresPythonAllows(requiresPython: string | undefined, target: PythonTarget): boolean {
  if (requiresPython === undefined || requiresPython.trim() === '') return true;
  const text = requiresPython
    .split(',')
    .filter((s) => s.trim() !== '')
    .join(',');
  const clauses = parseSpecifierSet(text);
  if (clauses === null) {
    throw new UserError(
      'EREQUIRESPYTHON',
      `Requires-Python '${requiresPython}' is not a PEP 440 version specifier: pin another release of the package, or fix its metadata`,
    );
  }
  const python = explain(target.fullVersion);
  if (python === null)
    throw new UserError('EPYTHON', `Python version '${target.fullVersion}' is not X.Y.Z: name an exact CPython version such as 3.11.7`);
  return satisfiesClauses(python.base_version, clauses, { prereleases: true });
}

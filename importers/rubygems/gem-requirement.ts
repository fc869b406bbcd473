/**
 * RubyGems requirements, as Gem::Requirement of RubyGems 3.3 reads and applies them (checked against
 * the real Ruby in test/importers/rubygems/gem-requirement.test.ts). A requirement is one or more
 * clauses `op version`, all of which must hold; a bare version means `=`.
 *
 * Text is read in the three spellings registries use: Gem::Requirement#to_s and the JSON API
 * (`>= 1.2, < 3`), the compact index (`>= 1.2&< 3`), or a list of clauses (a gemspec's
 * `add_dependency "x", ">= 1.2", "< 3"`). RubyGems itself takes only the list; the separators are
 * split here first.
 *
 * Prereleases: `satisfiesGem` is Gem::Requirement#satisfied_by?, which lets prereleases through
 * (`>= 1.0` holds for 2.0.rc1). Leaving them out is the resolver's job, as in RubyGems, where
 * `gem install` (Gem::Dependency#match?, Gem::Resolver::InstallerSet) drops every prerelease
 * candidate of a dependency unless its requirement names a prerelease (`allowsPrerelease`) or the
 * user asked for them (`--pre`). Bundler differs: it keeps them, tried last. bale's RubyGems resolver
 * applies `allowsPrerelease` per dependency, as `gem install` does, since `gem install` builds the gems.
 */
import { UserError } from '../../src/errors/index.js';
import {
  bumpForPessimistic,
  canonicalGemVersion,
  compareGemVersions,
  GEM_VERSION_PATTERN,
  gemRelease,
  isPrerelease,
  quoteInput,
} from './gem-version.js';

export type GemOp = '=' | '!=' | '>' | '<' | '>=' | '<=' | '~>';

/** One clause, such as `~> 2.2`. */
export interface GemClause {
  readonly op: GemOp;
  /** Canonical, as Gem::Version#to_s writes it (`1.0.0-rc1` becomes `1.0.0.pre.rc1`). */
  readonly version: string;
}

/** Clauses that must all hold, in the order they were written, repeats dropped; never empty. */
export interface GemRequirement {
  readonly clauses: readonly GemClause[];
}

/** What RubyGems assumes when no requirement is given (Gem::Requirement.default). */
export const DEFAULT_GEM_REQUIREMENT: GemRequirement = Object.freeze({
  clauses: Object.freeze([Object.freeze({ op: '>=', version: '0' })]),
});

/** Gem::Requirement::PATTERN; Ruby's `\s` is ASCII whitespace only. */
const CLAUSE = new RegExp(`^[ \\t\\n\\v\\f\\r]*(>=|<=|~>|!=|=|>|<)?[ \\t\\n\\v\\f\\r]*(${GEM_VERSION_PATTERN})[ \\t\\n\\v\\f\\r]*$`);
/** Between clauses: `, ` (to_s, JSON API) or `&` (compact index). */
const SEPARATOR = /[,&]/;

function bad(input: string | readonly string[]): UserError {
  const shown = typeof input === 'string' ? input : input.join(', ');
  return new UserError(
    'EGEMREQ',
    `${quoteInput(shown)} is not a RubyGems requirement: write clauses such as '~> 2.2', '>= 1.2, < 3' or '= 1.0.0'`,
  );
}

/** One clause, or null when Gem::Requirement.parse would raise. */
export function parseGemClause(text: string): GemClause | null {
  const m = CLAUSE.exec(text);
  if (m === null) return null;
  return { op: (m[1] ?? '=') as GemOp, version: canonicalGemVersion(m[2]!) };
}

/**
 * A requirement from text (`>= 1.2, < 3`, `>= 1.2&< 3`, `~> 2.2`, `1.0`) or a list of such texts.
 * An empty list is the default `>= 0`, as in RubyGems; a blank text, an empty clause (`>= 1,`) or
 * anything Gem::Requirement refuses is a UserError 'EGEMREQ' naming the input.
 */
export function parseGemRequirement(input: string | readonly string[]): GemRequirement {
  if (typeof input !== 'string' && !Array.isArray(input)) throw bad(String(input));
  const texts = typeof input === 'string' ? [input] : input;
  if (texts.length === 0) return DEFAULT_GEM_REQUIREMENT;
  const clauses: GemClause[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    if (typeof text !== 'string') throw bad(input);
    for (const part of text.split(SEPARATOR)) {
      const clause = parseGemClause(part);
      if (clause === null) throw bad(input);
      // Same operator and same canonical text: a repeat says nothing more (RubyGems keeps it in to_s).
      const key = `${clause.op} ${clause.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      clauses.push(clause);
    }
  }
  return Object.freeze({ clauses: Object.freeze(clauses) });
}

// A resolver tests the same requirement texts against every candidate: parse each once (results are frozen).
const CACHE_LIMIT = 20_000;
const parsedTexts = new Map<string, GemRequirement>();

/** The clauses of a requirement given either way; a hand-built one without clauses is the default. */
function clausesOf(req: GemRequirement | string | readonly string[]): readonly GemClause[] {
  let r: GemRequirement;
  if (typeof req === 'string') {
    r = parsedTexts.get(req) ?? parseGemRequirement(req);
    if (parsedTexts.size >= CACHE_LIMIT) parsedTexts.clear();
    parsedTexts.set(req, r);
  } else {
    r = 'clauses' in req ? req : parseGemRequirement(req);
  }
  return r.clauses.length > 0 ? r.clauses : DEFAULT_GEM_REQUIREMENT.clauses;
}

function clauseHolds(version: string, c: GemClause): boolean {
  const cmp = compareGemVersions(version, c.version);
  switch (c.op) {
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    case '~>':
      // The candidate's release is compared with the bound, so `~> 1.0` refuses 2.0.rc1 (which `< 2` takes).
      return cmp >= 0 && compareGemVersions(gemRelease(version), bumpForPessimistic(c.version)) < 0;
  }
}

/**
 * Gem::Requirement#satisfied_by?: every clause holds. Prereleases are not filtered here (see the
 * file comment and `allowsPrerelease`). An invalid version is a UserError 'EGEMVERSION'.
 */
export function satisfiesGem(version: string, req: GemRequirement | string | readonly string[]): boolean {
  return clausesOf(req).every((c) => clauseHolds(version, c));
}

/**
 * Gem::Requirement#prerelease?: some clause names a prerelease (`>= 2.0.rc1`, `~> 1.0.a`). The
 * resolver lets a dependency's prerelease candidates in only then, as `gem install` does.
 */
export function allowsPrerelease(req: GemRequirement | string | readonly string[]): boolean {
  return clausesOf(req).some((c) => isPrerelease(c.version));
}

/**
 * Canonical text, Gem::Requirement#to_s style: `op version` joined by `, `, in the order written
 * (RubyGems' own order: what `gem specification` and the JSON API print, so a recipe reads like the
 * gem's metadata); repeats dropped, so equal inputs written the same way give the same bytes.
 */
export function formatGemRequirement(req: GemRequirement): string {
  return clausesOf(req)
    .map((c) => `${c.op} ${c.version}`)
    .join(', ');
}

/**
 * The version ranges `bale who-uses` takes after a purl's `@`: comparisons `<`, `<=`, `>`, `>=`,
 * `=` joined by commas, all of which must hold (`>=1.0.0,<2.0.0`). Pure: versions are compared in
 * the order the caller passes, the ecosystem's own (semver, PEP 440, Gem::Version, dpkg), so
 * `1.10.0` is above `1.9.0` and a prerelease below its release, whatever the strings say.
 */
import { UsageError } from '../../errors/index.js';
import type { VersionOrder } from '../../ecosystems/descriptor.js';

export type Operator = '<' | '<=' | '>' | '>=' | '=';

export interface Comparison {
  op: Operator;
  version: string;
}

/** What the error names as accepted. */
export const RANGE_FORMS = 'one version (@4.17.21), or comparisons <, <=, >, >=, = joined by commas (@<4.17.21, @>=1.0.0,<2.0.0)';

/** Whether `text` (what follows a purl's `@`) is a range rather than one exact version. */
export function isRange(text: string): boolean {
  return /^\s*[<>=]/.test(text) || text.includes(',');
}

/**
 * Npm's, RubyGems' and PEP 440's own range syntax, which no ecosystem's version starts with or
 * holds: refused rather than matched as a version no package has.
 */
export function looksLikeForeignRange(text: string): boolean {
  return /^\s*[\^~*!]/.test(text) || /\|\||\s/.test(text.trim()) || text.trim() === '';
}

function rangeError(input: string, text: string, why: string): UsageError {
  return new UsageError(`${input}: "${text}" is not a version range (${why}): give ${RANGE_FORMS}`);
}

/** The comparisons of a range; `input` (the whole argument) is what an error names. */
export function parseRange(text: string, input: string): Comparison[] {
  const parts = text.split(',');
  return parts.map((raw) => {
    const part = raw.trim();
    if (part === '') throw rangeError(input, text, 'an empty comparison');
    const m = /^(<=|>=|<|>|=)\s*(.*)$/.exec(part);
    if (m === null) throw rangeError(input, text, `"${part}" has no operator`);
    const version = m[2] ?? '';
    if (version === '') throw rangeError(input, text, `"${part}" has no version`);
    if (/[<>=\s]/.test(version)) throw rangeError(input, text, `"${part}" is not one operator and one version`);
    return { op: m[1] as Operator, version };
  });
}

/** Every version of the range must be one the ecosystem can order; `ecosystemName` names it in the error. */
export function checkRange(range: readonly Comparison[], order: VersionOrder, input: string, ecosystemName: string): void {
  for (const c of range) {
    if (!order.valid(c.version)) {
      throw new UsageError(
        `${input}: "${c.version}" is not a ${ecosystemName} version, so nothing can be compared with it: give ${RANGE_FORMS}`,
      );
    }
  }
}

function holds(op: Operator, cmp: number): boolean {
  switch (op) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '=':
      return cmp === 0;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/** Whether `version` satisfies every comparison; a version the ecosystem cannot order satisfies none. */
export function inRange(version: string, range: readonly Comparison[], order: VersionOrder): boolean {
  if (!order.valid(version)) return false;
  return range.every((c) => holds(c.op, order.compare(version, c.version)));
}

/** Versions in the ecosystem's order; those it cannot order last, by their text. */
export function sortVersions(versions: Iterable<string>, order: VersionOrder | undefined): string[] {
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...versions].sort((a, b) => {
    if (order === undefined) return byText(a, b);
    const va = order.valid(a);
    const vb = order.valid(b);
    if (va && vb) return order.compare(a, b) || byText(a, b);
    if (va !== vb) return va ? -1 : 1;
    return byText(a, b);
  });
}

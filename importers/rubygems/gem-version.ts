/**
 * RubyGems versions, as Gem::Version of RubyGems 3.3 reads and orders them (checked against the real
 * Ruby, table by table, in test/importers/rubygems/gem-version.test.ts):
 * - a version is digits, then `.`-separated alphanumeric parts, then an optional `-` suffix; spaces
 *   around it are dropped and every `-` becomes `.pre.` (`1.0.0-rc1` is `1.0.0.pre.rc1`);
 * - segments are runs of digits (numbers, any size) or of letters (strings), split on `.` and on
 *   letter/digit boundaries: `1.0.0.rc1` is 1, 0, 0, "rc", 1;
 * - any letter makes a prerelease, and a string segment sorts before any number, so
 *   `1.0.a < 1.0.b < 1.0 < 1.0.1`; strings compare bytewise (`B < a`);
 * - trailing zeros are insignificant, in the release and in the prerelease part alike:
 *   `1.0 == 1`, `1.a.0 == 1.0.a`.
 * One deliberate difference: a blank string is not a version here (RubyGems reads it as `0`).
 */
import { UserError } from '../../src/errors/index.js';

type Segment = bigint | string;

interface Parsed {
  /** Gem::Version#to_s: trimmed, `-` as `.pre.`. */
  canonical: string;
  segments: readonly Segment[];
  /** Trailing zeros dropped from the release part and from the prerelease part (Gem::Version#canonical_segments). */
  significant: readonly Segment[];
  prerelease: boolean;
}

/** Ruby's `\s` is ASCII whitespace only; JavaScript's also takes Unicode spaces. */
const RUBY_SPACE = '[ \\t\\n\\v\\f\\r]';
/** Gem::Version::VERSION_PATTERN, for gem-requirement.ts to embed (no capture groups). */
export const GEM_VERSION_PATTERN = '[0-9]+(?:\\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const VERSION = new RegExp(`^${RUBY_SPACE}*(${GEM_VERSION_PATTERN})${RUBY_SPACE}*$`);

// Versions repeat across a closure (every requirement names some); bounded so a long process stays small.
const CACHE_LIMIT = 20_000;
const cache = new Map<string, Parsed | null>();

function parse(text: string): Parsed | null {
  let p = cache.get(text);
  if (p !== undefined) return p;
  p = computeParse(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, p);
  return p;
}

function computeParse(text: string): Parsed | null {
  if (typeof text !== 'string') return null;
  const m = VERSION.exec(text);
  if (m === null) return null;
  const canonical = m[1]!.replaceAll('-', '.pre.');
  const segments: Segment[] = (canonical.match(/[0-9]+|[a-zA-Z]+/g) ?? []).map((s) => (/^[0-9]/.test(s) ? BigInt(s) : s));
  const firstString = segments.findIndex((s) => typeof s === 'string');
  const cut = firstString === -1 ? segments.length : firstString;
  const significant = [...dropTrailingZeros(segments.slice(0, cut)), ...dropTrailingZeros(segments.slice(cut))];
  return { canonical, segments, significant, prerelease: firstString !== -1 };
}

function dropTrailingZeros(segments: Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && segments[end - 1] === 0n) end--;
  return segments.slice(0, end);
}

/** The input as it goes into a one-line error: quoted, control characters escaped. */
export function quoteInput(text: unknown): string {
  const s = typeof text === 'string' ? text : String(text);
  return /^[\x20-\x7e]*$/.test(s) && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
}

function parsed(version: string): Parsed {
  const p = parse(version);
  if (p === null) {
    throw new UserError(
      'EGEMVERSION',
      `${quoteInput(version)} is not a RubyGems version: use a version such as 1.2.3, 2.0.0.rc1 or 1.0.0-beta`,
    );
  }
  return p;
}

/** Gem::Version.correct?, except that a blank string is refused (RubyGems takes it as `0`). */
export function isValidGemVersion(version: string): boolean {
  return parse(version) !== null;
}

/** The version as RubyGems writes it (Gem::Version#to_s): trimmed, `1.0.0-rc1` as `1.0.0.pre.rc1`. */
export function canonicalGemVersion(version: string): string {
  return parsed(version).canonical;
}

function compareSegment(a: Segment, b: Segment): number {
  if (typeof a === 'string') {
    if (typeof b !== 'string') return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof b === 'string') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareParsed(a: Parsed, b: Parsed): number {
  const x = a.significant;
  const y = b.significant;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    // A missing segment counts as 0, so a string segment there sorts below it: 1.a < 1.
    const c = compareSegment(x[i] ?? 0n, y[i] ?? 0n);
    if (c !== 0) return c;
  }
  return 0;
}

/** Gem::Version#<=>: -1, 0 or 1. `1.0` and `1` are equal. An invalid version is a UserError naming it. */
export function compareGemVersions(a: string, b: string): number {
  return compareParsed(parsed(a), parsed(b));
}

/** Gem::Version#prerelease?: any letter, so `1.0.0-1` (`1.0.0.pre.1`) is one too. */
export function isPrerelease(version: string): boolean {
  return parsed(version).prerelease;
}

/** The leading numeric segments, up to the first string one (Gem::Version#release without its object). */
function releaseSegments(p: Parsed): bigint[] {
  const out: bigint[] = [];
  for (const s of p.segments) {
    if (typeof s === 'string') break;
    out.push(s);
  }
  return out;
}

/**
 * Gem::Version#release: a prerelease without its prerelease part (`1.2.0.rc1` -> `1.2.0`,
 * `1.2.a.3` -> `1.2`), numbers written plainly (`01.rc` -> `1`); a release as it is (canonical).
 */
export function gemRelease(version: string): string {
  const p = parsed(version);
  return p.prerelease ? releaseSegments(p).join('.') : p.canonical;
}

/**
 * The exclusive upper bound of `~> version` (Gem::Version#bump): prerelease segments dropped, then
 * the last segment dropped unless it is the only one, then the new last one incremented.
 * `~> 2.2` is `>= 2.2, < 3`; `~> 2.2.0` is `>= 2.2.0, < 2.3`; `~> 1.0.0.rc1` ends at 1.1; `~> 1` at 2.
 */
export function bumpForPessimistic(version: string): string {
  const segments = releaseSegments(parsed(version));
  if (segments.length > 1) segments.pop();
  segments[segments.length - 1]! += 1n;
  return segments.join('.');
}

/**
 * Sorted by Gem::Version order (ascending, or newest first with `desc`); versions RubyGems calls
 * equal (`1.0`, `1`) keep a fixed order by their text, so the result never depends on the input order.
 */
export function sortGemVersions(versions: readonly string[], desc = false): string[] {
  const keyed = versions.map((v) => ({ v, p: parsed(v) }));
  const sign = desc ? -1 : 1;
  keyed.sort((a, b) => sign * (compareParsed(a.p, b.p) || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0)));
  return keyed.map((k) => k.v);
}

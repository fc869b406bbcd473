/**
 * Gem platforms and Ruby versions for one target, as RubyGems 3.3 reads them (checked against the
 * real Ruby and Bundler in test/importers/rubygems/platforms.test.ts).
 *
 * A platform string is parsed as Gem::Platform.new does (`x86_64-linux-gnu` is cpu x86_64, os linux,
 * no version; `i686-linux` is x86-linux; `java` has no cpu), and a gem matches the target as it
 * matches Gem::Platform.local on an x86_64 glibc Linux: `ruby` always; otherwise the same os, and the
 * same cpu or `universal` or none. One deliberate difference: RubyGems 3.3 also takes a Linux
 * platform that names another libc or system (`x86_64-linux-musl`, `x86_64-linux-android`), because
 * its local platform has no version and a missing version matches any; those gems do not run on
 * glibc (newer RubyGems releases tell musl and glibc apart), so here they never match.
 */
import { UserError } from '../../src/errors/index.js';
import { parseGemRequirement, satisfiesGem, type GemRequirement } from './gem-requirement.js';
import { canonicalGemVersion, isValidGemVersion, quoteInput } from './gem-version.js';

/** What bale builds for. Only x86_64 glibc Linux today; the matching below is written field by field. */
export interface GemTarget {
  cpu: 'x86_64';
  os: 'linux';
  libc: 'gnu';
}

/** Gem::Platform#to_a: `null` where Ruby has nil. */
export interface GemPlatform {
  cpu: string | null;
  os: string;
  version: string | null;
}

interface Parsed extends GemPlatform {
  /** The os part as written, after `x86-linux-gnu` is reassembled: `linux-gnu`. */
  written: string | null;
}

type OsRule = [RegExp, (m: RegExpExecArray) => [string, string | null]];
const group = (m: RegExpExecArray, i: number): string | null => m[i] ?? null;

/** Gem::Platform#initialize's os table, first match wins; the patterns are unanchored as in Ruby. */
const OS_RULES: readonly OsRule[] = [
  [/aix(\d+)?/, (m) => ['aix', group(m, 1)]],
  [/cygwin/, () => ['cygwin', null]],
  [/darwin(\d+)?/, (m) => ['darwin', group(m, 1)]],
  [/^macruby$/m, () => ['macruby', null]],
  [/freebsd(\d+)?/, (m) => ['freebsd', group(m, 1)]],
  [/hpux(\d+)?/, (m) => ['hpux', group(m, 1)]],
  [/^(?:java|jruby)$/m, () => ['java', null]],
  [/^java([\d.]*)/m, (m) => ['java', group(m, 1)]],
  [/^dalvik(\d+)?$/m, (m) => ['dalvik', group(m, 1)]],
  [/^dotnet$/m, () => ['dotnet', null]],
  [/^dotnet([\d.]*)/m, (m) => ['dotnet', group(m, 1)]],
  // `linux-gnu` has no version: glibc is what a plain Linux gem means.
  [/linux-?((?!gnu)\w+)?/, (m) => ['linux', group(m, 1)]],
  [/mingw32/, () => ['mingw32', null]],
  [/mingw-?(\w+)?/, (m) => ['mingw', group(m, 1)]],
  [/(mswin\d+)(_(\d+))?/, (m) => [m[1]!, group(m, 3)]],
  [/netbsdelf/, () => ['netbsdelf', null]],
  [/openbsd(\d+\.\d+)?/, (m) => ['openbsd', group(m, 1)]],
  [/bitrig(\d+\.\d+)?/, (m) => ['bitrig', group(m, 1)]],
  [/solaris(\d+\.\d+)?/, (m) => ['solaris', group(m, 1)]],
  [/^(\w+_platform)(\d+)?/m, (m) => [m[1]!, group(m, 2)]],
];

function parse(platform: string): Parsed | 'ruby' {
  if (platform === 'ruby' || platform === '') return 'ruby';
  const parts = platform.split('-');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // Ruby's split drops trailing empties
  if (parts.length > 2 && !/\d/.test(parts[parts.length - 1]!)) {
    const extra = parts.pop()!;
    parts[parts.length - 1] += `-${extra}`;
  }
  const first = parts.shift() ?? null;
  let cpu = first !== null && /i\d86/.test(first) ? 'x86' : first;
  if (parts.length === 2 && /^\d+(\.\d+)?$/m.test(parts[1]!)) return { cpu, os: parts[0]!, version: parts[1]!, written: parts[0]! };
  let written = parts[0] ?? null;
  if (written === null) {
    // A single word (`java`, `jruby`) is an os without a cpu.
    written = first;
    cpu = null;
  }
  if (written === null) return { cpu, os: 'unknown', version: null, written };
  for (const [re, result] of OS_RULES) {
    const m = re.exec(written);
    if (m === null) continue;
    const [os, version] = result(m);
    if (cpu === null && /^mswin\d+$/.test(os) && /32$/m.test(os)) cpu = 'x86';
    return { cpu, os, version, written };
  }
  return { cpu, os: 'unknown', version: null, written };
}

/**
 * Gem::Platform.new(platform).to_a, or 'ruby' for `ruby` and `''`. `current` (the building machine's
 * platform, meaningless in a registry) is parsed as a word, so it matches nothing.
 */
export function parseGemPlatform(platform: string): GemPlatform | 'ruby' {
  const p = parse(platform);
  return p === 'ruby' ? p : { cpu: p.cpu, os: p.os, version: p.version };
}

function matches(p: Parsed | 'ruby', t: GemTarget): boolean {
  if (p === 'ruby') return true;
  const cpu = p.cpu === null || p.cpu === 'universal' || p.cpu === t.cpu;
  // No version on Linux means glibc (`x86_64-linux`, `x86_64-linux-gnu`); any other is not the target.
  return cpu && p.os === t.os && p.version === null;
}

/** Whether a gem built for `platform` (as a registry names it) installs on the target. */
export function gemPlatformMatches(platform: string, target: GemTarget): boolean {
  return matches(parse(platform), target);
}

/** Lower is better: the target's exact libc, then its cpu, then universal/any cpu, then source. */
function rank(p: Parsed | 'ruby', t: GemTarget, prefer: 'native' | 'ruby'): number {
  if (p === 'ruby') return prefer === 'ruby' ? -1 : 3;
  if (p.cpu !== t.cpu) return 2;
  return p.written === `${t.os}-${t.libc}` ? 0 : 1;
}

/**
 * The platform variant of one gem release to install on the target, from the platforms the registry
 * lists for it (`ruby` for the plain gem), or undefined when none matches.
 * - `native`: the most specific binary gem, as RubyGems and Bundler prefer a matching binary gem to
 *   the source gem: `x86_64-linux-gnu` (says glibc), then `x86_64-linux` (which Bundler 2.3 ranks
 *   equal to it), then `universal-linux`, then `ruby`.
 * - `ruby`: the source gem when there is one (its extensions are compiled at build time), else the
 *   best binary gem as with `native`; compare the result with 'ruby' to know which it is.
 * Ties (two spellings RubyGems reads alike) go to the bytewise-smallest string, so the listing's
 * order never matters.
 */
export function pickGemPlatform(platforms: readonly string[], target: GemTarget, prefer: 'native' | 'ruby'): string | undefined {
  let best: { platform: string; rank: number } | undefined;
  for (const platform of platforms) {
    const p = parse(platform);
    if (!matches(p, target)) continue;
    const r = rank(p, target, prefer);
    if (best === undefined || r < best.rank || (r === best.rank && platform < best.platform)) best = { platform, rank: r };
  }
  return best?.platform;
}

/**
 * The Gem::Version RubyGems gives a Ruby (Gem.ruby_version): `3.1.2` (a patchlevel such as
 * `3.1.2p20` is ignored), and for a preview, release candidate or development build its label as a
 * prerelease segment: `3.4.0preview1`, `3.4.0-preview1` and `3.4.0.preview1` are all `3.4.0.preview1`.
 * So `>= 3.4` refuses a 3.4.0 preview, as `gem install` does (Bundler 2.3 would take it as 3.4.0).
 */
export function rubyGemVersion(rubyVersion: string): string {
  const release = /^(\d+\.\d+\.\d+)(?:p\d+)?$/.exec(rubyVersion);
  if (release !== null) return canonicalGemVersion(release[1]!);
  const pre = /^(\d+\.\d+\.\d+)[.-]?([a-zA-Z][a-zA-Z0-9]*)$/.exec(rubyVersion);
  // `p` alone or with digits is a patchlevel, never a prerelease label.
  if (pre !== null && !/^p\d*$/.test(pre[2]!) && isValidGemVersion(`${pre[1]}.${pre[2]}`)) return `${pre[1]}.${pre[2]}`;
  throw new UserError(
    'ERUBY',
    `Ruby version ${quoteInput(rubyVersion)} is not X.Y.Z: name an exact Ruby version such as 3.1.2 or 3.4.0preview1`,
  );
}

/**
 * Whether a gem's required_ruby_version admits the target Ruby (none or blank: yes), as RubyGems
 * checks it: Gem::Requirement#satisfied_by?(Gem.ruby_version), prereleases not filtered. The
 * requirement comes in any form `parseGemRequirement` reads (`>= 2.7, < 4`, `>= 2.7&< 4`, a list);
 * one it cannot read is a UserError 'EREQUIREDRUBY' naming it.
 */
export function requiredRubyAllows(requirement: string | readonly string[] | undefined, rubyVersion: string): boolean {
  const ruby = rubyGemVersion(rubyVersion);
  if (requirement === undefined || (typeof requirement === 'string' && requirement.trim() === '')) return true;
  let req: GemRequirement;
  try {
    req = parseGemRequirement(requirement);
  } catch (err) {
    const shown = typeof requirement === 'string' ? requirement : requirement.join(', ');
    throw new UserError(
      'EREQUIREDRUBY',
      `required_ruby_version ${quoteInput(shown)} is not a RubyGems requirement: pin another release of the gem, or fix its metadata`,
      { cause: err },
    );
  }
  return satisfiesGem(ruby, req);
}

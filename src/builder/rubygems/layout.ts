/**
 * Where an installed gem's files go for one Ruby X.Y, and what its packages are called. Pure.
 *
 *   usr/lib/ruby/gems/<abi>/gems/<full name>/...                              the gem's files     main
 *   usr/lib/ruby/gems/<abi>/specifications/<full name>.gemspec                what `require` finds main
 *   usr/lib/ruby/gems/<abi>/extensions/<platform>/<ext api>/<full name>/...   built extensions    main
 *   usr/lib/ruby/gems/<abi>/plugins/<name>_plugin.rb                          RubyGems plugins    main
 *   usr/bin/<executable>                                                      RubyGems' wrappers  -bin
 *
 * `<abi>` is RbConfig's ruby_version ('3.1.0'): the directory name every Ruby X.Y uses for its gems.
 */
import { UserError } from '../../errors/index.js';

/** What the Ruby found (RbConfig, Gem::Platform) or asked for cannot name a path: one code for them all, not a usage error. */
const ELAYOUT = 'ERUBYLAYOUT';

export const BIN_DIR = 'usr/bin';

/** `3.1`, never `3` or `3.1.2`: package names and the shebang name the minor version. */
export function checkRubyVersion(version: string): void {
  if (!/^[0-9]+\.[0-9]+$/.test(version)) {
    throw new UserError(ELAYOUT, `Ruby version "${version}": give it as MAJOR.MINOR, e.g. 3.1`);
  }
}

/** RbConfig ruby_version, '3.1.0': a path segment, so nothing else passes. */
function checkAbi(abi: string): void {
  if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(abi))
    throw new UserError(ELAYOUT, `Ruby ABI "${abi}": expected RbConfig's ruby_version, e.g. 3.1.0`);
}

/** The install dir (GEM_HOME) for one Ruby ABI, relative to the package root. */
export function gemDir(abi: string): string {
  checkAbi(abi);
  return `usr/lib/ruby/gems/${abi}`;
}

/** The interpreter executables run with, by absolute path: the versioned name Debian gives each Ruby. */
export function interpreterPath(rubyVersion: string): string {
  checkRubyVersion(rubyVersion);
  return `/usr/bin/ruby${rubyVersion}`;
}

/** RubyGems' own rule (Gem::Specification::VALID_NAME_PATTERN) plus "not only dots": it becomes a path segment. */
export function isValidGemName(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && /[A-Za-z0-9]/.test(name);
}

/** A Gem::Version string ('1.0.0', '1.0.0.rc1', '2.0.0-x'): starts with a digit, path-safe. */
export function isValidGemVersion(version: string): boolean {
  return /^[0-9][0-9A-Za-z.-]*$/.test(version) && !version.includes('..');
}

/** 'ruby', 'x86_64-linux', 'x86_64-linux-gnu', 'java': path-safe platform names. */
export function isValidGemPlatform(platform: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(platform) && !platform.includes('..');
}

/** Gem::Specification#full_name: `rack-3.0.8`, or `nokogiri-1.16.0-x86_64-linux` for a platform gem. */
export function gemFullName(name: string, version: string, platform: string): string {
  if (!isValidGemName(name)) throw new UserError('EGEM', `gem name "${name}" is not a valid RubyGems name (letters, digits, . _ -)`);
  if (!isValidGemVersion(version)) throw new UserError('EGEM', `gem ${name}: version "${version}" is not a valid Gem::Version`);
  if (!isValidGemPlatform(platform))
    throw new UserError('EGEM', `gem ${name}-${version}: platform "${platform}" is not a valid Gem::Platform`);
  return platform === 'ruby' ? `${name}-${version}` : `${name}-${version}-${platform}`;
}

/** Where RubyGems unpacks the gem. */
export function gemInstallDir(abi: string, fullName: string): string {
  return `${gemDir(abi)}/gems/${fullName}`;
}

/** The installed specification RubyGems loads to find the gem. */
export function specificationPath(abi: string, fullName: string): string {
  return `${gemDir(abi)}/specifications/${fullName}.gemspec`;
}

/**
 * Where built extensions go: Gem::BasicSpecification#extension_dir, from Gem::Platform.local
 * ('x86_64-linux') and Gem.extension_api_version ('3.1.0', '3.1.0-static' for a static libruby).
 */
export function extensionDir(abi: string, gemPlatform: string, extensionApi: string, fullName: string): string {
  if (!isValidGemPlatform(gemPlatform)) throw new UserError(ELAYOUT, `Ruby platform "${gemPlatform}" is not a valid Gem::Platform`);
  if (!/^[0-9]+\.[0-9]+\.[0-9]+(-static)?$/.test(extensionApi))
    throw new UserError(ELAYOUT, `extension API "${extensionApi}": expected e.g. 3.1.0`);
  return `${gemDir(abi)}/extensions/${gemPlatform}/${extensionApi}/${fullName}`;
}

/**
 * `ruby3.1-<name>`, and `ruby3.1-<name>-bin` for the executables. Gem names are case-sensitive
 * (`RedCloth`, purl keeps the case), so the name is kept exactly: lowercasing could merge two gems.
 */
export function rubyPackageName(name: string, rubyVersion: string, bin = false): string {
  checkRubyVersion(rubyVersion);
  if (!isValidGemName(name)) throw new UserError('EGEM', `gem name "${name}" is not a valid RubyGems name (letters, digits, . _ -)`);
  return `ruby${rubyVersion}-${name}${bin ? '-bin' : ''}`;
}

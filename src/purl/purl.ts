import { UserError } from '../errors/index.js';

/** The ecosystems bale knows (purl types). Adding one: README, "Adding an ecosystem". */
export const ECOSYSTEMS = ['npm', 'pypi', 'gem', 'deb'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** An exact package identity: a Package URL with a version. */
export interface Purl {
  type: Ecosystem;
  /** Full ecosystem name, e.g. `@types/node` for npm, `requests` for pypi. */
  name: string;
  version: string;
}

/** What a user asks for: a name and an optional range, tag or exact version. */
export interface Spec {
  type: Ecosystem;
  name: string;
  /** Range, tag or exact version as the ecosystem understands it; undefined = latest. */
  range: string | undefined;
  /** PyPI extras, `pypi:requests[socks]@2.31.0`: what the user wants the package to bring along. */
  extras?: string[];
  /**
   * A purl's `repository_url` qualifier: the registry (npm), index (PyPI) or source (RubyGems) this
   * spec and its dependencies resolve against, instead of the flag's or the default one.
   */
  repository?: string;
}

function specError(input: string, why: string): UserError {
  return new UserError(
    'ESPEC',
    `invalid package spec "${input}": ${why} (expected e.g. npm:express@^4, pkg:npm/%40types/node@20.11.0, pypi:requests@2.31.0, gem:rack, deb:libc6)`,
  );
}

function isEcosystem(t: string): t is Ecosystem {
  return (ECOSYSTEMS as readonly string[]).includes(t);
}

/** PEP 503 normalisation, which purl requires for pypi names. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

// npm forbids a leading "." (and "_" unscoped): without that, "..", ".bin" would pass and name paths.
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/[a-z0-9_~-]|[a-z0-9~-])[a-z0-9._~-]*$/i;
const PYPI_NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i;
const GEM_NAME = /^[a-z0-9_][a-z0-9._-]*$/i;
/** Debian policy 5.6.1: lowercase, at least two characters. */
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/**
 * Debian purls name the vendor as their namespace (`pkg:deb/debian/libc6@...`); bale resolves
 * against the host's apt, which is Debian. The architecture is the host's (amd64) or `all`, so it
 * is left out of canonical purls; an `arch` qualifier naming another one is refused.
 */
const DEB_NAMESPACE = 'debian';
const DEB_ARCHES = ['amd64', 'all'];

function checkName(input: string, type: Ecosystem, name: string): string {
  if (name === '') throw specError(input, 'empty package name');
  const pattern = { npm: NPM_NAME, pypi: PYPI_NAME, gem: GEM_NAME, deb: DEB_NAME }[type];
  const ok = pattern.test(name) && (type !== 'npm' || name.length <= 214);
  if (!ok) throw specError(input, `"${name}" is not a valid ${type} package name`);
  return type === 'pypi' ? normalizePypiName(name) : name;
}

/**
 * A package name as path segments, canonical (PyPI's normalised): an npm scope is a segment of its
 * own (`@types`, `node`), as the purl spec makes it the namespace; every other name is one segment.
 */
export function nameSegments(type: Ecosystem, name: string): string[] {
  const n = type === 'pypi' ? normalizePypiName(name) : name;
  return type === 'npm' && n.startsWith('@') ? n.split('/') : [n];
}

function decode(input: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw specError(input, `bad percent-encoding in "${part}"`);
  }
}

/**
 * The qualifiers bale reads, per purl type; any other one (and a `#subpath`) is refused rather than
 * ignored, since ignoring it would build something else than what the purl names.
 */
const QUALIFIERS: Readonly<Record<Ecosystem, readonly string[]>> = {
  npm: ['repository_url'],
  pypi: ['repository_url'],
  gem: ['repository_url'],
  deb: ['arch', 'distro'],
};
const SUPPORTED_QUALIFIERS = 'bale reads repository_url for npm, pypi and gem purls, arch and distro for deb purls';

/** `key=value&...` as the purl spec writes them: keys case-insensitive, values percent-encoded, empty values absent. */
function parseQualifiers(input: string, type: Ecosystem, text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : decode(input, pair.slice(eq + 1));
    if (!/^[a-z][a-z0-9._-]*$/.test(key)) throw specError(input, `"${key}" is not a qualifier name`);
    if (!QUALIFIERS[type].includes(key)) throw specError(input, `unsupported qualifier "${key}" (${SUPPORTED_QUALIFIERS})`);
    if (out.has(key)) throw specError(input, `qualifier "${key}" given twice`);
    if (value !== '') out.set(key, value);
  }
  return out;
}

/** A `repository_url` must be where an HTTP client can go: http(s), nothing else (no file:, no git+ssh:). */
function repositoryUrl(input: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw specError(input, `repository_url "${value}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw specError(input, `repository_url "${value}" is not an http(s) URL`);
  return value;
}

/** Parse `pkg:type/[namespace/]name[@version][?qualifiers]`; a `#subpath` is refused. */
function parsePurlParts(input: string): Spec {
  let rest = input.slice(4);
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    const subpath = rest.slice(hash + 1);
    throw specError(input, `a subpath ("#${subpath}") names a part of a package; bale builds whole packages, drop it`);
  }
  const q = rest.indexOf('?');
  const qualifierText = q >= 0 ? rest.slice(q + 1) : undefined;
  if (q >= 0) rest = rest.slice(0, q);
  rest = rest.replace(/^\/+/, '');
  const slash = rest.indexOf('/');
  if (slash < 0) throw specError(input, 'a purl needs a type and a name');
  const type = rest.slice(0, slash).toLowerCase();
  if (!isEcosystem(type)) throw specError(input, `unknown purl type "${type}"`);
  const qualifiers = qualifierText === undefined ? new Map<string, string>() : parseQualifiers(input, type, qualifierText);
  let path = rest.slice(slash + 1);
  let version: string | undefined;
  // The version "@" follows the last "/" and is not the first character of the name: in
  // `pkg:npm/@types/node` (scope "@" left unencoded) the "@" is part of the name.
  const at = path.lastIndexOf('@');
  if (at > path.lastIndexOf('/') + 1) {
    version = decode(input, path.slice(at + 1));
    path = path.slice(0, at);
    if (version === '') throw specError(input, 'empty version after "@"');
  }
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decode(input, s));
  if (segments.length === 0) throw specError(input, 'missing name');
  if (type === 'deb') return debPurl(input, segments, version, qualifiers);
  if (segments.length > 2 || (segments.length === 2 && type !== 'npm')) throw specError(input, 'too many path segments');
  let name = segments.join('/');
  if (type === 'npm' && segments.length === 2 && !segments[0]!.startsWith('@')) name = `@${segments[0]}/${segments[1]}`;
  const repository = qualifiers.get('repository_url');
  return {
    type,
    name: checkName(input, type, name),
    range: version,
    ...(repository === undefined ? {} : { repository: repositoryUrl(input, repository) }),
  };
}

/** `pkg:deb/debian/<name>[@version][?arch=amd64|all]`: the namespace is required, the arch optional. */
function debPurl(input: string, segments: string[], version: string | undefined, qualifiers: Map<string, string>): Spec {
  if (segments.length !== 2 || segments[0]!.toLowerCase() !== DEB_NAMESPACE) {
    throw specError(input, `a Debian purl is pkg:deb/${DEB_NAMESPACE}/<name>@<version>`);
  }
  // `distro` (bookworm) is accepted as SBOM tools write it: the host's apt sources decide what is fetched.
  const arch = qualifiers.get('arch');
  if (arch != null && !DEB_ARCHES.includes(arch.toLowerCase()))
    throw specError(input, `bale builds Debian packages for amd64 (or all), not ${arch}`);
  return { type: 'deb', name: checkName(input, 'deb', segments[1]!), range: version };
}

/** Parse the shorthand `eco:name[@range]`. */
function parseShorthand(input: string): Spec {
  const colon = input.indexOf(':');
  if (colon < 0) throw specError(input, 'missing ecosystem prefix');
  const type = input.slice(0, colon).toLowerCase();
  if (!isEcosystem(type)) throw specError(input, `unknown ecosystem "${type}" (one of ${ECOSYSTEMS.join(', ')})`);
  const body = input.slice(colon + 1).trim();
  // A scoped npm name starts with "@": the version separator is the next "@" after position 0.
  const at = body.indexOf('@', 1);
  let name = at >= 0 ? body.slice(0, at) : body;
  const range = at >= 0 ? body.slice(at + 1).trim() : undefined;
  if (range === '') throw specError(input, 'empty version after "@"');
  const extras = type === 'pypi' ? /^([^[\]]+)\[([^[\]]*)\]$/.exec(name) : null;
  if (extras) {
    name = extras[1]!;
    const list = extras[2]!.split(',').map((e) =>
      e
        .trim()
        .toLowerCase()
        .replace(/[-_.]+/g, '-'),
    );
    if (list.some((e) => !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(e))) throw specError(input, `bad extras "[${extras[2]}]"`);
    return { type, name: checkName(input, type, name), range, extras: [...new Set(list)].sort() };
  }
  return { type, name: checkName(input, type, name), range };
}

/** Parse what a user typed: a purl or the `eco:name@range` shorthand. */
export function parseSpec(input: string): Spec {
  const s = input.trim();
  if (s === '') throw specError(input, 'empty spec');
  if (/\s/.test(s)) throw specError(input, 'spaces are not allowed');
  return s.toLowerCase().startsWith('pkg:') ? parsePurlParts(s) : parseShorthand(s);
}

/** Parse an exact purl (a version is required). */
export function parsePurl(input: string): Purl {
  const spec = parseSpec(input);
  if (spec.range === undefined) throw specError(input, 'a pinned purl needs an exact version');
  // A pinned purl names a package, not where to fetch it: a recipe's sources say that.
  if (spec.repository !== undefined)
    throw specError(input, "a pinned purl takes no repository_url (a recipe's sources say where its files are)");
  return { type: spec.type, name: spec.name, version: spec.range };
}

function encodeSegment(s: string): string {
  // purl spec: percent-encode everything but unreserved characters; ":" is allowed too.
  return encodeURIComponent(s).replace(/%3A/gi, ':');
}

/** Canonical purl text: `pkg:npm/%40types/node@20.11.0`. */
export function formatPurl(p: Purl): string {
  const name = p.type === 'pypi' ? normalizePypiName(p.name) : p.name;
  let path: string;
  if (p.type === 'npm' && name.startsWith('@')) {
    const [scope, bare] = name.split('/') as [string, string];
    path = `${encodeSegment(scope)}/${encodeSegment(bare)}`;
  } else if (p.type === 'deb') {
    path = `${DEB_NAMESPACE}/${encodeSegment(name)}`;
  } else {
    path = encodeSegment(name);
  }
  return `pkg:${p.type}/${path}@${encodeSegment(p.version)}`;
}

/** The shorthand users type, `npm:express@4.21.2`. */
export function formatSpec(s: Spec): string {
  return s.range === undefined ? `${s.type}:${s.name}` : `${s.type}:${s.name}@${s.range}`;
}

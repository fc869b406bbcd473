/**
 * PEP 508 requirement strings, as found in Requires-Dist, `[build-system].requires` and specs:
 * `requests[socks] >=2.31, <3 ; python_version >= "3.8"`, `pywin32 (>=1.0)`, `pip @ https://...`.
 */
import { UserError, isUserError } from '../../src/errors/index.js';
import { normalizePypiName } from '../../src/purl/purl.js';
import { formatMarker, parseMarker, type Marker } from './markers.js';
import { formatSpecifierSet, parseSpecifierClause, type SpecifierClause } from './versions.js';

export interface Requirement {
  /** The distribution name as written (`PySocks`). */
  name: string;
  /** PEP 503 normalised (`pysocks`): what names are compared and looked up by. */
  normalized: string;
  /** Requested extras, PEP 685 normalised, sorted, without duplicates. */
  extras: string[];
  /** PEP 440 specifier set, clauses in their written order without spaces (`>=1.5.6,!=1.5.7`); '' if none. */
  specifier: string;
  /** The direct reference of `name @ url`. */
  url?: string;
  marker?: Marker;
}

// PEP 508 identifiers: ASCII letters and digits, with - _ . inside.
const IDENTIFIER = /[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/y;
// PEP 508's `version` characters; a direct reference needs a scheme (https:, file:, git+https:).
const VERSION_CHARS = /^[A-Za-z0-9._*+!-]+$/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\S/;

/** Parse one requirement. Anything PEP 508 does not allow is a UserError 'EREQUIREMENT' naming the text. */
export function parseRequirement(text: string): Requirement {
  const fail = (why: string, at: number): never => {
    throw new UserError(
      'EREQUIREMENT',
      `requirement '${text.trim()}' is invalid: ${why} at column ${at + 1}; write it as PEP 508 says, e.g. name[extra]>=1.0; python_version < "3.11"`,
    );
  };
  let pos = 0;
  const skipWs = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const identifier = (what: string): string => {
    IDENTIFIER.lastIndex = pos;
    const m = IDENTIFIER.exec(text);
    if (m === null) return fail(`expected ${what}`, pos);
    pos = IDENTIFIER.lastIndex;
    return m[0];
  };

  skipWs();
  const name = identifier('a distribution name');
  skipWs();
  const extras = new Set<string>();
  if (text[pos] === '[') {
    pos++;
    skipWs();
    while (text[pos] !== ']') {
      if (extras.size > 0) {
        if (text[pos] !== ',') fail("expected ',' or ']' in the extras", pos);
        pos++;
        skipWs();
      }
      extras.add(normalizePypiName(identifier('an extra name')));
      skipWs();
    }
    pos++;
    skipWs();
  }

  const req: Requirement = { name, normalized: normalizePypiName(name), extras: [...extras].sort(), specifier: '' };
  if (text[pos] === '@') {
    pos++;
    skipWs();
    const start = pos;
    while (pos < text.length && !/\s/.test(text[pos]!)) pos++;
    req.url = text.slice(start, pos);
    if (!URL_SCHEME.test(req.url)) fail(`expected a URL with a scheme after '@'`, start);
    skipWs();
    // PEP 508: whitespace ends the URL, so a marker after it needs some (`url ; marker`).
    if (pos < text.length && text[pos] !== ';') fail(`expected ' ;' and a marker after the URL, found '${text[pos]}'`, pos);
  } else {
    let specText: string;
    let specAt = pos;
    if (text[pos] === '(') {
      const close = text.indexOf(')', pos);
      if (close === -1) fail("missing ')' after the version specifier", pos);
      specAt = pos + 1;
      specText = text.slice(specAt, close);
      pos = close + 1;
    } else {
      const semi = text.indexOf(';', pos);
      pos = semi === -1 ? text.length : semi;
      specText = text.slice(specAt, pos);
    }
    req.specifier = specifierText(specText, (why) => fail(why, specAt));
    skipWs();
  }

  if (pos < text.length) {
    if (text[pos] !== ';') fail(`unexpected '${text[pos]}'`, pos);
    const markerText = text.slice(pos + 1);
    if (markerText.trim() === '') fail("expected a marker after ';'", pos + 1);
    try {
      req.marker = parseMarker(markerText);
    } catch (err) {
      if (isUserError(err)) throw new UserError('EREQUIREMENT', `requirement '${text.trim()}': ${err.message}`, { cause: err });
      throw err;
    }
  }
  return req;
}

function specifierText(text: string, fail: (why: string) => never): string {
  if (text.trim() === '') return '';
  if (text.includes('#')) fail("comments ('#') are not allowed in a requirement");
  const clauses: SpecifierClause[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') fail(`empty clause in the version specifier '${text.trim()}'`);
    const c = parseSpecifierClause(part);
    if (c === null || !VERSION_CHARS.test(c.version))
      fail(`'${part.trim()}' is not a PEP 440 version specifier (such as >=1.0, ==2.*, ~=1.4)`);
    clauses.push(c!);
  }
  return formatSpecifierSet(clauses);
}

/** The requirement as text, canonical spelling (`name[a,b]>=1,<2; marker`, `name @ url ; marker`). */
export function formatRequirement(r: Requirement): string {
  const extras = r.extras.length > 0 ? `[${r.extras.join(',')}]` : '';
  const what = r.url !== undefined ? ` @ ${r.url}` : r.specifier;
  const marker = r.marker === undefined ? '' : `${r.url !== undefined ? ' ' : ''}; ${formatMarker(r.marker)}`;
  return `${r.name}${extras}${what}${marker}`;
}

/**
 * Core metadata: a wheel's METADATA, an sdist's PKG-INFO, a PEP 658 `.metadata` file. The format
 * is email headers (the spec defers to Python's email.parser, compat32): `Field: value` lines,
 * continuation lines that start with a space or tab, then a blank line and the description body.
 */
import { UserError, isUserError } from '../../src/errors/index.js';
import { normalizePypiName } from '../../src/purl/purl.js';
import type { MarkerEnv } from './environment.js';
import { evaluateMarker } from './markers.js';
import { parseRequirement, type Requirement } from './requirement.js';
import { isValidVersion } from './versions.js';

export interface CoreMetadata {
  /** `Metadata-Version`, such as '2.1'. */
  metadataVersion: string;
  /** `Name` as written. */
  name: string;
  /** `Version` as written (a valid PEP 440 version). */
  version: string;
  /** Every `Requires-Dist`, in order, markers not yet evaluated. */
  requiresDist: Requirement[];
  /** `Requires-Python` as written; checked when used (`requiresPythonAllows`). */
  requiresPython?: string;
  /** `Provides-Extra`, PEP 685 normalised, sorted, without duplicates. */
  providesExtra: string[];
  /** PEP 643 `Dynamic`: fields an sdist's PKG-INFO does not pin (their value may differ in the wheel). */
  dynamic: string[];
}

/** The newest metadata major version bale reads; the spec says to refuse a newer major. */
const SUPPORTED_MAJOR = 2;
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// A header line: a field name of printable ASCII but ':' (as email.parser reads it), a colon, a value.
const HEADER = /^([\x21-\x39\x3b-\x7e]+):(.*)$/;

interface Field {
  name: string;
  value: string;
}

function readHeaders(text: string): Field[] {
  const fields: Field[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    if (line === '') break;
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last !== undefined) {
      // Unfolding: a continuation line carries on the previous value.
      last.value += line;
      continue;
    }
    const m = HEADER.exec(line);
    // Like email.parser, a line that is not a header starts the body.
    if (m === null) break;
    fields.push({ name: m[1]!.toLowerCase(), value: m[2]! });
  }
  return fields.map((f) => ({ name: f.name, value: f.value.trim() }));
}

/**
 * Parse core metadata. `source` names the file in errors (a path, or `<wheel>/…/METADATA`).
 * Missing or duplicated Metadata-Version, Name or Version, an invalid name or version, a newer
 * metadata major version, or a Requires-Dist that is not PEP 508 is a UserError 'EMETADATA' naming
 * the source and the field. Fields bale does not use are ignored.
 */
export function parseCoreMetadata(text: string, source: string): CoreMetadata {
  const broken = (problem: string, cause?: unknown): never => {
    throw new UserError(
      'EMETADATA',
      `broken metadata in ${source}: ${problem}; pin another release, or report it to the package's authors`,
      { cause },
    );
  };
  const fields = readHeaders(text);
  const all = (name: string): string[] => fields.filter((f) => f.name === name.toLowerCase()).map((f) => f.value);
  const one = (name: string): string => {
    const values = all(name);
    if (values.length === 0) broken(`no ${name} field`);
    if (values.length > 1) broken(`${name} given ${values.length} times`);
    if (values[0] === '') broken(`the ${name} field is empty`);
    return values[0]!;
  };

  const metadataVersion = one('Metadata-Version');
  const major = /^(\d+)\.\d+$/.exec(metadataVersion);
  if (major === null) broken(`Metadata-Version '${metadataVersion}' is not X.Y`);
  if (Number(major![1]) > SUPPORTED_MAJOR) broken(`Metadata-Version ${metadataVersion} is newer than bale reads (${SUPPORTED_MAJOR}.x)`);
  const name = one('Name');
  if (!NAME.test(name)) broken(`Name '${name}' is not a valid distribution name`);
  const version = one('Version');
  if (!isValidVersion(version)) broken(`Version '${version}' is not a PEP 440 version`);

  const requiresDist = all('Requires-Dist').map((value) => {
    try {
      return parseRequirement(value);
    } catch (err) {
      if (isUserError(err)) return broken(`Requires-Dist: ${err.message}`, err);
      throw err;
    }
  });

  const dynamic = all('Dynamic');
  const pinned = dynamic.find((d) => ['name', 'version', 'metadata-version'].includes(d.toLowerCase()));
  // PEP 643: these must be static, so their value above is the final one.
  if (pinned !== undefined) broken(`Dynamic lists ${pinned}, which must never be dynamic`);

  const requiresPython = all('Requires-Python')[0];
  return {
    metadataVersion,
    name,
    version,
    requiresDist,
    ...(requiresPython !== undefined && requiresPython !== '' ? { requiresPython } : {}),
    providesExtra: [
      ...new Set(
        all('Provides-Extra')
          .filter((e) => e !== '')
          .map(normalizePypiName),
      ),
    ].sort(),
    dynamic,
  };
}

/**
 * The requirements that apply to one target interpreter when `extras` of this distribution are
 * requested: markers evaluated (pip's rule: once per requested extra, or with extra = '' when
 * none), so `foo; extra == "socks"` comes only with socks. Requirements come back unchanged, with
 * their own extras (`urllib3[socks]`) for the caller to carry through the closure.
 */
export function dependenciesFor(meta: CoreMetadata, env: MarkerEnv, extras: ReadonlySet<string>): Requirement[] {
  return meta.requiresDist.filter((r) => r.marker === undefined || evaluateMarker(r.marker, env, extras));
}

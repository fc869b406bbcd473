/**
 * Installing a wheel in memory: its entries (from readZip) become the entries of two packages for
 * one CPython X.Y, laid out as layout.ts says. What pip would do, minus what leaks the machine:
 * no INSTALLER, REQUESTED or direct_url.json, no .pyc, a RECORD whose bytes depend only on the wheel.
 *
 * Every file is checked against the wheel's RECORD first (the wheel format makes that the
 * installer's duty): a file missing from RECORD, a RECORD row with no file, or a hash mismatch
 * stops the install.
 */
import { posix } from 'node:path';
import { clean } from '@renovatebot/pep440';
import { isNormalPath, normaliseEntryPath } from '../../archive/paths.js';
import { IntegrityError, UserError } from '../../errors/index.js';
import type { PackEntry } from '../../packer/entry.js';
import { BIN_DIR, interpreterPath, isValidName, normalizeName, SCHEMES, schemeRoot, sitePackages, type Scheme } from './layout.js';
import { formatRecord, parseRecord, recordHash, verifyRow, type RecordRow } from './record.js';
import { launcher, parseEntryPoints, rewriteShebang } from './scripts.js';

export interface WheelInstallOptions {
  /** The target interpreter, MAJOR.MINOR: `3.11`. */
  pythonVersion: string;
  /** The distribution as the recipe names it; its dist-info directory must match it (normalised). */
  distribution: string;
  /** The pinned version; the dist-info directory must match it (PEP 440 normalised). */
  version: string;
}

export interface InstalledWheel {
  /** Files under usr/lib/pythonX.Y/site-packages, plus headers (usr/include/...) and data (usr/...). */
  main: PackEntry[];
  /** usr/bin: console and gui script launchers and the wheel's `.data/scripts`. */
  bin: PackEntry[];
  /** The `.dist-info` directory's name, as the wheel spells it: `foo_bar-1.0.dist-info`. */
  distInfo: string;
}

/** The wheel's own bookkeeping that an installed tree replaces or must not carry. */
const REPLACED = new Set(['RECORD', 'RECORD.jws', 'RECORD.p7s', 'INSTALLER', 'REQUESTED', 'direct_url.json']);

export function installWheel(entries: PackEntry[], opts: WheelInstallOptions, source: string): InstalledWheel {
  const { pythonVersion, distribution } = opts;
  const site = sitePackages(pythonVersion);
  if (!isValidName(distribution)) throw wheelError(source, `"${distribution}" is not a valid distribution name`);

  const files = new Map<string, Buffer>();
  for (const e of entries) {
    if (e.type === 'symlink') throw wheelError(source, `"${e.path}" is a symlink; a wheel holds only files`);
    // readZip gives normal paths; anything else handed in could climb out of its scheme's root.
    if (!isNormalPath(e.path)) throw wheelError(source, `"${e.path}" is not a normal relative path`);
    if (e.type === 'file') files.set(e.path, e.data ?? Buffer.alloc(0));
  }
  const modes = new Map(entries.map((e) => [e.path, e.mode]));

  const distInfo = findDistInfo([...files.keys()], opts, source);
  const stem = distInfo.slice(0, -'.dist-info'.length);
  const dataDir = `${stem}.data`;
  const read = (name: string): Buffer => {
    const data = files.get(`${distInfo}/${name}`);
    if (data === undefined) throw wheelError(source, `${distInfo}/${name} is missing; every wheel has one`);
    return data;
  };
  checkMetadataIdentity(read('METADATA').toString('utf8'), distInfo, opts, source);
  checkWheelFile(read('WHEEL').toString('utf8'), source);
  verifyAgainstRecord(files, read('RECORD').toString('utf8'), distInfo, source);

  const interpreter = interpreterPath(pythonVersion);
  const main: PackEntry[] = [];
  const bin: PackEntry[] = [];
  const add = (to: PackEntry[], path: string, data: Buffer, executable: boolean) =>
    to.push({ path, type: 'file', mode: executable ? 0o755 : 0o644, data });

  for (const [path, data] of files) {
    const executable = ((modes.get(path) ?? 0) & 0o111) !== 0;
    if (path.startsWith(`${distInfo}/`)) {
      if (!REPLACED.has(path.slice(distInfo.length + 1))) add(main, `${site}/${path}`, data, executable);
      continue;
    }
    if (!path.startsWith(`${dataDir}/`)) {
      // pip spreads any top-level *.data directory; installer only this one: refuse the ambiguity.
      const top = path.split('/')[0]!;
      if (top !== path && top.endsWith('.data'))
        throw wheelError(source, `"${path}" is in ${top}/, but this wheel's data directory is ${dataDir}/`);
      add(main, `${site}/${path}`, data, executable);
      continue;
    }
    const [scheme, ...rest] = path.slice(dataDir.length + 1).split('/');
    if (!SCHEMES.includes(scheme as Scheme) || rest.length === 0) {
      throw wheelError(source, `"${path}" is not inside one of ${dataDir}/{${SCHEMES.join(',')}}/`);
    }
    const target = `${schemeRoot(scheme as Scheme, pythonVersion, distribution)}/${rest.join('/')}`;
    // Scripts are commands: executable whatever the archive said (a wheel built on Windows has no modes).
    if (scheme === 'scripts') add(bin, target, rewriteShebang(data, interpreter), true);
    else add(main, target, data, executable);
  }

  const entryPoints = files.get(`${distInfo}/entry_points.txt`);
  if (entryPoints !== undefined) {
    for (const ep of parseEntryPoints(entryPoints.toString('utf8'), source, `${distInfo}/entry_points.txt`)) {
      add(bin, `${BIN_DIR}/${ep.name}`, launcher(ep, interpreter), true);
    }
  }

  const recordPath = `${site}/${distInfo}/RECORD`;
  checkUnique([...main, ...bin], source);
  if (main.some((e) => e.path === recordPath)) throw wheelError(source, `a file of the wheel would be installed as ${distInfo}/RECORD`);
  const rows: RecordRow[] = [...main, ...bin].map((e) => ({
    path: posix.relative(site, e.path),
    hash: recordHash(e.data!),
    size: String(e.data!.length),
  }));
  rows.push({ path: `${distInfo}/RECORD`, hash: '', size: '' });
  add(main, recordPath, formatRecord(rows), false);
  return { main, bin, distInfo };
}

/** The one top-level `<name>-<version>.dist-info` directory, matching the distribution pinned. */
function findDistInfo(paths: string[], opts: WheelInstallOptions, source: string): string {
  const dirs = new Set<string>();
  for (const p of paths) {
    const slash = p.indexOf('/');
    if (slash !== -1 && p.slice(0, slash).endsWith('.dist-info')) dirs.add(p.slice(0, slash));
  }
  if (dirs.size !== 1) {
    const found = dirs.size === 0 ? 'no .dist-info directory' : `several .dist-info directories (${[...dirs].sort().join(', ')})`;
    throw wheelError(source, `${found}; a wheel has exactly one`);
  }
  const [distInfo] = dirs as unknown as [string];
  const stem = distInfo.slice(0, -'.dist-info'.length);
  const dash = stem.lastIndexOf('-');
  const name = stem.slice(0, Math.max(dash, 0));
  const version = stem.slice(dash + 1);
  const sameName = dash > 0 && normalizeName(name) === normalizeName(opts.distribution);
  const sameVersion = dash > 0 && (clean(version) ?? version) === (clean(opts.version) ?? opts.version);
  if (!sameName || !sameVersion) {
    throw wheelError(
      source,
      `its metadata directory is ${distInfo}, not ${opts.distribution} ${opts.version}`,
      "the recipe's source is another distribution's wheel; check its URL and hash",
    );
  }
  return distInfo;
}

/** The first value of each of `names` in core metadata's email headers (up to the first blank line). */
function metadataFields(text: string, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0 || /^[ \t]/.test(line)) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (names.includes(key) && !out.has(key)) out.set(key, line.slice(colon + 1).trim());
  }
  return out;
}

/**
 * METADATA's Name and Version are the distribution the recipe pins (names normalized, versions by
 * PEP 440), as pip checks: a wheel whose directory is right but whose METADATA names another
 * distribution would install one project's files as another's.
 */
function checkMetadataIdentity(text: string, distInfo: string, opts: WheelInstallOptions, source: string): void {
  const f = metadataFields(text, ['name', 'version']);
  const name = f.get('name');
  const version = f.get('version');
  const sameName = name !== undefined && normalizeName(name) === normalizeName(opts.distribution);
  const sameVersion = version !== undefined && (clean(version) ?? version) === (clean(opts.version) ?? opts.version);
  if (!sameName || !sameVersion) {
    throw wheelError(
      source,
      `its ${distInfo}/METADATA names ${JSON.stringify(name ?? '(no Name)')} ${version ?? '(no Version)'}, not ${opts.distribution} ${opts.version}`,
      "the recipe's source is another distribution's wheel; check its URL and hash",
    );
  }
}

/** WHEEL: `Wheel-Version: 1.x` (a later major is a format we cannot read) and Root-Is-Purelib. */
function checkWheelFile(text: string, source: string): void {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const version = fields.get('wheel-version');
  if (version === undefined || !/^[0-9]+\.[0-9]+$/.test(version)) {
    throw wheelError(source, `WHEEL has no valid Wheel-Version (${version ?? 'missing'})`);
  }
  if (version.split('.')[0] !== '1')
    throw wheelError(source, `Wheel-Version ${version}: only 1.x wheels can be installed; pin another version`);
  const purelib = fields.get('root-is-purelib')?.toLowerCase();
  if (purelib !== 'true' && purelib !== 'false') throw wheelError(source, `WHEEL has no valid Root-Is-Purelib (${purelib ?? 'missing'})`);
}

/** Every file is in RECORD with a matching hash, and every RECORD row has its file. */
function verifyAgainstRecord(files: Map<string, Buffer>, recordText: string, distInfo: string, source: string): void {
  const recordPath = `${distInfo}/RECORD`;
  const rows = new Map<string, RecordRow>();
  for (const row of parseRecord(recordText, source, recordPath)) {
    const where = normaliseEntryPath(row.path, 0);
    if (where.kind !== 'ok') throw wheelError(source, `${recordPath} lists "${row.path}", which cannot be a path inside the wheel`);
    const previous = rows.get(where.path);
    if (previous && (previous.hash !== row.hash || previous.size !== row.size)) {
      throw wheelError(source, `${recordPath} lists "${row.path}" twice, differently`);
    }
    rows.set(where.path, row);
  }
  const unsigned = new Set([recordPath, `${recordPath}.jws`, `${recordPath}.p7s`]);
  for (const [path, data] of files) {
    if (unsigned.has(path)) continue;
    const row = rows.get(path);
    if (!row)
      throw new IntegrityError(
        `${source}: "${path}" is not listed in ${recordPath}: the wheel is malformed or was altered; report it upstream`,
      );
    verifyRow(row, data, source);
  }
  for (const [path, row] of rows) {
    if (path !== recordPath && !files.has(path)) {
      throw new IntegrityError(
        `${source}: ${recordPath} lists "${row.path}", which is not in the wheel: the wheel is incomplete or was altered`,
      );
    }
  }
}

function checkUnique(entries: PackEntry[], source: string): void {
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.path)) throw wheelError(source, `two files would be installed as /${e.path} (a script and a file of the wheel?)`);
    seen.add(e.path);
  }
}

function wheelError(
  source: string,
  why: string,
  fix = 'the wheel cannot be installed; report it upstream or pin another version',
): UserError {
  return new UserError('EWHEEL', `${source}: ${why}: ${fix}`);
}

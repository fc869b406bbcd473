import { valid as validPep440 } from '@renovatebot/pep440';
import { UserError } from '../../src/errors/index.js';
import { normalizePypiName } from '../../src/purl/purl.js';

/**
 * Distribution file names, the only place an index says what a file is before it is downloaded.
 * Wheels: PEP 427 (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, each tag possibly a
 * PEP 425 compressed set such as `py2.py3`). Sdists: PEP 625 (`{name}-{version}.tar.gz`) and the
 * older names that kept the project's own spelling, dashes included.
 */

export interface WheelName {
  /** As written in the file name (escaped: `-` became `_`); compare after PEP 503 normalisation. */
  distribution: string;
  /** As written; a valid PEP 440 version (`1.0_beta` and `2.1.0+cpu` included). */
  version: string;
  /** PEP 427 build tag: starts with a digit; a tie-breaker between otherwise identical wheels. */
  build?: string;
  /** The compressed tag sets expanded, lower case, in file order: `py2.py3` -> ['py2', 'py3']. */
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
  filename: string;
}

export interface SdistName {
  /** The project name as spelled in the file name. */
  distribution: string;
  /** As written (a legacy name may hold `1.0-1`); a valid PEP 440 version. */
  version: string;
  format: 'tar.gz' | 'zip';
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?$/;
// Python tags are identifiers (packaging refuses others); ABI and platform tags are [a-z0-9_].
const PYTHON_TAG = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OTHER_TAG = /^[A-Za-z0-9_]+$/;

export function parseWheelFilename(filename: string): WheelName {
  const bad = (why: string): UserError =>
    new UserError(
      'EWHEELNAME',
      `${JSON.stringify(filename)} is not a wheel file name (${why}); PEP 427 names are ` +
        '{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl: pin another file of the release or ask the index to rename it',
    );
  if (filename.includes('/') || filename.includes('\\')) throw bad('a path, not a file name');
  if (!filename.endsWith('.whl')) throw bad('it does not end in .whl');
  const parts = filename.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) throw bad(`${parts.length} dash-separated parts, not 5 or 6`);
  const [distribution, version] = parts as [string, string];
  const build = parts.length === 6 ? parts[2] : undefined;
  const [python, abi, platform] = parts.slice(-3) as [string, string, string];
  if (!NAME.test(distribution)) throw bad(`bad distribution name ${JSON.stringify(distribution)}`);
  if (validPep440(version) === null) throw bad(`${JSON.stringify(version)} is not a PEP 440 version`);
  if (build !== undefined && !/^\d[A-Za-z0-9_.]*$/.test(build)) {
    throw bad(`build tag ${JSON.stringify(build)} must start with a digit`);
  }
  const tagSet = (part: string, re: RegExp, what: string): string[] => {
    const tags = part.split('.');
    if (tags.some((t) => !re.test(t))) throw bad(`bad ${what} tag ${JSON.stringify(part)}`);
    return tags.map((t) => t.toLowerCase());
  };
  const name: WheelName = {
    distribution,
    version,
    pythonTags: tagSet(python, PYTHON_TAG, 'python'),
    abiTags: tagSet(abi, OTHER_TAG, 'ABI'),
    platformTags: tagSet(platform, OTHER_TAG, 'platform'),
    filename,
  };
  if (build !== undefined) name.build = build;
  return name;
}

/** Every `python-abi-platform` triple a wheel declares (the product of its compressed sets). */
export function wheelTagTriples(w: WheelName): string[] {
  const out: string[] = [];
  for (const py of w.pythonTags) for (const abi of w.abiTags) for (const plat of w.platformTags) out.push(`${py}-${abi}-${plat}`);
  return out;
}

const SDIST_FORMATS: Array<[suffix: string, format: SdistName['format']]> = [
  ['.tar.gz', 'tar.gz'],
  ['.zip', 'zip'],
];

/**
 * The sdist of `project` this file is, or undefined (another project, another archive format such
 * as .tar.bz2 or .egg, or no PEP 440 version). The known project name decides where the name ends:
 * `python-dateutil-2.8.2.tar.gz` splits after `python-dateutil`, never after `python`, and
 * `requests-toolbelt-1.0.0.tar.gz` is not an sdist of `requests`.
 */
export function parseSdistFilename(filename: string, project: string): SdistName | undefined {
  if (filename.includes('/') || filename.includes('\\')) return undefined;
  const match = SDIST_FORMATS.find(([suffix]) => filename.toLowerCase().endsWith(suffix));
  if (match === undefined) return undefined;
  const [suffix, format] = match;
  const stem = filename.slice(0, -suffix.length);
  const want = normalizePypiName(project);
  // Every dash is a candidate split; the first whose left side is the project wins.
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    const distribution = stem.slice(0, i);
    if (normalizePypiName(distribution) !== want) continue;
    const version = stem.slice(i + 1);
    if (version === '' || validPep440(version) === null) return undefined;
    return { distribution, version, format };
  }
  return undefined;
}

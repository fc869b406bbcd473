/**
 * Where an installed wheel's files go for one CPython X.Y, and what its packages are called.
 * Pure: the FHS layout under /usr, as the posix_prefix install scheme spells it with prefix /usr.
 *
 *   usr/lib/pythonX.Y/site-packages/...            purelib and platlib (the wheel root)   main
 *   usr/include/pythonX.Y/<distribution>/...       .data/headers                          main
 *   usr/...                                        .data/data (the data scheme is the prefix)  main
 *   usr/bin/<script>                               .data/scripts, console and gui scripts   -bin
 */
import { UserError } from '../../errors/index.js';

export const BIN_DIR = 'usr/bin';
/** The `data` scheme's root: the installation prefix itself. */
export const DATA_ROOT = 'usr';

/** The schemes a wheel's `.data` directory may hold (binary distribution format). */
export type Scheme = 'purelib' | 'platlib' | 'headers' | 'scripts' | 'data';
export const SCHEMES: readonly Scheme[] = ['purelib', 'platlib', 'headers', 'scripts', 'data'];

/** `3.11`, never `3` or `3.11.7`: the layout and the shebang name the minor version. */
export function checkPythonVersion(version: string): void {
  if (!/^[0-9]+\.[0-9]+$/.test(version)) {
    throw new UserError('EUSAGE', `Python version "${version}": give it as MAJOR.MINOR, e.g. 3.11`);
  }
}

export function sitePackages(pythonVersion: string): string {
  checkPythonVersion(pythonVersion);
  return `usr/lib/python${pythonVersion}/site-packages`;
}

/** The interpreter scripts run with, by absolute path (the image provides it). */
export function interpreterPath(pythonVersion: string): string {
  checkPythonVersion(pythonVersion);
  return `/usr/bin/python${pythonVersion}`;
}

/** Headers go where the posix_prefix scheme puts them: per interpreter, per distribution. */
export function headersDir(pythonVersion: string, distribution: string): string {
  checkPythonVersion(pythonVersion);
  return `usr/include/python${pythonVersion}/${distribution}`;
}

/** The root a `.data/<scheme>/` subtree is moved to. */
export function schemeRoot(scheme: Scheme, pythonVersion: string, distribution: string): string {
  switch (scheme) {
    case 'purelib':
    case 'platlib':
      return sitePackages(pythonVersion);
    case 'headers':
      return headersDir(pythonVersion, distribution);
    case 'scripts':
      return BIN_DIR;
    case 'data':
      return DATA_ROOT;
    default: {
      const never: never = scheme;
      throw new Error(`unknown scheme ${String(never)}`);
    }
  }
}

/** PEP 503 normalisation: runs of `-_.` become one `-`, lowercase. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** A valid distribution name (PEP 508): it becomes a path segment, so nothing else passes. */
export function isValidName(name: string): boolean {
  return /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/.test(name);
}

/** `py3.11-<normalised name>`, and `py3.11-<normalised name>-bin` for the scripts. */
export function pythonPackageName(name: string, pythonVersion: string, bin = false): string {
  checkPythonVersion(pythonVersion);
  return `py${pythonVersion}-${normalizeName(name)}${bin ? '-bin' : ''}`;
}

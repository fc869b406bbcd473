import { UserError } from '../../src/errors/index.js';

/** One CPython a recipe is imported for. */
export interface PythonTarget {
  /** Major.minor, as in `python3.11` and `py3.11-<name>`: `'3.11'`. */
  version: string;
  /** The exact interpreter version, as `platform.python_version()` prints it: `'3.11.7'`, `'3.13.0rc1'`. */
  fullVersion: string;
}

/** The PEP 508 marker variables, in the grammar's order; `extra` is not one: it comes from the request. */
export const MARKER_VARIABLES = [
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
] as const;

export type MarkerVariable = (typeof MARKER_VARIABLES)[number];
export type MarkerEnv = Record<MarkerVariable, string>;

// X.Y.Z with an optional pre-release tag, the shapes CPython's version strings take.
const FULL_VERSION = /^(\d+)\.(\d+)\.(\d+)(?:(?:a|b|rc)\d+)?$/;

/**
 * The marker environment of one target interpreter: CPython on Linux x86_64 (glibc), the only
 * platform bale builds for.
 *
 * `platform_release` and `platform_version` describe the running kernel (`uname -r`, `uname -v`).
 * bale's packages are installed on whatever kernel the image later runs on, so no value would be
 * true; they are the empty string, which PEP 508 prescribes for values that cannot be computed.
 * A marker that tests them (rare: only for kernel-specific workarounds) compares against ''.
 */
export function markerEnv(t: PythonTarget): MarkerEnv {
  const m = FULL_VERSION.exec(t.fullVersion);
  if (m === null) {
    throw new UserError('EPYTHON', `Python version '${t.fullVersion}' is not X.Y.Z: name an exact CPython version such as 3.11.7`);
  }
  if (`${m[1]}.${m[2]}` !== t.version) {
    throw new UserError('EPYTHON', `Python ${t.fullVersion} is not a ${t.version}: give a full version that starts with ${t.version}.`);
  }
  return {
    python_version: t.version,
    python_full_version: t.fullVersion,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_release: '',
    platform_system: 'Linux',
    platform_version: '',
    platform_machine: 'x86_64',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    // format_full_version(sys.implementation.version): the same string as the full version on CPython.
    implementation_version: t.fullVersion,
  };
}

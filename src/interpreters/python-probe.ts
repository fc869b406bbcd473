import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { PYTHON_MINORS } from './python-request.js';

/** What one run of an interpreter says about itself. */
export interface PythonProbe {
  implementation: string;
  /** platform.python_version(): '3.11.7', '3.13.0rc1'. */
  fullVersion: string;
  major: number;
  minor: number;
  prefix: string;
  basePrefix: string;
  soabi: string;
  includePy: string;
  /** os.confstr('CS_GNU_LIBC_VERSION') (else platform.libc_ver()): 'glibc 2.36', or '' (musl). */
  libc: string;
}

/**
 * Run with -I (no PYTHON* variables, no user site) and -S (no site: .pth files run code), in an empty
 * environment: what it prints depends on the interpreter alone.
 */
const SCRIPT = [
  'import json, os, platform, sys, sysconfig',
  'libc = ""',
  'try:',
  '    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""',
  'except (AttributeError, ValueError, OSError):',
  '    pass',
  'if not libc:',
  '    n, v = platform.libc_ver()',
  '    libc = (n + " " + v) if n else ""',
  'print(json.dumps({"implementation": sys.implementation.name, "fullVersion": platform.python_version(),',
  '    "major": sys.version_info[0], "minor": sys.version_info[1], "prefix": sys.prefix,',
  '    "basePrefix": getattr(sys, "base_prefix", sys.prefix), "soabi": sysconfig.get_config_var("SOABI") or "",',
  '    "includePy": sysconfig.get_config_var("INCLUDEPY") or "", "libc": libc}))',
].join('\n');

/** Runs the interpreter once; a string says why it cannot be used (does not run, prints garbage). */
export function probePython(bin: string): Promise<PythonProbe | string> {
  // node:child_process, not execa: loading execa costs more CPU than the probe itself.
  return new Promise((done) => {
    execFile(
      bin,
      ['-I', '-S', '-c', SCRIPT],
      { env: {}, timeout: 30_000, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err !== null) {
          const why =
            String(stderr ?? '')
              .trim()
              .split('\n')
              .pop() || describeFailure(err);
          done(`does not run (${why})`);
          return;
        }
        try {
          done(JSON.parse(stdout) as PythonProbe);
        } catch {
          done('printed something other than its description');
        }
      },
    );
  });
}

function describeFailure(err: Error & { code?: unknown; signal?: unknown; killed?: boolean }): string {
  if (err.killed === true || typeof err.signal === 'string') return `killed by ${String(err.signal ?? 'a timeout')}`;
  if (typeof err.code === 'number') return `exit code ${err.code}`;
  return typeof err.code === 'string' ? `${err.code}: ${err.message}` : err.message;
}

/** 'glibc 2.36' -> [2, 36]; undefined for another libc. */
export function parseGlibc(libc: string): [number, number] | undefined {
  const m = /^glibc (\d+)\.(\d+)/.exec(libc.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Why bale cannot build for this interpreter, or undefined when it can: CPython 3.8-3.13 with the
 * default ABI (not debug `d`, not free-threaded `t`), glibc, not a virtual environment.
 */
export function unusableReason(p: PythonProbe): string | undefined {
  if (p.implementation !== 'cpython') return `is ${p.implementation}, not CPython`;
  if (p.major !== 3 || p.minor < PYTHON_MINORS.first || p.minor > PYTHON_MINORS.last) {
    return `is Python ${p.fullVersion}; bale builds for 3.${PYTHON_MINORS.first} to 3.${PYTHON_MINORS.last}`;
  }
  if (!p.soabi.startsWith(`cpython-3${p.minor}-`))
    return `has the ABI ${p.soabi || '(none)'} (debug or free-threaded builds are not targets)`;
  if (parseGlibc(p.libc) === undefined) return `is not linked against glibc (${p.libc || 'unknown libc'})`;
  if (p.prefix !== p.basePrefix) return `is a virtual environment: use its base interpreter in ${p.basePrefix}`;
  return undefined;
}

/** INCLUDEPY when it holds Python.h (Debian ships headers separately, in python3.X-dev), else ''. */
export async function includeDir(p: PythonProbe): Promise<string> {
  if (p.includePy === '') return '';
  try {
    await access(join(p.includePy, 'Python.h'), constants.R_OK);
    return p.includePy;
  } catch {
    return '';
  }
}

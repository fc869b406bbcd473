import { readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { compare as comparePep440, valid as validPep440 } from '@renovatebot/pep440';
import { UserError } from '../errors/index.js';
import { includeDir, parseGlibc, probePython, unusableReason, type PythonProbe } from './python-probe.js';
import { cachedProbe } from './python-probe-cache.js';
import { PYTHON_MINORS, supportedPythons } from './python-request.js';
import { isExecutableFile } from '../util/executable.js';

export { parsePythonList } from './python-request.js';

export interface PythonInterpreter {
  /** Minor version, '3.11': what `--python` and package names (`py3.11-...`) use. */
  version: string;
  /** platform.python_version(): '3.11.7'. */
  fullVersion: string;
  /** Absolute path of the interpreter as found (not symlink-resolved). */
  bin: string;
  /** sys.prefix. */
  prefix: string;
  /** The directory holding Python.h, or '' when the headers are not installed. */
  include: string;
  /** sysconfig SOABI, 'cpython-311-x86_64-linux-gnu'. */
  soabi: string;
  /** The glibc the interpreter runs with: the newest manylinux its wheels may target. */
  glibc: [number, number];
  /** Where it was found; the preference when several serve one minor: configured > pyenv > system. */
  source: 'pyenv' | 'system' | 'configured';
}

export interface DiscoverPythonsOptions {
  /**
   * Interpreters (files) or directories holding `python3.X` (directly or in `bin/`), tried before
   * anything found on the host. Added to env `BALE_PYTHONS` (':'-separated), which comes after them.
   * @defaultValue []
   */
  search?: string[];
  /** Where BALE_PYTHONS, PYENV_ROOT and HOME are read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Only these minors ('3.12') are wanted: host interpreters named for another minor
   * (`python3.9`) are not run. Configured ones always are (their name may say nothing).
   * @defaultValue every minor
   */
  minors?: readonly string[];
  /** Where what each binary said of itself is kept, by path, inode, size and mtime. @defaultValue none (every binary runs) */
  cacheDir?: string;
}

type Source = PythonInterpreter['source'];
const PRECEDENCE: Record<Source, number> = { configured: 0, pyenv: 1, system: 2 };
/** Searched in this order; /usr/local first as on PATH (a local build shadows the distribution's). */
const SYSTEM_DIRS = ['/usr/local/bin', '/usr/bin'];

interface Candidate {
  path: string;
  source: Source;
  /** Position among all candidates: the tie-breaker. */
  order: number;
}

/**
 * CPython 3.8 to 3.13 on this host, one per minor, ascending. Configured interpreters win (an
 * explicit choice), then pyenv's (complete builds with headers, the newest patch release when
 * several are installed), then /usr/local/bin and /usr/bin. Each distinct binary runs once. Host
 * interpreters that do not qualify (PyPy, a venv, a debug or free-threaded build, one that does not
 * run) are skipped; a configured one that does not qualify is a UserError naming it.
 */
export async function discoverPythons(opts: DiscoverPythonsOptions = {}): Promise<PythonInterpreter[]> {
  const env = opts.env ?? process.env;
  const configured = [...(opts.search ?? []), ...(env.BALE_PYTHONS ?? '').split(':')].filter((s) => s !== '');
  const found: Array<Omit<Candidate, 'order'>> = [];
  for (const entry of configured) found.push(...(await configuredCandidates(entry)));
  const nConfigured = found.length;
  const pyenvRoot = env.PYENV_ROOT || join(env.HOME || homedir(), '.pyenv');
  const names = opts.minors === undefined ? NAMES : NAMES.filter((n) => opts.minors!.includes(n.slice('python'.length)));
  found.push(...(await pyenvCandidates(pyenvRoot, names)), ...(await interpretersIn(SYSTEM_DIRS, 'system', names)));
  const candidates = found.map((c, order) => ({ ...c, order }));
  const probe = opts.cacheDir === undefined ? probePython : (bin: string) => cachedProbe(bin, opts.cacheDir!);

  const probes = new Map<string, Promise<PythonProbe | string>>();
  const probeAll = (cs: Candidate[]) =>
    Promise.all(
      cs.map(async (c) => {
        const real = await realpath(c.path).catch(() => c.path);
        let p = probes.get(real);
        if (p === undefined) probes.set(real, (p = probe(c.path)));
        return { c, probe: await p };
      }),
    );
  // Configured ones first: a bad one fails before the host's are run.
  const probed = await probeAll(candidates.slice(0, nConfigured));
  for (const { c, probe } of probed) {
    const why = typeof probe === 'string' ? probe : unusableReason(probe);
    if (why !== undefined) {
      throw new UserError(
        'EPYTHON',
        `configured Python ${c.path} ${why}: remove it from BALE_PYTHONS (or the search paths) or point at a CPython 3.${PYTHON_MINORS.first}-3.${PYTHON_MINORS.last} binary`,
      );
    }
  }
  probed.push(...(await probeAll(candidates.slice(nConfigured))));

  const best = new Map<number, { c: Candidate; probe: PythonProbe }>();
  for (const { c, probe } of probed) {
    if (typeof probe === 'string' || unusableReason(probe) !== undefined) continue; // host builds that do not qualify
    const current = best.get(probe.minor);
    if (current === undefined || preferred(c, probe, current.c, current.probe)) best.set(probe.minor, { c, probe });
  }

  const out: PythonInterpreter[] = [];
  for (const [minor, { c, probe }] of [...best].sort(([a], [b]) => a - b)) {
    out.push({
      version: `3.${minor}`,
      fullVersion: probe.fullVersion,
      bin: c.path,
      prefix: probe.prefix,
      include: await includeDir(probe),
      soabi: probe.soabi,
      glibc: parseGlibc(probe.libc)!,
      source: c.source,
    });
  }
  return out;
}

/** Source precedence; configured ones in the order given; otherwise the newest release (PEP 440), then search order. */
function preferred(a: Candidate, ap: PythonProbe, b: Candidate, bp: PythonProbe): boolean {
  if (a.source !== b.source) return PRECEDENCE[a.source] < PRECEDENCE[b.source];
  if (a.source !== 'configured') {
    // A source build says '3.13.0+' (not PEP 440, an unreleased snapshot): any release beats it.
    const [av, bv] = [validPep440(ap.fullVersion) !== null, validPep440(bp.fullVersion) !== null];
    const byVersion = av && bv ? comparePep440(ap.fullVersion, bp.fullVersion) : Number(av) - Number(bv);
    if (byVersion !== 0) return byVersion > 0;
  }
  return a.order < b.order;
}

const NAMES = supportedPythons().map((v) => `python${v}`);

/** `python3.8` .. `python3.13` in each directory, in directory order, then name order. */
async function interpretersIn(dirs: string[], source: Source, names: readonly string[] = NAMES): Promise<Array<Omit<Candidate, 'order'>>> {
  const out: Array<Omit<Candidate, 'order'>> = [];
  for (const dir of dirs) {
    for (const name of names) {
      const path = join(dir, name);
      if (await isExecutableFile(path)) out.push({ path, source });
    }
  }
  return out;
}

/** `<root>/versions/*` /bin/python3.X, version directories in byte order (pyenv virtualenvs included, then refused). */
async function pyenvCandidates(root: string, names: readonly string[]): Promise<Array<Omit<Candidate, 'order'>>> {
  let versions: string[];
  try {
    versions = (await readdir(join(root, 'versions'))).sort();
  } catch {
    return [];
  }
  return interpretersIn(
    versions.map((n) => join(root, 'versions', n, 'bin')),
    'pyenv',
    names,
  );
}

async function configuredCandidates(entry: string): Promise<Array<Omit<Candidate, 'order'>>> {
  const path = resolve(entry);
  const st = await stat(path).catch(() => undefined);
  if (st === undefined) {
    throw new UserError(
      'EPYTHON',
      `configured Python ${entry} does not exist: fix BALE_PYTHONS (or the search paths) to name an interpreter or its directory`,
    );
  }
  if (!st.isDirectory()) return [{ path, source: 'configured' }];
  const found = await interpretersIn([path, join(path, 'bin')], 'configured');
  if (found.length === 0) {
    throw new UserError(
      'EPYTHON',
      `configured directory ${entry} holds no ${NAMES[0]}..${NAMES[NAMES.length - 1]} (nor in bin/): name the interpreter file in BALE_PYTHONS (or the search paths) instead`,
    );
  }
  return found;
}

/**
 * The interpreters for the requested minors, in request order; a requested minor with no
 * interpreter, or whose binary has gone since discovery, is missing.
 */
export async function resolvePythons(
  requested: string[],
  found: PythonInterpreter[],
): Promise<{ ok: PythonInterpreter[]; missing: string[] }> {
  const ok: PythonInterpreter[] = [];
  const missing: string[] = [];
  for (const version of requested) {
    const p = found.find((f) => f.version === version);
    if (p !== undefined && (await isExecutableFile(p.bin))) ok.push(p);
    else missing.push(version);
  }
  return { ok, missing };
}

/** One line: what is missing, what exists, and the two ways to add one. */
export function missingPythonsError(missing: string[], found: PythonInterpreter[]): UserError {
  const list = (vs: string[]): string => vs.join(', ');
  const have = found.length > 0 ? `found ${list(found.map((f) => `${f.version} (${f.bin})`))}` : 'found none';
  const first = missing[0] ?? `3.${PYTHON_MINORS.last}`;
  return new UserError(
    'EPYTHON',
    `CPython ${list(missing)} not found on this host (${have}): install with \`pyenv install ${first}\`, ` +
      `or name an existing interpreter in BALE_PYTHONS (BALE_PYTHONS=/opt/python/bin/python${first})`,
  );
}
